"""The substantiality of the defence-coordination framework, by year.

In the review's summary of Itayama, "substantiality" covers what the operational plans
contain, the exercises and training held, and how far governments approved them
(officialness). Here:

- the **framework** is the case's plans of the configured kinds (plans, planning groups,
  exercises, war-games, training, guidelines) whose parties include both members;
- a **presence component** scores 1 in a year when an item of its kinds is certainly
  present, else 0 (the *high* bound also scores 1 for possible presence);
- the **officialness component** scores the highest approval among the framework items
  present (by default none 0, informal 0.5, approved 1); items without a recorded approval
  are listed and not scored;
- the index is the weighted mean of the components, reported as a low bound (certain
  presence only) and a high bound (possible presence too). Where the two differ, the case's
  dates cannot tell.
"""

from __future__ import annotations

import pandas as pd

from ...case.model import Case, Plan
from . import MeasureResult
from .evidence import Trace, citations_of, has_both_members, ids, item_card, presence, trace_frame
from .rules import Component, Rules


def definition(rules: Rules, years: range) -> list[str]:
    s = rules.substantiality
    total = sum(c.weight for c in s.components.values())
    parts = []
    for name, c in s.components.items():
        what = (
            f"presence of {', '.join(c.kinds)}"
            if c.kinds is not None
            else "highest approval in force ("
            + ", ".join(f"{k} {v:g}" for k, v in (c.officialness or {}).items())
            + ")"
        )
        parts.append(f"{name} = {c.label}: {what}, weight {c.weight / total:.3g}")
    who = " whose parties include both members" if s.framework.both_members else ""
    return [
        f"Substantiality index, {years.start}–{years.stop - 1}: the weighted mean of the "
        "components below, each scored 0–1 per year.",
        f"Framework: plans of kind {', '.join(s.framework.kinds or [])}{who}.",
        *parts,
        "Low bound: only items certainly present in the year; high bound: possible presence "
        "counts too. Episodic kinds ("
        + (", ".join(rules.dates.episodic_kinds) or "none")
        + ") count only in the years their date covers; standing items last to their end, or "
        "to the period's end when none is recorded (flagged).",
    ]


def framework_items(case: Case, rules: Rules) -> tuple[list[Plan], list[str]]:
    """The plans that make up the defence-coordination framework, and notes on the rest."""
    s = rules.substantiality.framework
    items, notes = [], []
    for plan in case.plans:
        if s.kinds is not None and plan.kind not in s.kinds:
            continue
        if rules.left_out(plan.id, notes):
            continue
        if s.both_members and not has_both_members(case, plan.parties):
            notes.append(f"{plan.id} left out: its parties do not include both members")
            continue
        if plan.date is None:
            notes.append(f"{plan.id}: no date; not counted")
            continue
        items.append(plan)
    return items, notes


def _score(
    comp: Component, present: list[tuple[Plan, str]]
) -> tuple[float, float, str, list, list[str]]:
    """(low, high, state, contributing items, ids that set the low score) for one year."""
    if comp.kinds is not None:
        hits = [(p, st) for p, st in present if p.kind in comp.kinds]
        certain = [p.id for p, st in hits if st == "certain"]
        low = 1.0 if certain else 0.0
        high = 1.0 if hits else 0.0
        state = "certain" if certain else ("possible" if hits else "absent")
        return low, high, state, hits, certain
    scores = comp.officialness or {}

    def score(p: Plan) -> float:
        return scores.get(p.officialness.approval, 0.0)  # type: ignore[union-attr]

    rated = [(p, st) for p, st in present if p.officialness is not None]
    low_hits = [p for p, st in rated if st == "certain"]
    low = max((score(p) for p in low_hits), default=0.0)
    high = max((score(p) for p, _ in rated), default=0.0)
    best = [p for p in low_hits if score(p) == low]
    state = best[0].officialness.approval if best else "not recorded"  # type: ignore[union-attr]
    return low, high, state, rated, [p.id for p in best]


def substantiality_index(case: Case, rules: Rules) -> MeasureResult:
    """The substantiality index by year (low and high bounds) with its components."""
    period = case.info.period if case.info else None
    years = rules.years((period.earliest().year, period.latest().year) if period else (1951, 1978))
    horizon = years.stop - 1
    comps = rules.substantiality.components
    total = sum(c.weight for c in comps.values())
    plans, notes = framework_items(case, rules)
    episodic = set(rules.dates.episodic_kinds)
    traces: list[Trace] = []
    items: dict[str, dict] = {}
    rows = []
    for year in years:
        present = []
        for p in plans:
            st = presence(p.date, p.ended, year, horizon, episodic=p.kind in episodic)
            if st:
                present.append((p, st))
        row: dict[str, object] = {"year": year}
        low_sum = high_sum = 0.0
        for name, comp in comps.items():
            low, high, state, hits, setting = _score(comp, present)
            row[name] = state
            row[f"{name}_low"] = low
            row[f"{name}_high"] = high
            row[f"{name}_by"] = ids(setting)
            row[f"{name}_ids"] = ids(p.id + ("" if st == "certain" else " (possible)")
                                     for p, st in hits)
            low_sum += comp.weight * low
            high_sum += comp.weight * high
            for p, st in hits:
                detail = f"{p.kind}, {st} in {year}"
                if comp.officialness is not None:
                    detail += f"; approval {p.officialness.approval}"  # type: ignore[union-attr]
                if p.ended is None and p.kind not in episodic:
                    detail += f"; no end recorded, taken as in force to {horizon}"
                traces.append(Trace(str(year), p.id, "plan", f"{name} ({st})", detail,
                                    citations_of(p, "officialness")))
                items.setdefault(p.id, item_card(case, p, "plan"))
        row["index_low"] = low_sum / total
        row["index_high"] = high_sum / total
        rows.append(row)
    unrated = sorted(p.id for p in plans if p.officialness is None)
    if unrated:
        notes.append("Approval not recorded (not scored for officialness): " + ", ".join(unrated))
    open_ended = sorted(p.id for p in plans if p.ended is None and p.kind not in episodic)
    if open_ended:
        notes.append("No end recorded (taken as in force to the period's end): "
                     + ", ".join(open_ended))
    vague = sorted(p.id for p in plans if p.date and p.date.earliest().year != p.date.latest().year)
    if vague:
        notes.append("Dated only to a span of years (possible, not certain, within it): "
                     + ", ".join(vague))
    return MeasureResult(
        name="substantiality",
        title="Substantiality of the defence-coordination framework",
        definition=definition(rules, years),
        table=pd.DataFrame(rows),
        evidence=trace_frame(traces),
        items=items,
        notes=notes,
    )
