"""The alliance's type per period: two axes, the treaty's geographic scope, and a class.

The review of Itayama's book asks for a more rigorous typology. This module keeps the two
axes it names apart, so the reader can see where they agree and where they do not:

- **exchange of interests** (security vs autonomy, after Morrow): what each member receives
  from the treaty provisions in force — defence gives its beneficiary *security*, basing
  rights give theirs *autonomy*. ``security-security`` when both receive security;
  ``security-autonomy`` when one receives security and the other only autonomy;
- **form of cooperation** (people-to-people vs people-to-things, from Japanese security
  studies): *people-to-things* when a basing provision is in force (one member gives
  territory, the other forces); *people-to-people* when the members' forces plan or exercise
  together (combined plans, planning groups, exercises with both members as parties);
  ``both`` when the two coexist;

and the **geographic scope**: the scopes of the defence and basing provisions in force, and
``one_sided_defence`` — whether the defence commitment covers one member's territory only
(the reviewer's objection: Article V covers the territories under Japan's administration,
Article VI serves the Far East).

The class comes from ordered rules in the coding-rules file: the first rule whose
conditions hold gives it, and the output names that rule, the indicators it tested, and the
other rules that would also have matched (so a contested classification stays visible).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ...case.model import Case, Plan, Provision
from . import MeasureResult
from .evidence import (
    Trace,
    citations_of,
    has_both_members,
    ids,
    item_card,
    member_sides,
    presence_in,
    trace_frame,
)
from .rules import INDICATORS, Rule, Rules


def definition(rules: Rules) -> list[str]:
    t = rules.typology
    interest = ", ".join(f"{k} → {v}" for k, v in t.interests.items())
    lines = [
        "Typology per period. Exchange of interests: what each member receives from the treaty "
        f"provisions in force ({interest}); security-security when both receive security, "
        "security-autonomy when one receives security and the other only autonomy.",
        "Form of cooperation: people-to-things when a basing provision "
        f"({', '.join(t.basing_kinds)}) is in force; people-to-people when combined items of "
        f"kind {', '.join(t.cooperation.kinds or [])}"
        + (" with both members as parties" if t.cooperation.both_members else "")
        + " are present; both when the two coexist.",
        "Geographic scope: the scopes of the defence and basing provisions in force; "
        "one_sided_defence is yes when the defence provisions cover only one member's "
        "territory (" + ", ".join(f"{k} = {v}'s" for k, v in t.territories.items()) + ").",
        "Class: the first matching rule, in order —",
    ]
    for i, r in enumerate(t.rules, 1):
        cond = ", ".join(
            f"{k} = {'/'.join(v) if isinstance(v, list) else v}" for k, v in r.when.items()
        )
        lines.append(f"  {i}. {r.id}: if {cond} → {r.class_}")
    lines.append(f"  otherwise → {t.fallback}.")
    return lines


def _matches(rule: Rule, values: dict[str, str]) -> bool:
    for name, want in rule.when.items():
        allowed = want if isinstance(want, list) else [want]
        if values.get(name) not in allowed:
            return False
    return True


def classify(rules: list[Rule], values: dict[str, str], fallback: str) -> tuple[str, str | None,
                                                                                  list[str]]:
    """(class, id of the rule that fired or None, ids of every matching rule)."""
    hits = [r for r in rules if _matches(r, values)]
    if not hits:
        return fallback, None, []
    return hits[0].class_, hits[0].id, [r.id for r in hits]


def _join(values: Iterable[str]) -> str:
    out = sorted(set(values))
    return ", ".join(out) if out else "none"


def typology(case: Case, rules: Rules) -> MeasureResult:
    """Axes, scope and class for each configured period, with the provisions and items used."""
    t = rules.typology
    period = case.info.period if case.info else None
    horizon = period.latest().year if period else rules.periods[-1].end
    if rules.period:
        horizon = rules.period.end
    members = member_sides(case)
    episodic = set(rules.dates.episodic_kinds)
    treaties = [p for p in case.plans if p.provisions and not rules.excluded(p.id)]
    coop: list[Plan] = []
    for p in case.plans:
        if t.cooperation.kinds is not None and p.kind not in t.cooperation.kinds:
            continue
        if rules.excluded(p.id) or p.date is None:
            continue
        if t.cooperation.both_members and not has_both_members(case, p.parties):
            continue
        coop.append(p)
    rows, ind_rows, traces = [], [], []
    items: dict[str, dict] = {}
    for per in rules.periods:
        years = range(per.start, per.end + 1)
        in_force: list[tuple[Plan, Provision, str]] = []
        for plan in treaties:
            st = presence_in(plan.date, plan.ended, years, horizon)
            if st:
                in_force.extend((plan, prov, st) for prov in plan.provisions)
        receive: dict[str, set[str]] = {m: set() for m in members}
        for _, prov, _ in in_force:
            interest = t.interests.get(prov.kind)
            if interest:
                for side in prov.beneficiary:
                    receive.setdefault(side, set()).add(interest)
        got = [receive.get(m, set()) for m in members]
        if len(got) == 2 and all("security" in g for g in got):
            exchange = "security-security"
        elif len(got) == 2 and any("security" in g for g in got) and any(
            g and "security" not in g for g in got
        ):
            exchange = "security-autonomy"
        elif not any(got):
            exchange = "none"
        else:
            exchange = "other"
        basing = [(pl, pr, st) for pl, pr, st in in_force if pr.kind in t.basing_kinds]
        defence = [(pl, pr, st) for pl, pr, st in in_force if pr.kind in t.defence_kinds]
        p2t = "yes" if basing else "no"
        coop_hits = []
        for p in coop:
            st = presence_in(p.date, p.ended, years, horizon, episodic=p.kind in episodic)
            if st:
                coop_hits.append((p, st))
        if any(st == "certain" for _, st in coop_hits):
            p2p = "yes"
        else:
            p2p = "possible" if coop_hits else "no"
        form = {("yes", "yes"): "both", ("yes", "no"): "people-to-people",
                ("no", "yes"): "people-to-things"}.get((p2p if p2p == "yes" else "no", p2t),
                                                        "none")
        defended = {t.territories[pr.scope] for _, pr, _ in defence if pr.scope in t.territories}
        if not defence:
            one_sided = "unknown"
        elif defended and len(defended) < len(members):
            one_sided = "yes"
        elif set(members) <= defended:
            one_sided = "no"
        else:
            one_sided = "unknown"
        binding = "none" if not defence else ("yes" if any(pr.binding for _, pr, _ in defence)
                                              else "no")
        values = {
            "exchange": exchange,
            "form": form,
            "people_to_people": p2p,
            "people_to_things": p2t,
            "defence_scope": _join(pr.scope or "unspecified" for _, pr, _ in defence),
            "basing_scope": _join(pr.scope or "unspecified" for _, pr, _ in basing),
            "one_sided_defence": one_sided,
            "defence_binding": binding,
        }
        cls, fired, matched = classify(t.rules, values, t.fallback)
        rule = next((r for r in t.rules if r.id == fired), None)
        rows.append(
            {
                "period": per.id,
                "start": per.start,
                "end": per.end,
                **values,
                "class": cls,
                "rule": fired or "(fallback)",
                "tested": ", ".join(f"{k} = {values.get(k)}" for k in rule.when) if rule else "",
                "reason": (rule.reason or "") if rule else "no rule matched",
                "also_matched": ", ".join(m for m in matched if m != fired),
                "received": "; ".join(f"{m}: {_join(receive.get(m, set()))}" for m in members),
                "provisions": ", ".join(
                    f"{pl.id} art. {pr.article or '?'} ({pr.kind})" for pl, pr, _ in in_force
                ),
                "cooperation_ids": ids(p.id + ("" if st == "certain" else " (possible)")
                                       for p, st in coop_hits),
            }
        )
        for name in INDICATORS:
            ind_rows.append({"period": per.id, "indicator": name, "value": values[name],
                             "tested_by_rule": bool(rule and name in rule.when)})
        for pl, pr, st in in_force:
            feeds = [name for name, hit in (
                ("exchange", pr.kind in t.interests),
                ("form", pr.kind in t.basing_kinds),
                ("scope", pr.kind in t.basing_kinds or pr.kind in t.defence_kinds),
            ) if hit]
            role = "provision: " + ("/".join(feeds) if feeds else "no indicator")
            side_txt = f"{'/'.join(pr.owed_by)} → {'/'.join(pr.beneficiary) or '?'}"
            detail = (f"art. {pr.article or '?'}: {pr.kind}, {side_txt}, scope "
                      f"{pr.scope or 'unspecified'}{'' if pr.binding else ', not binding'}"
                      f" ({st} in force)")
            traces.append(Trace(per.id, pl.id, "plan", f"provision: {role}", detail,
                                pr.citations or citations_of(pl)))
            items.setdefault(pl.id, item_card(case, pl, "plan"))
        for p, st in coop_hits:
            traces.append(Trace(per.id, p.id, "plan", "people-to-people", f"{p.kind}, {st}",
                                citations_of(p, "officialness")))
            items.setdefault(p.id, item_card(case, p, "plan"))
    notes = []
    if not treaties:
        notes.append("No plan in the case records provisions: exchange and scope cannot be "
                      "coded (add provisions to the treaties).")
    return MeasureResult(
        name="typology",
        title="Alliance typology",
        definition=definition(rules),
        table=pd.DataFrame(rows),
        evidence=trace_frame(traces),
        extra={"indicators": pd.DataFrame(ind_rows)},
        items=items,
        notes=notes,
    )
