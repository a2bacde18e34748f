"""The secretarial index: how far the alliance was run by officials rather than ministers.

The 2010 article's label for the Japan–U.S. alliance is a "secretarial" one: its business
is done by officials below ministerial rank. This module turns that into a share, by year:

    index = W / (W + M)

where W counts *recorded consultations* below ministerial level and M those at ministerial
level. Two bases of "recorded consultation" are computed side by side:

- **channels**: the consultation bodies of the case (institutions created, in scope) that
  are certainly active in the year, each counted once (a body-year);
- **meetings**: the recorded meetings — events of a meeting kind that name the body that met
  — whose date certainly falls in the year, each counted once, at the level of that body.

How each case level counts (``ministerial``, ``working`` or ``exclude``) is a coding rule;
by default senior officials and military-to-military bodies count as working level. A body
whose level the case does not give is shown as *unknown* and never counted, so the index is
undefined (NaN) in a year with no body of known level.
"""

from __future__ import annotations

import math

import pandas as pd

from ...case.model import Case, Event, Institution
from ...errors import CaseError
from . import MeasureResult
from .evidence import Trace, citations_of, ids, item_card, presence, trace_frame
from .rules import Rules

CLASSES = ("ministerial", "working", "unknown")


def _share(working: int, ministerial: int) -> float:
    total = working + ministerial
    return working / total if total else math.nan


def _changes(rows: list[dict]) -> list[str]:
    """Per year, the bodies that start (+) or stop (−) being counted, with their class."""
    out, before = [], {}
    for row in rows:
        now = {i: cls for cls in CLASSES for i in row[f"{cls}_ids"].split(", ") if i}
        parts = [f"+ {i} ({now[i]})" for i in sorted(set(now) - set(before))]
        parts += [f"− {i}" for i in sorted(set(before) - set(now))]
        out.append("; ".join(parts))
        before = now
    return out


def definition(rules: Rules, years: range) -> list[str]:
    r = rules.secretarial
    by_class: dict[str, list[str]] = {}
    for level, cls in r.levels.items():
        by_class.setdefault(cls, []).append(level)
    lines = [
        f"Secretarial index, {years.start}–{years.stop - 1}: W / (W + M), the share of the "
        "alliance's recorded consultations held below ministerial level.",
        "Recorded consultation, basis 'channels': a consultation body of the case (an "
        "institution created and in scope) certainly active in the year, counted once per year "
        "(from its establishment to its end; to the period's end when no end is recorded).",
        "Recorded consultation, basis 'meetings': a recorded meeting (an event of kind "
        f"{', '.join(r.meeting_kinds)} naming the body that met) certainly in the year, at that "
        "body's level.",
        f"W (working level) counts levels: {', '.join(by_class.get('working', [])) or 'none'}; "
        f"M (ministerial) counts: {', '.join(by_class.get('ministerial', [])) or 'none'}"
        + (f"; left out: {', '.join(by_class['exclude'])}" if by_class.get("exclude") else "")
        + ". Bodies of unknown level are shown, never counted.",
        f"Headline series: {r.basis}. The index is undefined in a year with no consultation of "
        "known level.",
    ]
    return lines


def secretarial_index(case: Case, rules: Rules) -> MeasureResult:
    """The secretarial index by year, on both bases, with the bodies and meetings behind it.

    >>> from allytrace.case.builtin import _root
    >>> from allytrace.case.files import load_case
    >>> from allytrace.analysis.measures import load_rules
    >>> case = load_case(str(_root().joinpath("japan-us")))
    >>> res = secretarial_index(case, load_rules())
    >>> float(res.table.set_index("year").loc[1968, "index_channels"])
    0.75
    """
    period = case.info.period if case.info else None
    years = rules.years((period.earliest().year, period.latest().year) if period else (1951, 1978))
    horizon = years.stop - 1
    r = rules.secretarial
    notes: list[str] = []
    traces: list[Trace] = []
    items: dict[str, dict] = {}
    bodies: list[Institution] = []
    for inst in case.institutions:
        if inst.outcome != "created" or rules.left_out(inst.id, notes):
            continue
        if inst.established is None:
            notes.append(f"{inst.id}: no establishment date; not counted")
            continue
        bodies.append(inst)

    def level_class(inst: Institution) -> str:
        return r.levels.get(inst.level, "unknown") if inst.level else "unknown"

    by_id = {i.id: i for i in case.institutions}
    meetings: list[tuple[Event, Institution]] = []
    for ev in case.events:
        if ev.kind not in r.meeting_kinds:
            continue
        if ev.institution is None:
            notes.append(f"meeting {ev.id} names no institution; not counted")
            continue
        inst = by_id.get(ev.institution)
        if inst is None:
            raise CaseError(
                f"meeting {ev.id!r} names unknown institution {ev.institution!r}",
                field="events.institution",
                hint="fix the id, then run `allytrace case validate`",
            )
        if rules.excluded(inst.id):
            continue
        meetings.append((ev, inst))

    rows = []
    open_ended = sorted({b.id for b in bodies if b.ended is None})
    for year in years:
        counts = dict.fromkeys(CLASSES, 0)
        members: dict[str, list[str]] = {c: [] for c in CLASSES}
        uncertain: list[str] = []
        for inst in bodies:
            state = presence(inst.established, inst.ended, year, horizon)
            if state is None:
                continue
            cls = level_class(inst)
            if state == "possible":
                uncertain.append(inst.id)
                continue
            if cls == "exclude":
                continue
            counts[cls] += 1
            members[cls].append(inst.id)
            detail = f"level {inst.level or 'not given'} → {cls}"
            if inst.ended is None:
                detail += f"; no end recorded, taken as active to {horizon}"
            traces.append(Trace(str(year), inst.id, "institution", f"channel: {cls}", detail,
                                citations_of(inst)))
            items.setdefault(inst.id, item_card(case, inst, "institution"))
        m_counts = dict.fromkeys(CLASSES, 0)
        m_members: dict[str, list[str]] = {c: [] for c in CLASSES}
        for ev, inst in meetings:
            lo, hi = ev.date.earliest().year, ev.date.latest().year
            if not (lo == hi == year):
                if lo <= year <= hi:
                    uncertain.append(ev.id)
                continue
            cls = level_class(inst)
            if cls == "exclude":
                continue
            m_counts[cls] += 1
            m_members[cls].append(ev.id)
            traces.append(Trace(str(year), ev.id, "event", f"meeting: {cls}",
                                f"meeting of {inst.id} (level {inst.level or 'not given'})",
                                citations_of(ev)))
            items.setdefault(ev.id, item_card(case, ev, "event"))
            items.setdefault(inst.id, item_card(case, inst, "institution"))
        idx_c = _share(counts["working"], counts["ministerial"])
        idx_m = _share(m_counts["working"], m_counts["ministerial"])
        rows.append(
            {
                "year": year,
                "ministerial": counts["ministerial"],
                "working": counts["working"],
                "unknown": counts["unknown"],
                "index_channels": idx_c,
                "meetings_ministerial": m_counts["ministerial"],
                "meetings_working": m_counts["working"],
                "meetings_unknown": m_counts["unknown"],
                "index_meetings": idx_m,
                "index": idx_c if r.basis == "channels" else idx_m,
                "ministerial_ids": ids(members["ministerial"]),
                "working_ids": ids(members["working"]),
                "unknown_ids": ids(members["unknown"]),
                "meeting_ids": ids(m_members["ministerial"] + m_members["working"]
                                   + m_members["unknown"]),
                "uncertain_ids": ids(uncertain),
                "assumed_open": ids(i for i in members["ministerial"] + members["working"]
                                    + members["unknown"] if i in open_ended),
            }
        )
    table = pd.DataFrame(rows)
    table.insert(table.columns.get_loc("ministerial_ids"), "changes", _changes(rows))
    if open_ended:
        notes.append(
            "No end recorded (taken as active to the period's end): " + ", ".join(open_ended)
        )
    unknown = sorted({b.id for b in bodies if level_class(b) == "unknown"})
    if unknown:
        notes.append("Level not given in the case (shown as unknown, not counted): "
                     + ", ".join(unknown))
    dated = table[table["meetings_ministerial"] + table["meetings_working"] > 0]["year"]
    if len(dated):
        notes.append(
            "Recorded meetings come from the sources the case holds (chiefly FRUS 1964–68): "
            f"years with any: {', '.join(str(y) for y in dated)}. A year without recorded "
            "meetings has no meeting index, which says nothing about meetings not recorded."
        )
    return MeasureResult(
        name="secretarial",
        title="Secretarial index",
        definition=definition(rules, years),
        table=table,
        evidence=trace_frame(traces),
        items=items,
        notes=notes,
    )
