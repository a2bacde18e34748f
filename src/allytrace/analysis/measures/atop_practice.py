"""The Japan–U.S. treaties among all alliances (ATOP), and ATOP's text beside the practice.

ATOP codes what a treaty's text says; the case codes what the allies did. This module
wires the two together for the measures command:

- the military-institutionalization index of ``analysis.atop`` for the case's treaties
  (3220 and 3375 by default), with their percentiles among all alliances, among the
  alliances in force in their years, and their rank among the U.S. peers;
- the index distribution over all alliances and the peers' values, for the chart;
- a side-by-side table: for each ATOP variable, ATOP's code for the treaty and the case's
  *practice* coding during the treaty's years — the case items that show the provision in
  practice (configured per variable in the coding rules), "not coded" where the rules give
  none. ATOP's ``milcon = 0`` beside the case's combined plans and exercises is the point.
"""

from __future__ import annotations

import pandas as pd

from ...case.model import Case, Event, Institution, Plan
from .. import atop as A
from . import MeasureResult
from .evidence import Trace, citations_of, has_both_members, item_card, presence_in, trace_frame
from .rules import PracticeRule, Rules


def definition(rules: Rules) -> list[str]:
    parts = ", ".join(f"{c} ({rule})" for c, rule in A.index_definition(rules.atop.compag_military))
    return [
        "ATOP comparison. Military-institutionalization index (0–6) of the treaty text: one point "
        f"each for {parts}; an alliance missing a component has "
        + ("no index (left out of percentiles)." if rules.atop.missing == "exclude"
           else "that component counted absent."),
        "Percentiles: below / at or below / mid-rank, among all alliances with an index, and "
        "among the alliances in force during the treaty's years in the case window; rank among "
        "the U.S. peers (NATO, Philippines, ANZUS, Korea, Republic of China, the two Japan "
        "treaties).",
        "Text vs practice: ATOP's code for each variable beside the case items that show it in "
        "practice during the treaty's years (present = certainly, possible = the dates allow "
        "it), by the coding rules' practice selectors.",
    ]


def _selected(case: Case, rule: PracticeRule, rules: Rules) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    if rule.plans is not None:
        for p in case.plans:
            if rule.plans.kinds is not None and p.kind not in rule.plans.kinds:
                continue
            if rule.plans.both_members and not has_both_members(case, p.parties):
                continue
            out.append(("plan", p))
    if rule.institutions is not None:
        for i in case.institutions:
            if i.outcome != "created":
                continue
            if rule.institutions.levels is not None and i.level not in rule.institutions.levels:
                continue
            out.append(("institution", i))
    if rule.events is not None:
        for e in case.events:
            if rule.events.kinds is not None and e.kind not in rule.events.kinds:
                continue
            out.append(("event", e))
    return [(k, o) for k, o in out if not rules.excluded(o.id)]  # type: ignore[attr-defined]


def _dates(obj: object):  # type: ignore[no-untyped-def]
    if isinstance(obj, Institution):
        return obj.established, obj.ended
    if isinstance(obj, Plan):
        return obj.date, obj.ended
    if isinstance(obj, Event):
        return obj.date, None
    return None, None


def practice_coding(case: Case, rules: Rules, atop: A.AtopData, horizon: int) -> tuple[
    pd.DataFrame, list[Trace], dict[str, dict]
]:
    """ATOP's text coding beside the case's practice coding, one row per treaty and variable."""
    coding = A.treaty_coding(atop, list(rules.atop.treaties))
    text = coding[coding["member"] == ""].set_index(["atopid", "variable"])
    variables = list(dict.fromkeys([*A.INDEX_COMPONENTS, *rules.atop.practice]))
    episodic = set(rules.dates.episodic_kinds)
    rows, traces, items = [], [], {}
    for atopid, plan_id in rules.atop.treaties.items():
        plan = case.get(plan_id)
        if not isinstance(plan, Plan) or plan.date is None:
            continue
        first = plan.date.earliest().year
        last = plan.ended.latest().year if plan.ended else horizon
        years = range(first, min(last, horizon) + 1)
        for var in variables:
            if (atopid, var) in text.index:
                t = text.loc[(atopid, var)]
                code, meaning, basis = t["code"], t["meaning"], t["basis"]
            else:
                code, meaning, basis = float("nan"), "not in ATOP's table", "missing"
            rule = rules.atop.practice.get(var)
            if rule is None or (rule.plans is None and rule.institutions is None
                                and rule.events is None):
                rows.append({"atopid": atopid, "treaty": plan_id, "years": f"{years.start}–"
                             f"{years.stop - 1}", "variable": var, "atop_code": code,
                             "atop_meaning": meaning, "atop_basis": basis,
                             "practice": "not coded", "practice_label": rule.label if rule
                             else "", "first_year": None, "practice_ids": ""})
                continue
            hits = []
            for kind, obj in _selected(case, rule, rules):
                start, end = _dates(obj)
                ep = isinstance(obj, Event) or getattr(obj, "kind", "") in episodic
                st = presence_in(start, end, years, horizon, episodic=ep)
                if st:
                    hits.append((kind, obj, st))
            certain = [o for _, o, st in hits if st == "certain"]
            state = "present" if certain else ("possible" if hits else "absent")
            first_year = None
            for y in years:
                if any(presence_in(*_dates(o), [y], horizon,
                                   episodic=isinstance(o, Event) or getattr(o, "kind", "")
                                   in episodic) == "certain" for o in certain):
                    first_year = y
                    break
            rows.append({"atopid": atopid, "treaty": plan_id,
                         "years": f"{years.start}–{years.stop - 1}", "variable": var,
                         "atop_code": code, "atop_meaning": meaning, "atop_basis": basis,
                         "practice": state, "practice_label": rule.label,
                         "first_year": first_year,
                         "practice_ids": ", ".join(
                             o.id + ("" if st == "certain" else " (possible)")  # type: ignore
                             for _, o, st in hits)})
            for kind, obj, st in hits:
                traces.append(Trace(f"{atopid}:{var}", obj.id, kind,  # type: ignore[attr-defined]
                                    f"practice: {var} ({st})", rule.label,
                                    citations_of(obj, "officialness")))
                items.setdefault(obj.id, item_card(case, obj, kind))  # type: ignore[attr-defined]
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["first_year"] = frame["first_year"].astype("Int64")
    return frame, traces, items


def atop_comparison(case: Case, rules: Rules, atop: A.AtopData) -> MeasureResult:
    """Index, percentiles, peers, distribution and text-vs-practice for the case's treaties."""
    period = case.info.period if case.info else None
    horizon = rules.period.end if rules.period else (period.latest().year if period else 1978)
    opts = {"compag_military": tuple(rules.atop.compag_military), "missing": rules.atop.missing}
    comparison = A.japan_us_comparison(atop, case_end=horizon, **opts)
    index = A.institutionalization_index(atop.alliances, **opts)
    peers = index[index["atopid"].isin(A.US_PEERS)].copy()
    peers.insert(1, "label", peers["atopid"].map(A.US_ALLIANCE_LABELS))
    peers = peers.sort_values(["index", "begyr"], ascending=[False, True]).reset_index(drop=True)
    dist = (
        index["index"].dropna().astype(int).value_counts().sort_index()
        .rename_axis("index").reset_index(name="alliances")
    )
    for atopid in rules.atop.treaties:
        value = index.loc[index["atopid"] == atopid, "index"]
        dist[f"is_{atopid}"] = dist["index"] == (int(value.iloc[0]) if len(value) and
                                                  pd.notna(value.iloc[0]) else -1)
    side, traces, items = practice_coding(case, rules, atop, horizon)
    notes = [
        "ATOP codes treaty text only; the practice column is the case's coding of what the "
        "allies did, by the coding rules' selectors (see atop.practice in measures.yaml).",
        "Code meanings carry their basis (readme, derivation, archive-code, checked, "
        "interpretation, unverified); see docs/atop.md.",
    ]
    return MeasureResult(
        name="atop",
        title="ATOP comparison: treaty text and practice",
        definition=definition(rules),
        table=comparison,
        evidence=trace_frame(traces),
        extra={"peers": peers, "distribution": dist, "text_vs_practice": side},
        items=items,
        notes=notes,
    )
