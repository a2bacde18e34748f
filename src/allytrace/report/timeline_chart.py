"""The institutional timeline chart: events in a strip above, bodies as bars, plans as diamonds."""

from __future__ import annotations

from datetime import date

import altair as alt

from ..analysis.timeline import TimelineItem

LEVEL_COLOURS = {
    "ministerial": "#7b3294",
    "senior-official": "#c2a5cf",
    "working-level": "#008837",
    "military-to-military": "#a6611a",
    "unknown": "#9e9e9e",
}
WIDTH = 760
CHAR_PX = 5.2  # average width of a 9-px label character, for packing labels into lanes


def _lanes(events: list[dict], lo: date, hi: date) -> int:
    """Give each event a lane so that no two labels overlap; return the number of lanes.

    Greedy interval packing: an event goes to the first lane whose last label has ended
    (in pixels) before this event's marker.
    """
    px_per_day = WIDTH / max(1, (hi - lo).days)
    ends: list[float] = []
    for ev in sorted(events, key=lambda e: e["start"]):
        x = (date.fromisoformat(ev["start"]) - lo).days * px_per_day
        width = 8 + CHAR_PX * len(ev["label"])
        for lane, end in enumerate(ends):
            if end < x:
                ends[lane] = x + width
                ev["lane"] = lane
                break
        else:
            ev["lane"] = len(ends)
            ends.append(x + width)
    return len(ends)


def timeline_chart(items: list[TimelineItem], period: tuple[date, date], title: str) -> alt.VConcatChart:
    """Events as labelled dots in a packed strip; institutions as bars (colour = level,
    pale = failed proposal); plans as diamonds; event dates as faint rules across the bars.

    A bar starts at the earliest day its start date may denote; the tooltip gives the date
    as the source has it and its precision, so a year-precise start is not read as 1 January.
    """
    lo, hi = period
    rows, events = [], []
    for it in items:
        extent = it.span(hi)
        if extent is None:
            continue
        start, end = extent
        rec = {
            "id": it.id,
            "label": it.label + (" (proposed, failed)" if it.outcome == "proposed-failed" else ""),
            "kind": it.kind, "category": it.category, "start": start.isoformat(),
            "end": end.isoformat(), "date": str(it.start), "precision": it.precision,
            "level": it.level or "unknown", "proposed_by": it.proposed_by or "unknown",
            "ja": it.label_ja or "", "citations": it.citations,
            "status": "failed proposal" if it.outcome == "proposed-failed" else "created",
        }
        (events if it.kind == "event" else rows).append(rec)
    lanes = _lanes(events, lo, hi)
    order = [r["label"] for r in rows]
    x_scale = alt.Scale(domain=[lo.isoformat(), hi.isoformat()])
    x_axis = alt.Axis(format="%Y", tickCount=14, grid=True, gridColor="#eeeeee")
    tooltip = ["label:N", "ja:N", "date:N", "precision:N", "level:N", "proposed_by:N", "citations:Q"]

    strip_y = alt.Y("lane:O", axis=None, sort="descending")
    strip_base = alt.Chart(alt.Data(values=events)).encode(
        x=alt.X("start:T", scale=x_scale, axis=alt.Axis(format="%Y", tickCount=14, labels=False,
                                                         title=None, grid=True, gridColor="#f3f3f3")),
        y=strip_y,
        tooltip=["label:N", "ja:N", "date:N", "precision:N"],
    )
    strip = (
        alt.layer(
            strip_base.mark_point(filled=True, size=28, color="#b2182b"),
            strip_base.mark_text(align="left", dx=5, fontSize=9, color="#7f0f1e").encode(text="label:N"),
        )
        .properties(width=WIDTH, height=max(40, 13 * lanes), title=alt.TitleParams("Events", anchor="start",
                                                                                   fontSize=11))
    )
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=300))
    bars = (
        alt.Chart(alt.Data(values=[r for r in rows if r["kind"] == "institution"]))
        .mark_bar(height=11, cornerRadius=2)
        .encode(
            x=alt.X("start:T", scale=x_scale, title=None, axis=x_axis),
            x2="end:T", y=y,
            color=alt.Color("level:N", title="Level", scale=alt.Scale(
                domain=list(LEVEL_COLOURS), range=list(LEVEL_COLOURS.values()))),
            opacity=alt.Opacity("status:N", title="Institution", scale=alt.Scale(
                domain=["created", "failed proposal"], range=[0.95, 0.35])),
            tooltip=tooltip,
        )
    )
    plans = (
        alt.Chart(alt.Data(values=[r for r in rows if r["kind"] == "plan"]))
        .mark_point(shape="diamond", filled=True, size=80, color="#2b5c8a", opacity=1)
        .encode(x=alt.X("start:T", scale=x_scale), y=y, tooltip=tooltip)
    )
    rules = (
        alt.Chart(alt.Data(values=events))
        .mark_rule(color="#b2182b", opacity=0.18)
        .encode(x=alt.X("start:T", scale=x_scale))
    )
    body = alt.layer(rules, bars, plans).properties(
        width=WIDTH, height=max(200, 17 * len(rows)),
        title=alt.TitleParams("Institutions (bars) and plans, agreements, exercises (◆)", anchor="start",
                              fontSize=11),
    )
    return (
        alt.vconcat(strip, body, spacing=6)
        .properties(title=alt.TitleParams(title, fontSize=15))
        .configure(font="Helvetica, Arial, sans-serif")
        .configure_view(stroke=None)
        .resolve_scale(x="shared")
    )
