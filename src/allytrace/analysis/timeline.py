"""The case's chronology: institutions as spans, plans and events as points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..dates import FuzzyDate


@dataclass
class TimelineItem:
    id: str
    kind: str  # institution | plan | event
    category: str  # the item's own kind: committee, treaty, nuclear-test, ...
    label: str
    label_ja: str | None
    start: FuzzyDate | None
    end: FuzzyDate | None  # None for points and for bodies that outlast the case
    level: str | None = None
    proposed_by: str | None = None
    outcome: str | None = None
    citations: int = 0
    evidence: int = 0

    @property
    def precision(self) -> str | None:
        return self.start.precision if self.start else None

    def span(self, period_end: date) -> tuple[date, date] | None:
        """Drawing extent: earliest start to latest end (or the case period's end)."""
        if self.start is None:
            return None
        if self.kind == "institution" and self.outcome == "proposed-failed":
            # A failed proposal spans only the time it was on the table.
            return self.start.earliest(), (self.end or self.start).latest()
        if self.kind == "institution":
            return self.start.earliest(), (self.end.latest() if self.end else period_end)
        return self.start.earliest(), (self.end.latest() if self.end else self.start.latest())


def timeline(case) -> list[TimelineItem]:  # type: ignore[no-untyped-def]
    """All dated institutions, plans and events of a case, in chronological order.

    A failed proposal is placed at its proposal date (it never had an established one).
    """
    items: list[TimelineItem] = []
    ev_count: dict[str, int] = {}
    for e in case.evidence:
        ev_count[e.target] = ev_count.get(e.target, 0) + 1
    for inst in case.institutions:
        start = inst.established or inst.proposed
        items.append(TimelineItem(
            inst.id, "institution", inst.kind, inst.name.en, inst.name.ja, start, inst.ended,
            inst.level, inst.proposed_by, inst.outcome, len(inst.citations), ev_count.get(inst.id, 0)))
    for plan in case.plans:
        items.append(TimelineItem(
            plan.id, "plan", plan.kind, plan.name.en, plan.name.ja, plan.date, plan.ended,
            plan.level, plan.proposed_by, None, len(plan.citations), ev_count.get(plan.id, 0)))
    for ev in case.events:
        items.append(TimelineItem(
            ev.id, "event", ev.kind, ev.name.en, ev.name.ja, ev.date, None,
            None, None, None, len(ev.citations), ev_count.get(ev.id, 0)))
    items.sort(key=lambda i: (i.start.sort_key() if i.start else "9999", i.kind, i.label))
    return items
