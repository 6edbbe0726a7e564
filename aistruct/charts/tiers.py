"""``tiers --plot``: the histogram of log10 size, tiers coloured and bounds marked, the fitted log-normal
over it and the middle deficit annotated; beside it each tier's share of companies and of value."""

from __future__ import annotations

import math
from typing import Sequence

from aistruct.charts import style
from aistruct.vocabulary import TIER_KEYS


def deficit_text(deficit: float | None) -> str:
    """The middle deficit in words.

    >>> deficit_text(0.142)
    '14.2 points fewer companies in the middle than one hump predicts'
    >>> deficit_text(-0.05)
    '5.0 points more companies in the middle than one hump predicts'
    """
    if deficit is None:
        return "middle deficit undefined"
    word = "fewer" if deficit >= 0 else "more"
    return f"{abs(deficit) * 100:.1f} points {word} companies in the middle than one hump predicts"


def chart(doc: dict, sizes: Sequence, fmt: str = "svg") -> bytes:
    """The chart of a tiers document; ``sizes[i]`` holds result i's company sizes."""
    inp = doc["input"]
    size_col = style.label(inp.get("size") or inp["value"])
    labels = doc.get("labels") or {k: k for k in TIER_KEYS}
    pairs = [(r, s) for r, s in zip(doc["results"], sizes) if r["tiers"] is not None]
    skipped = len(doc["results"]) - len(pairs)
    pairs, note = style.pick_groups(pairs, lambda rs: rs[0]["n"])
    if skipped:
        note = f"{note} {skipped} group(s) without tiers left out.".strip()
    n = max(len(pairs), 1)
    with style.context():
        fig = style.figure(11, 3.6 * n + 1.0)
        axes = fig.subplots(n, 2, squeeze=False, width_ratios=[2.2, 1])
        for i in range(1, n):
            axes[i][0].sharex(axes[0][0])
            axes[i][1].sharey(axes[0][1])
        edges = _edges([s for _, s in pairs])  # shared bins: the panels compare bar for bar
        marks = [math.log10(b) for r, _ in pairs for b in r["bounds"] if b > 0]
        xlim = (min([edges[0], *marks]) - 0.3, max([edges[-1], *marks]) + 0.3)  # the bounds always in view
        described = [
            _panel(axes[i][0], axes[i][1], r, s, edges, xlim, size_col, labels) for i, (r, s) in enumerate(pairs)
        ]
        if not pairs:
            axes[0][0].text(
                0.5, 0.5, "No market could be split into tiers", ha="center", transform=axes[0][0].transAxes
            )
        title = f"Tiers of {style.label(inp['entity'])} by {size_col}"
        fig.suptitle(title, fontsize=12, fontweight="bold")
        fig.supxlabel(" ".join(filter(None, [style.source_line(doc), note])), fontsize=8, color="#444444")
        desc = f"{title}. " + " ".join(described) + f" {style.source_line(doc)}. {note}".rstrip()
        return style.render(fig, fmt, title=title, desc=desc)


def _positive_logs(sizes):
    import numpy as np

    s = np.asarray(sizes, dtype=np.float64)
    return np.log10(s[np.isfinite(s) & (s > 0)])


def _edges(all_sizes: list):
    """Histogram bin edges on log10 size common to every panel: about 2 sqrt(n) bins, 8 to 30."""
    import numpy as np

    logs = [_positive_logs(s) for s in all_sizes]
    lg = np.concatenate(logs) if logs else np.zeros(0)
    if lg.size == 0:
        return np.linspace(0.0, 1.0, 9)
    n = max(x.size for x in logs)
    lo, hi = float(lg.min()), float(lg.max())
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, min(30, max(8, int(math.sqrt(n)) * 2)) + 1)


def _panel(hax, bax, r: dict, sizes, edges, xlim, size_col: str, labels: dict) -> str:
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    from aistruct.tiers import assign_tiers, lognormal_fit

    where = style.group_title(r["group"])
    head = f"{where}: " if where else ""
    low, high = r["bounds"]
    s = np.asarray(sizes, dtype=np.float64)
    s = s[np.isfinite(s) & (s > 0)]  # the exact sizes: a size equal to a bound keeps its tier
    lg = np.log10(s)
    t = assign_tiers(s, low, high)
    hax.hist(
        [lg[t == k] for k in range(3)],
        bins=edges,
        stacked=True,
        color=[style.TIER_COLOURS[k] for k in TIER_KEYS],
        hatch=None,
        label=[style.label(labels.get(k, k)) for k in TIER_KEYS],
        edgecolor="white",
        linewidth=0.5,
    )
    for patches, key in zip(hax.containers, TIER_KEYS):
        for p in patches:
            p.set_hatch(style.TIER_HATCH[key])
    fit = lognormal_fit(s)
    if fit is not None:
        mu, sd = fit
        xs = np.linspace(edges[0], edges[-1], 200)
        width = float(edges[1] - edges[0])
        ys = s.size * width * np.exp(-0.5 * ((xs - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
        hax.plot(xs, ys, color="black", linewidth=1.5, label=f"fitted log-normal (log10: μ={mu:.2f}, σ={sd:.2f})")
    hax.set_xlim(*xlim)
    span = xlim[1] - xlim[0]
    for b, name, side in ((low, "low", -1), (high, "high", 1)):  # low's label left of its line, high's right ...
        if b <= 0:
            continue
        x = math.log10(b)
        if (side < 0 and x - xlim[0] < 0.25 * span) or (side > 0 and xlim[1] - x < 0.25 * span):
            side = -side  # ... unless it would run off the chart
        hax.axvline(x, color="black", linestyle="--", linewidth=1)
        hax.annotate(
            f"{name} bound {style.human(b)}",
            (x, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3 * side, -2),
            textcoords="offset points",
            ha="left" if side > 0 else "right",
            va="top",
            fontsize=8,
            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        )
    deficit = (r.get("diagnostics") or {}).get("middle_deficit")
    hax.text(
        0.5,
        -0.26,
        f"Middle deficit: {deficit_text(deficit)}",
        transform=hax.transAxes,
        ha="center",
        fontsize=8.5,
        fontweight="bold",
    )
    lo_tick, hi_tick = math.ceil(xlim[0]), math.floor(xlim[1])
    step = max(1, (hi_tick - lo_tick) // 8)
    ticks = list(range(lo_tick, hi_tick + 1, step))
    hax.set_xticks(ticks, [style.human(10.0**k) for k in ticks])
    hax.set_xlabel(f"{size_col} (log scale)")
    hax.set_ylabel("Companies (count)")
    hax.yaxis.set_major_locator(MaxNLocator(integer=True))
    hax.legend(fontsize=8, loc="best", frameon=True, framealpha=0.9, edgecolor="none")
    shape = r.get("shape") or r.get("status")
    hax.set_title(f"{head}{r['n']} companies by size ({r['method']} tiers; shape: {shape})", loc="left")
    tiers = r["tiers"]
    xs = np.arange(3)
    cs = [t["count_share"] or 0.0 for t in tiers]
    vs = [t["value_share"] or 0.0 for t in tiers]
    c_bars = bax.bar(xs - 0.2, cs, 0.4, color=style.GREY, label="companies")
    v_bars = bax.bar(xs + 0.2, vs, 0.4, color=[style.TIER_COLOURS[k] for k in TIER_KEYS], label="value (tier colour)")
    for p, key in zip(v_bars, TIER_KEYS):
        p.set_hatch(style.TIER_HATCH[key])
    bax.bar_label(c_bars, labels=[style.pct(x, 0) for x in cs], fontsize=7.5, padding=1)
    bax.bar_label(v_bars, labels=[style.pct(x, 0) for x in vs], fontsize=7.5, padding=1)
    bax.set_xticks(xs, [style.label(t["label"], 16) for t in tiers])
    bax.set_ylim(0, 1.1)
    style.percent_axis(bax.yaxis)
    bax.set_ylabel("Share (%)")
    bax.legend(fontsize=8, frameon=False, loc="upper left")
    bax.set_title("Share of each tier", loc="left")
    parts = ", ".join(
        f"{style.label(t['label'])} {style.pct(t['count_share'])} of companies, {style.pct(t['value_share'])} of value"
        for t in tiers
    )
    return f"{head}bounds {style.human(low)} and {style.human(high)}; {parts}; {deficit_text(deficit)}."
