"""``trend --plot``: a metric (HHI by default) over the periods, thin periods marked, and the tier
value shares as a stacked area below it."""

from __future__ import annotations

from aistruct.charts import style
from aistruct.vocabulary import TIER_KEYS

DEFAULT_METRIC = "hhi"


def check_metric(doc: dict, metric: str) -> None:
    """Refuse a metric the document does not follow (the names of its ``changes``)."""
    from aistruct.errors import UsageError, param

    known = list(doc["results"][0]["changes"]) if doc["results"] else []
    if known and metric not in known:
        raise UsageError(f"{param('plot_metric')}: unknown metric {metric!r}; use one of {', '.join(known)}")


def chart(doc: dict, fmt: str = "svg", metric: str = DEFAULT_METRIC) -> bytes:
    """The chart of a trend document (everything it needs is in the JSON)."""
    from aistruct.trend import metric_name

    check_metric(doc, metric)
    inp = doc["input"]
    results, note = style.pick_groups(doc["results"], lambda s: sum(p["total"] or 0.0 for p in s["periods"]))
    tiered = any(s["bounds"] is not None for s in results)
    n = max(len(results), 1)
    with style.context():
        fig = style.figure(9, (4.8 if tiered else 2.8) * n + 1.0)
        axes = fig.subplots(2 * n if tiered else n, 1, squeeze=False, height_ratios=[1.3, 1] * n if tiered else None)
        flat = [a[0] for a in axes]
        for ax in flat[1:]:
            ax.sharex(flat[0])
        described = []
        name = metric_name(metric)
        for i, s in enumerate(results):
            top = flat[2 * i] if tiered else flat[i]
            bottom = flat[2 * i + 1] if tiered else None
            described.append(_panel(top, bottom, s, metric, name, inp))
        title = (
            f"{name} of {style.label(inp['value'])} across {style.label(inp['entity'])} by {style.label(inp['period'])}"
        )
        fig.suptitle(title, fontsize=12, fontweight="bold")
        fig.supxlabel(" ".join(filter(None, [style.source_line(doc), note])), fontsize=8, color="#444444")
        desc = f"{title}. " + " ".join(described) + f" {style.source_line(doc)}. {note}".rstrip()
        return style.render(fig, fmt, title=title, desc=desc)


def _panel(ax, area, s: dict, metric: str, name: str, inp: dict) -> str:
    from aistruct.trend import metric_value

    where = style.group_title(s["group"])
    head = f"{where}: " if where else ""
    periods = s["periods"]
    xs = list(range(len(periods)))
    labels = [style.label(p["period"], 12) for p in periods]
    ys = [metric_value(p, metric) for p in periods]
    yv = [float("nan") if y is None else y for y in ys]
    ax.plot(xs, yv, color=style.BLUE, linewidth=1.8, marker="o", markersize=5, label=name)
    thin = [i for i, p in enumerate(periods) if p.get("thin")]
    if thin:
        ax.plot(
            [xs[i] for i in thin],
            [yv[i] for i in thin],
            linestyle="none",
            marker="o",
            markersize=8,
            markerfacecolor="white",
            markeredgecolor=style.VERMILLION,
            markeredgewidth=1.5,
            label=f"thin period (fewer than {inp.get('min_n')} companies)",
        )
        for i in thin:
            ax.axvspan(i - 0.5, i + 0.5, color=style.GREY, alpha=0.15, linewidth=0)
    is_share = metric.startswith("cr_") or metric.endswith("_share")
    if is_share:
        style.percent_axis(ax.yaxis)
        ax.set_ylabel(f"{name} (%)")
        ax.set_ylim(0, 1.05)
    elif metric == "hhi":
        ax.set_ylabel("HHI (0–10,000)")
        ax.set_ylim(0, 10_000)
        ax.yaxis.set_major_formatter(_comma())
    elif metric in ("n",):
        ax.set_ylabel("Companies (count)")
    else:
        ax.set_ylabel(name)
        if metric == "total":
            from matplotlib.ticker import FuncFormatter

            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: style.human(v)))
    ax.legend(fontsize=8, frameon=False, loc="best")
    ax.set_title(f"{head}{name} per {s['slope_unit']}", loc="left")
    ax.set_xticks(xs, labels, rotation=45 if len(xs) > 12 else 0)
    ax.set_xlim(-0.5, len(xs) - 0.5)
    if area is not None:
        shares = [
            [(p["tiers"][k]["value_share"] if p.get("tiers") else 0.0) or 0.0 for p in periods] for k in TIER_KEYS
        ]
        polys = area.stackplot(
            xs,
            shares,
            colors=[style.TIER_COLOURS[k] for k in TIER_KEYS],
            labels=list(TIER_KEYS),
            edgecolor="white",
            linewidth=0.5,
        )
        for poly, key in zip(polys, TIER_KEYS):
            poly.set_hatch(style.TIER_HATCH[key])
        style.percent_axis(area.yaxis)
        area.set_ylim(0, 1)
        area.set_ylabel("Share of the value (%)")
        area.set_xlabel(style.label(inp["period"]))
        low, high = s["bounds"] or (None, None)
        area.set_title(
            f"{head}Tier shares of the value ({s['method']}: small < {style.human(low)} ≤ middle ≤ "
            f"{style.human(high)} < giant)",
            loc="left",
            fontsize=9,
        )
        area.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        area.set_xticks(xs, labels, rotation=45 if len(xs) > 12 else 0)
    else:
        ax.set_xlabel(style.label(inp["period"]))
    shown = ", ".join(f"{p['period']} {_fmt(metric, y)}" for p, y in zip(periods, ys))
    return f"{head}{name}: {shown}." + (f" Thin: {', '.join(periods[i]['period'] for i in thin)}." if thin else "")


def _fmt(metric: str, y) -> str:
    if y is None:
        return "–"
    if metric.startswith("cr_") or metric.endswith("_share"):
        return style.pct(y)
    return f"{y:,.0f}" if metric in ("hhi", "n") else style.human(y)


def _comma():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}")
