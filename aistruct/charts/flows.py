"""``flows --plot``: an alluvial (Sankey) diagram of the whole span, first period to last: each
origin (small, middle, giant, entered) on the left, each destination (small, middle, giant,
exited, and acquired when a deals table was given) on the right, a band per (origin,
destination) as wide as its count of companies."""

from __future__ import annotations

from aistruct.charts import style

#: Colour and hatch of each node (origins and destinations share the tier keys).
NODE_COLOURS = {
    **style.TIER_COLOURS,
    "entered": style.SKY,
    "exited": style.GREY,
    "acquired": style.VERMILLION,
}
NODE_HATCH = {**style.TIER_HATCH, "entered": "..", "exited": "xx", "acquired": ""}
#: Vertical gap between nodes, as a share of the column's height.
GAP = 0.03


def nodes(step: dict, deals: bool) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(name, count) of the left and right columns; empty nodes left out, acquired only with deals.

    >>> counts = {"small": {"small": 1, "middle": 2, "giant": 0, "exited": 3, "acquired": 0},
    ...           "middle": {"small": 0, "middle": 4, "giant": 1, "exited": 0, "acquired": 0},
    ...           "giant": {"small": 0, "middle": 0, "giant": 0, "exited": 0, "acquired": 0},
    ...           "entered": {"small": 0, "middle": 0, "giant": 5, "exited": 0, "acquired": 0}}
    >>> nodes({"counts": counts}, deals=False)
    ([('small', 6), ('middle', 5), ('entered', 5)], [('small', 1), ('middle', 6), ('giant', 6), ('exited', 3)])
    """
    from aistruct.flows import ACQUIRED, DESTINATIONS, ORIGINS

    c = step["counts"]
    left = [(o, sum(c[o].values())) for o in ORIGINS]
    right = [(d, sum(c[o][d] for o in ORIGINS)) for d in DESTINATIONS if deals or d != ACQUIRED]
    return [n for n in left if n[1]], [n for n in right if n[1]]


def bands(step: dict, deals: bool) -> list[tuple[str, str, int]]:
    """(origin, destination, count) of every non-empty band, in drawing order."""
    from aistruct.flows import ACQUIRED, DESTINATIONS, ORIGINS

    c = step["counts"]
    return [(o, d, c[o][d]) for o in ORIGINS for d in DESTINATIONS if c[o][d] and (deals or d != ACQUIRED)]


def chart(doc: dict, fmt: str = "svg") -> bytes:
    """The chart of a flows document (everything it needs is in the JSON)."""
    inp = doc["input"]
    shown = [s for s in doc["results"] if s["overall"] is not None]
    left_out = len(doc["results"]) - len(shown)
    results, note = style.pick_groups(shown, lambda s: sum(sum(r.values()) for r in s["overall"]["counts"].values()))
    if left_out:
        note = " ".join(filter(None, [note, f"{left_out} group(s) with one period left out."]))
    deals = inp.get("acquisitions") is not None
    n = max(len(results), 1)
    cols = 1 if n == 1 else 2
    rows = -(-n // cols)
    with style.context():
        fig = style.figure(8.0 * cols, 5.0 * rows + 1.0)
        axes = [a for row in fig.subplots(rows, cols, squeeze=False) for a in row]
        described = [_panel(axes[i], s, inp, deals) for i, s in enumerate(results)]
        for ax in axes[len(results) :]:
            ax.set_visible(False)
        span = f"{style.label(inp['from'], 12)} → {style.label(inp['to'], 12)}"
        title = f"Tier flows of {style.label(inp['entity'])} by {style.label(inp['period'])}, {span}"
        fig.suptitle(title, fontsize=12, fontweight="bold")
        fig.supxlabel(" ".join(filter(None, [style.source_line(doc), note])), fontsize=8, color="#444444")
        desc = f"{title}. " + " ".join(described) + f" {style.source_line(doc)}. {note}".rstrip()
        return style.render(fig, fmt, title=title, desc=desc)


def _stack(column: list[tuple[str, int]], total: int) -> dict:
    """name -> (top, height) in axis units (0 at the bottom, 1 at the top), the first node on top."""
    gap = GAP if len(column) > 1 else 0.0
    room = 1.0 - gap * (len(column) - 1)
    out, y = {}, 1.0
    for name, count in column:
        h = room * count / total
        out[name] = (y, h)
        y -= h + gap
    return out


def _ribbon(ax, x0: float, x1: float, top0: float, top1: float, h0: float, h1: float, **kw) -> None:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    mid = (x0 + x1) / 2
    verts = [
        (x0, top0),
        (mid, top0),
        (mid, top1),
        (x1, top1),
        (x1, top1 - h1),
        (mid, top1 - h1),
        (mid, top0 - h0),
        (x0, top0 - h0),
        (x0, top0),
    ]
    codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO]
    codes += [Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.CLOSEPOLY]
    ax.add_patch(PathPatch(Path(verts, codes), **kw))


def _panel(ax, s: dict, inp: dict, deals: bool) -> str:
    step = s["overall"]
    where = style.group_title(s["group"])
    head = f"{where}: " if where else ""
    left, right = nodes(step, deals)
    total = sum(c for _, c in left) or 1
    lpos, rpos = _stack(left, total), _stack(right, total)
    width = 0.06
    xl, xr = 0.0, 1.0
    # each band leaves its origin and reaches its destination at the next free slot
    lfree = {k: top for k, (top, _) in lpos.items()}
    rfree = {k: top for k, (top, _) in rpos.items()}
    room_l = 1.0 - GAP * (len(left) - 1) if len(left) > 1 else 1.0
    room_r = 1.0 - GAP * (len(right) - 1) if len(right) > 1 else 1.0
    listed = []
    for o, d, count in bands(step, deals):
        h0, h1 = room_l * count / total, room_r * count / total
        _ribbon(
            ax,
            xl + width,
            xr - width,
            lfree[o],
            rfree[d],
            h0,
            h1,
            facecolor=NODE_COLOURS[o],
            alpha=0.45,
            edgecolor="white",
            linewidth=0.6,
        )
        if h0 >= 0.035:
            ax.text(xl + width + 0.02, lfree[o] - h0 / 2, f"{count} → {d}", va="center", fontsize=7.5)
        lfree[o] -= h0
        rfree[d] -= h1
        listed.append(f"{o} → {d} {count}")
    for column, pos, x, align in ((left, lpos, xl, "right"), (right, rpos, xr - width, "left")):
        for name, count in column:
            top, h = pos[name]
            ax.bar(
                x + width / 2,
                h,
                width,
                bottom=top - h,
                color=NODE_COLOURS[name],
                hatch=NODE_HATCH[name],
                edgecolor="white",
                linewidth=0.6,
            )
            tx = x - 0.015 if align == "right" else x + width + 0.015
            ax.text(tx, top - h / 2, f"{name} {count}", ha=align, va="center", fontsize=9, fontweight="bold")
    ax.set_xlim(-0.25, 1.25)
    ax.set_ylim(-0.02, 1.02)
    ax.axis("off")
    for x, when in ((xl + width / 2, step["from"]), (xr - width / 2, step["to"])):
        ax.text(x, 1.03, style.label(when, 12), ha="center", va="bottom", fontsize=9, fontweight="bold")
    low, high = s["bounds"]
    size = style.label(inp.get("size") or inp["value"])
    ax.set_title(
        f"{head}Companies by tier of {size}: small < {style.human(low)} ≤ middle ≤ {style.human(high)} < giant",
        loc="center",
        fontsize=9,
        pad=20,
    )
    m = step["middle"]
    return (
        f"{head}{step['from']} to {step['to']}: " + "; ".join(listed) + f". The middle went from {m['start']} to "
        f"{m['end']}."
    )
