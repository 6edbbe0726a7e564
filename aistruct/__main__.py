from aistruct.entry import main

if __name__ == "__main__":
    main()
