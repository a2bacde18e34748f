"""The power-diffusion series with the case's own institutional events on one time axis.

``analysis.power`` holds the sourced series and draws them; this module picks the events
from the case, by the coding rules (never a hard-coded list): consultation bodies at their
establishment, and plans of the configured kinds (treaties, plans, guidelines) with both
members among the parties. An item whose date spans more than ``max_span_years`` cannot be
placed honestly on a time axis; it is listed, not drawn.
"""

from __future__ import annotations

import pandas as pd

from ...case.model import Case, Institution, Plan
from .. import power as P
from . import MeasureResult
from .evidence import Trace, citations_of, has_both_members, item_card, trace_frame
from .rules import Rules


def definition(rules: Rules) -> list[str]:
    p = rules.power
    what = ["consultation bodies at their establishment"] if p.institutions else []
    if p.plan_kinds:
        what.append(f"plans of kind {', '.join(p.plan_kinds)}"
                    + (" with both members among the parties" if p.both_members else ""))
    return [
        f"Power diffusion, {p.start}–{p.end}: the curated, sourced series of analysis.power "
        "(first nuclear tests; Japanese and U.S. real GDP and growth; the U.S. balance on goods "
        "and services and net military transactions; U.S. military personnel in Japan).",
        "Institutional events from the case: " + "; ".join(what) + ". Dates as precise as the "
        f"case gives them (drawn mid-span); items dated to a span of more than {p.max_span_years} "
        "year(s) are listed, not drawn.",
    ]


def _label(obj: Institution | Plan, rules: Rules) -> str:
    if obj.id in rules.power.labels:
        return rules.power.labels[obj.id]
    if rules.power.label == "acronym" and obj.acronyms:
        return obj.acronyms[0].text
    return obj.name.en


def chart_marks(events: pd.DataFrame, merge_same_year: bool) -> list[tuple[str, str]]:
    """``(date, label)`` pairs for ``power_chart``; events of one year share a mark.

    A shared mark keeps the date when the events agree on it, else their common year, so no
    event is drawn more precisely than its own date allows.
    """
    drawn = events[events["drawn"]] if len(events) else events
    pairs = list(zip(drawn["date"], drawn["label"], strict=True))
    if not merge_same_year:
        return pairs
    groups: dict[str, list[tuple[str, str]]] = {}
    # Within a year, plans (treaties) are named before the bodies they set up.
    rows = sorted(zip(drawn["date"], drawn["label"], drawn["type"], strict=True),
                  key=lambda r: (r[0].strip("[")[:4], r[2] != "plan"))
    for date, label, _ in rows:
        groups.setdefault(date.strip("[")[:4], []).append((date, label))
    marks = []
    for year, group in groups.items():
        dates = {d for d, _ in group}
        label = " + ".join(lab for _, lab in group)
        marks.append((dates.pop() if len(dates) == 1 else year, label))
    return marks


def case_events(case: Case, rules: Rules) -> tuple[pd.DataFrame, list[str]]:
    """The case's institutional events for the chart: id, type, kind, date, label, drawn."""
    p = rules.power
    rows, notes = [], []
    candidates: list[tuple[str, Institution | Plan]] = []
    if p.institutions:
        candidates += [("institution", i) for i in case.institutions if i.outcome == "created"]
    candidates += [
        ("plan", x) for x in case.plans
        if x.kind in p.plan_kinds and (not p.both_members or has_both_members(case, x.parties))
    ]
    for kind, obj in candidates:
        if rules.excluded(obj.id):
            continue
        when = obj.established if isinstance(obj, Institution) else obj.date
        if when is None:
            continue
        span = when.latest().year - when.earliest().year
        drawn = span <= p.max_span_years
        if not (p.start <= when.earliest().year and when.latest().year <= p.end):
            continue
        rows.append({"id": obj.id, "type": kind, "kind": obj.kind, "date": str(when),
                     "label": _label(obj, rules), "drawn": drawn})
        if not drawn:
            notes.append(f"{obj.id} ({when}) not drawn: its date spans {span} years")
    frame = pd.DataFrame(rows, columns=["id", "type", "kind", "date", "label", "drawn"])
    if len(frame):
        order = frame["date"].map(lambda d: d.strip("[").split("..")[0].split("/")[0])
        frame = frame.assign(_o=order).sort_values("_o").drop(columns="_o").reset_index(drop=True)
    return frame, notes


def power_diffusion(case: Case, rules: Rules, series: pd.DataFrame | None = None) -> MeasureResult:
    """The power series (``extra['series']``), the case events (``table``) and the chart spec."""
    series = P.load_power_series() if series is None else series
    events, notes = case_events(case, rules)
    spec = P.power_chart(
        series,
        events=chart_marks(events, rules.power.merge_same_year),
        start=rules.power.start,
        end=rules.power.end,
    )
    traces = []
    items: dict[str, dict] = {}
    for row in events.itertuples():
        obj = case.get(row.id)
        traces.append(Trace(row.date, row.id, row.type, "event on the chart" if row.drawn
                            else "listed, not drawn", row.label,
                            citations_of(obj)))
        items[row.id] = item_card(case, obj, row.type)
    years = series[(series["year"] >= rules.power.start) & (series["year"] <= rules.power.end)]
    overview = (
        years.groupby(["series", "entity"])
        .agg(first_year=("year", "min"), last_year=("year", "max"), figures=("year", "size"),
             unit=("unit", "first"), source=("source", "first"))
        .reset_index()
    )
    return MeasureResult(
        name="power",
        title="Power diffusion and the alliance's institutions",
        definition=definition(rules),
        table=events,
        evidence=trace_frame(traces),
        extra={"series": years.reset_index(drop=True), "overview": overview},
        items=items,
        notes=notes,
        chart=spec,
    )
