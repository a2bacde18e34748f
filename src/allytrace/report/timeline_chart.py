"""The institutional timeline chart: bodies as bars over time, plans as ticks, events as rules."""

from __future__ import annotations

from datetime import date

import altair as alt

from ..analysis.timeline import TimelineItem

LEVEL_COLOURS = {
    "ministerial": "#7b3294",
    "senior-official": "#c2a5cf",
    "working-level": "#008837",
    "military-to-military": "#a6611a",
    "unknown": "#999999",
}


def timeline_chart(items: list[TimelineItem], period: tuple[date, date], title: str) -> alt.LayerChart:
    """Institutions as bars (colour = level, hatched look = failed proposal), plans as
    diamonds on their own rows, events as dashed vertical rules labelled at the top.

    The bar of an institution starts at the earliest day its start date may denote; the
    tooltip says the precision, so a year-precise start is not read as 1 January.
    """
    lo, hi = period
    rows, events = [], []
    for it in items:
        extent = it.span(hi)
        if extent is None:
            continue
        start, end = extent
        rec = {
            "id": it.id, "label": it.label + (" (proposed, failed)" if it.outcome == "proposed-failed" else ""),
            "kind": it.kind, "category": it.category, "start": start.isoformat(),
            "end": end.isoformat(), "date": str(it.start), "precision": it.precision,
            "level": it.level or "unknown", "proposed_by": it.proposed_by or "—",
            "ja": it.label_ja or "", "citations": it.citations,
            "status": "failed proposal" if it.outcome == "proposed-failed" else "created",
        }
        (events if it.kind == "event" else rows).append(rec)
    order = [r["label"] for r in rows]
    x_scale = alt.Scale(domain=[lo.isoformat(), hi.isoformat()])
    tooltip = ["label:N", "ja:N", "date:N", "precision:N", "level:N", "proposed_by:N", "citations:Q"]
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    bars = (
        alt.Chart(alt.Data(values=[r for r in rows if r["kind"] == "institution"]))
        .mark_bar(height=11, cornerRadius=2)
        .encode(
            x=alt.X("start:T", scale=x_scale, title=None, axis=alt.Axis(format="%Y", tickCount=14)),
            x2="end:T", y=y,
            color=alt.Color("level:N", title="Level",
                            scale=alt.Scale(domain=list(LEVEL_COLOURS), range=list(LEVEL_COLOURS.values()))),
            opacity=alt.Opacity("status:N", title="Institution",
                                scale=alt.Scale(domain=["created", "failed proposal"], range=[0.95, 0.35])),
            tooltip=tooltip,
        )
    )
    plans = (
        alt.Chart(alt.Data(values=[r for r in rows if r["kind"] == "plan"]))
        .mark_point(shape="diamond", filled=True, size=90, color="#2b5c8a")
        .encode(x=alt.X("start:T", scale=x_scale), y=y, tooltip=tooltip)
    )
    rules = (
        alt.Chart(alt.Data(values=events))
        .mark_rule(strokeDash=[4, 3], color="#b2182b")
        .encode(x=alt.X("start:T", scale=x_scale), tooltip=["label:N", "ja:N", "date:N"])
    )
    labels = (
        alt.Chart(alt.Data(values=events))
        .mark_text(angle=270, align="left", baseline="middle", dx=4, dy=0, fontSize=9, color="#b2182b")
        .encode(x=alt.X("start:T", scale=x_scale), y=alt.value(0), text="label:N")
    )
    height = max(220, 16 * len(rows))
    return (
        alt.layer(bars, plans, rules, labels)
        .properties(title=title, width=760, height=height)
        .configure_view(stroke=None)
    )
