"""Initiative: who proposed the alliance's institutions and plans, per period and per item.

Each in-scope institution (created or failed) and each plan of the configured kinds is one
proposal. Its side is the case's ``proposed_by``; when that is empty and every recorded
proposer (``proposers``, actor ids) belongs to one side, that side (flagged "from
proposers"); otherwise **unknown** — never guessed. A proposal counts in a period when its
date (``proposed``, else ``established`` for bodies; ``date`` for plans) certainly falls in
it; one whose date straddles periods is listed under "period uncertain".
"""

from __future__ import annotations

import pandas as pd

from ...case.model import Case, Institution, Plan
from . import MeasureResult
from .evidence import Trace, citations_of, ids, item_card, side_of, trace_frame
from .rules import Rules

SIDES = ("japan", "united-states", "joint", "other", "unknown")
UNPLACED = "period uncertain"


def definition(rules: Rules) -> list[str]:
    i = rules.initiative
    what = ["institutions (created or failed)"] if i.institutions else []
    if i.plan_kinds:
        what.append(f"plans of kind {', '.join(i.plan_kinds)}")
    return [
        "Initiative: proposals by side, per period and per item. A proposal is one of: "
        + "; ".join(what) + ".",
        "Side: the case's proposed_by"
        + ("; if empty, the one side all recorded proposers belong to" if i.side_from_proposers
           else "")
        + "; otherwise unknown (counted as unknown, never guessed).",
        "Date: when it was proposed (bodies: proposed, else established; plans: date). Periods: "
        + ", ".join(f"{p.id}" for p in rules.periods)
        + f"; a date that straddles periods counts under '{UNPLACED}'.",
        "known_share_japan: Japan's proposals as a share of those attributed to Japan or the "
        "United States alone (joint and unknown left out).",
    ]


def _side(case: Case, item: Institution | Plan, use_proposers: bool) -> tuple[str, str]:
    if item.proposed_by:
        return item.proposed_by, "proposed_by"
    if use_proposers and item.proposers:
        sides = {side_of(case, a) for a in item.proposers}
        if len(sides) == 1 and None not in sides:
            return sides.pop(), "from proposers"  # type: ignore[return-value]
    return "unknown", "not recorded"


def initiative(case: Case, rules: Rules) -> MeasureResult:
    """Proposals by side per period (``table``) and one row per proposal (``extra['items']``)."""
    r = rules.initiative
    candidates: list[tuple[str, Institution | Plan]] = []
    notes: list[str] = []
    if r.institutions:
        candidates += [("institution", i) for i in case.institutions]
    candidates += [("plan", p) for p in case.plans if p.kind in r.plan_kinds]
    rows, traces = [], []
    items: dict[str, dict] = {}
    for kind, obj in candidates:
        if rules.left_out(obj.id, notes):
            continue
        when = (obj.proposed or obj.established) if isinstance(obj, Institution) else obj.date
        period = UNPLACED
        if when is not None:
            lo, hi = when.earliest().year, when.latest().year
            for p in rules.periods:
                if p.start <= lo and hi <= p.end:
                    period = p.id
                    break
        side, basis = _side(case, obj, r.side_from_proposers)
        rows.append(
            {
                "id": obj.id,
                "type": kind,
                "kind": obj.kind,
                "name": obj.name.en,
                "date": str(when) if when else "",
                "period": period,
                "side": side,
                "basis": basis,
                "proposers": ", ".join(obj.proposers),
                "outcome": getattr(obj, "outcome", "") if kind == "institution" else "",
                "initiative_note": obj.initiative_note or "",
            }
        )
        traces.append(Trace(period, obj.id, kind, f"proposal: {side}",
                            f"{basis}" + (f"; {obj.initiative_note}" if obj.initiative_note
                                          else ""), citations_of(obj)))
        items[obj.id] = item_card(case, obj, kind)
    per_item = pd.DataFrame(rows)
    order = [p.id for p in rules.periods] + [UNPLACED]
    table_rows = []
    for period in order:
        part = per_item[per_item["period"] == period] if len(per_item) else per_item
        if period == UNPLACED and part.empty:
            continue
        row: dict[str, object] = {"period": period}
        for side in SIDES:
            chosen = part[part["side"] == side] if len(part) else part
            row[side] = len(chosen)
            row[f"{side}_ids"] = ids(chosen["id"]) if len(chosen) else ""
        row["total"] = len(part)
        row["known_share_japan"] = (
            row["japan"] / (row["japan"] + row["united-states"])  # type: ignore[operator]
            if (row["japan"] + row["united-states"])  # type: ignore[operator]
            else float("nan")
        )
        table_rows.append(row)
    table = pd.DataFrame(table_rows)
    unknown = per_item[per_item["side"] == "unknown"]["id"].tolist() if len(per_item) else []
    if unknown:
        notes.append("Side not recorded (counted as unknown): " + ", ".join(unknown))
    return MeasureResult(
        name="initiative",
        title="Initiative: proposals by side",
        definition=definition(rules),
        table=table,
        evidence=trace_frame(traces),
        extra={"items": per_item},
        items=items,
        notes=notes,
    )
