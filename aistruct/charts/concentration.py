"""``concentration --plot``: each market's Lorenz curve beside a bar chart of its largest companies' shares."""

from __future__ import annotations

from typing import Sequence

from aistruct.charts import style


def lorenz_points(values) -> tuple[list, list]:
    """The Lorenz curve: cumulative share of companies (smallest first) against cumulative share of value.

    >>> lorenz_points([1, 3])
    ([0.0, 0.5, 1.0], [0.0, 0.25, 1.0])
    """
    import numpy as np

    x = np.sort(np.asarray(values, dtype=np.float64))
    n, total = x.size, float(x.sum())
    if n == 0 or not total > 0:
        return [0.0, 1.0], [0.0, 1.0]
    return [i / n for i in range(n + 1)], [0.0] + (np.cumsum(x) / total).tolist()


def chart(doc: dict, values: Sequence, fmt: str = "svg") -> bytes:
    """The chart of a concentration document; ``values[i]`` holds result i's company values."""
    inp = doc["input"]
    what = f"{style.label(inp['value'])} across {style.label(inp['entity'])}"
    pairs, note = style.pick_groups(list(zip(doc["results"], values)), lambda rv: rv[0]["total"])
    cols = 1 if len(pairs) == 1 else 2
    rows = -(-len(pairs) // cols)
    with style.context():
        fig = style.figure(5.2 * 2 * cols, 3.4 * rows + 0.9)
        axes = fig.subplots(rows, 2 * cols, squeeze=False, width_ratios=[1, 1.25] * cols)
        lorenz_axes = [axes[i // cols][2 * (i % cols)] for i in range(rows * cols)]
        bar_axes = [axes[i // cols][2 * (i % cols) + 1] for i in range(rows * cols)]
        for ax in lorenz_axes[1:]:
            ax.sharex(lorenz_axes[0])
            ax.sharey(lorenz_axes[0])
        # shared axes: every bar panel has the same share scale and the same number of bar slots
        tops = [r.get("top") or [] for r, _ in pairs]
        fringes = [_fringe_share(r) for r, _ in pairs]
        largest_bar = max([c["share"] or 0.0 for t in tops for c in t] + [f or 0.0 for f in fringes], default=0.0)
        xmax = min(1.0, largest_bar * 1.25 + 0.05)
        bars_of = [len(t) + (1 if f is not None else 0) for t, f in zip(tops, fringes)]
        slots = max(bars_of, default=1) or 1
        described = []
        for i, (r, vals) in enumerate(pairs):
            described.append(_panel(lorenz_axes[i], bar_axes[i], r, vals))
            bar_axes[i].set_xlim(0, xmax)
            bar_axes[i].set_ylim(-0.6 - (slots - bars_of[i]), bars_of[i] - 0.4)
        for j in range(len(pairs), rows * cols):
            lorenz_axes[j].set_visible(False)
            bar_axes[j].set_visible(False)
        title = f"Concentration of {what}"
        fig.suptitle(title, fontsize=12, fontweight="bold")
        fig.supxlabel(" ".join(filter(None, [style.source_line(doc), note])), fontsize=8, color="#444444")
        desc = f"{title}. " + " ".join(described) + f" {style.source_line(doc)}. {note}".rstrip()
        return style.render(fig, fmt, title=title, desc=desc)


def _panel(lax, bax, r: dict, values) -> str:
    where = style.group_title(r["group"])
    head = f"{where}: " if where else ""
    xs, ys = lorenz_points(values)
    lax.fill_between(xs, ys, xs, color=style.SKY, alpha=0.35, linewidth=0)
    lax.plot([0, 1], [0, 1], color=style.GREY, linestyle="--", linewidth=1, label="Line of equality")
    gini, hhi = r.get("gini"), r.get("hhi")
    bounds = r.get("bounds")
    hhi_text = _num(hhi, 0) if not bounds else f"{_num(bounds['hhi'][0], 0)}–{_num(bounds['hhi'][1], 0)}"
    listed = " of the listed companies" if bounds else ""
    lax.plot(xs, ys, color=style.BLUE, linewidth=2, label=f"Lorenz curve{listed}, Gini {_num(gini, 3)}")
    lax.plot([], [], " ", label=f"HHI {hhi_text}" + (f" ({r['band']})" if r.get("band") else ""))
    lax.legend(loc="upper left", fontsize=8, frameon=False)
    lax.set_xlim(0, 1)
    lax.set_ylim(0, 1)
    style.percent_axis(lax.xaxis)
    style.percent_axis(lax.yaxis)
    lax.set_xlabel("Share of companies, smallest first (%)")
    lax.set_ylabel("Share of the total value (%)")
    lax.set_title(f"{head}Lorenz curve ({r['n']} companies)", loc="left")
    top = r.get("top") or []
    names = [style.label(c["entity"], 28) for c in top][::-1]
    shares = [c["share"] or 0.0 for c in top][::-1]
    fringe = _fringe_share(r)
    colours, hatches = [style.BLUE] * len(top), [""] * len(top)
    if fringe is not None:  # the unobserved rest of the market, drawn as such, below the companies
        names, shares = ["Fringe (unobserved)", *names], [fringe, *shares]
        colours, hatches = [style.GREY, *colours], ["xx", *hatches]
    bars = bax.barh(range(len(shares)), shares, color=colours)
    for bar, hatch in zip(bars, hatches):
        bar.set_hatch(hatch)
    bax.bar_label(bars, labels=[style.pct(s) for s in shares], padding=2, fontsize=8)
    bax.set_yticks(range(len(shares)), names)
    style.percent_axis(bax.xaxis)
    bax.set_xlabel("Share of the total value (%)")
    bax.set_title(f"{head}Largest companies", loc="left")
    largest = ", ".join(f"{style.label(c['entity'])} {style.pct(c['share'])}" for c in top[:5])
    tail = f"; fringe {style.pct(fringe)} unobserved" if fringe is not None else ""
    return f"{head}{r['n']} companies, Gini {_num(gini, 3)}, HHI {hhi_text}; largest: {largest or 'none'}{tail}."


def _fringe_share(r: dict) -> float | None:
    """The unobserved fringe's share of the market (``--other``/``--total``), None without one."""
    fringe = r.get("fringe")
    return None if not fringe or fringe.get("share") is None else float(fringe["share"])


def _num(x, digits: int) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"
