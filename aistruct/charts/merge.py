"""``merge --plot``: the shares of the parties and the largest rivals before and after each deal,
with the HHI change and the guideline verdicts in the title."""

from __future__ import annotations

from typing import Sequence

from aistruct.charts import style

#: Rivals shown beside the parties.
RIVALS = 6


def bars_of(r: dict, largest: Sequence) -> list[tuple[str, float, float]]:
    """(name, share before, share after): the acquirer (after: the merged firm), targets, then the largest rivals.

    >>> parties = [{"entity": "A", "share": 0.3}, {"entity": "B", "share": 0.1}]
    >>> r = {"acquirer": "A", "targets": ["B"], "parties": parties}
    >>> bars_of(r, [("C", 0.4), ("A", 0.3), ("B", 0.1), ("D", 0.2)])
    [('A', 0.3, 0.4), ('B', 0.1, 0.0), ('C', 0.4, 0.4), ('D', 0.2, 0.2)]
    """
    parties = {p["entity"]: p["share"] or 0.0 for p in r.get("parties") or []}
    merged = sum(parties.values())
    out = [(r["acquirer"], parties.get(r["acquirer"], 0.0), merged)]
    out += [(t, parties.get(t, 0.0), 0.0) for t in r["targets"]]
    rivals = [(n, s) for n, s in largest if n not in parties][:RIVALS]
    return out + [(n, s, s) for n, s in rivals]


def chart(doc: dict, largest: Sequence, fmt: str = "svg") -> bytes:
    """The chart of a merge document; ``largest[i]`` holds (name, share) of result i's largest companies."""
    inp = doc["input"]
    pairs = [(r, lg) for r, lg in zip(doc["results"], largest) if r["status"] == "ok"]
    pairs, note = style.pick_groups(pairs, lambda rl: rl[0]["delta_hhi"])
    n = max(len(pairs), 1)
    cols = 1 if n == 1 else 2
    rows = -(-n // cols)
    with style.context():
        fig = style.figure(8.5 * cols, 3.8 * rows + 1.0)
        axes = [a for row in fig.subplots(rows, cols, squeeze=False) for a in row]
        for ax in axes[1:]:
            ax.sharex(axes[0])
        described = [_panel(axes[i], r, lg, doc["guidelines"]) for i, (r, lg) in enumerate(pairs)]
        for ax in axes[len(pairs) :]:
            ax.set_visible(False)
        what = f"{style.label(inp['value'])} across {style.label(inp['entity'])}"
        if len(pairs) == 1:
            r = pairs[0][0]
            title = (
                f"{style.label(r['acquirer'])} buys {', '.join(style.label(t) for t in r['targets'])} — shares of "
                f"{what}: ΔHHI {_signed(r['delta_hhi'])}"
            )
        else:
            title = f"Mergers in {what}: shares before and after each deal"
        fig.suptitle(title, fontsize=12, fontweight="bold")
        fig.supxlabel(" ".join(filter(None, [style.source_line(doc), note])), fontsize=8, color="#444444")
        desc = f"{title}. " + " ".join(described) + f" {style.source_line(doc)}. {note}".rstrip()
        return style.render(fig, fmt, title=title, desc=desc)


def _panel(ax, r: dict, largest, guidelines) -> str:
    import numpy as np

    bars = bars_of(r, largest)
    ys = np.arange(len(bars))[::-1]
    before = [b for _, b, _ in bars]
    after = [a for _, _, a in bars]
    hb = ax.barh(ys + 0.2, before, 0.4, color=style.SKY, label="before")
    ha = ax.barh(ys - 0.2, after, 0.4, color=style.BLUE, label="after")
    ax.bar_label(hb, labels=[style.pct(x) for x in before], fontsize=7.5, padding=2)
    ax.bar_label(ha, labels=[style.pct(x) for x in after], fontsize=7.5, padding=2)
    names = [style.label(bars[0][0], 24) + " (+ targets)"] + [style.label(n, 28) for n, _, _ in bars[1:]]
    ax.set_yticks(ys, names)
    ax.set_xlim(0, min(1.0, max(before + after) * 1.3 + 0.05))
    style.percent_axis(ax.xaxis)
    ax.set_xlabel("Share of the total value (%)")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    verdicts = " · ".join(f"{g}: {r['verdicts'][g]['finding']}" for g in guidelines)
    where = style.group_title(r["group"])
    head = f"{where}: " if where else ""
    deal = (
        r.get("scenario") or f"{style.label(r['acquirer'], 24)} + {', '.join(style.label(t, 24) for t in r['targets'])}"
    )
    ax.set_title(
        f"{head}{style.label(deal, 60)}\nHHI {r['pre_hhi']:,.0f} → {r['post_hhi']:,.0f} "
        f"(ΔHHI {_signed(r['delta_hhi'])})\n{verdicts}",
        loc="left",
        fontsize=9,
    )
    shares = "; ".join(f"{style.label(n)} {style.pct(b)} → {style.pct(a)}" for n, b, a in bars)
    hhi = f"HHI {r['pre_hhi']:,.0f} to {r['post_hhi']:,.0f}, ΔHHI {_signed(r['delta_hhi'])}"
    return f"{head}{deal}: {hhi}; {verdicts}; shares {shares}."


def _signed(x) -> str:
    return "–" if x is None else f"{x:+,.0f}"
