"""What every measure needs to stay traceable: when an item was present, whose side it is,
and how to cite it.

Presence is three-valued because case dates are as precise as their sources and no more: an
item is *certainly* present in a year, *possibly* present (its date allows the year but does
not fix it), or absent. Measures count the certain years and show the possible ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from ...case.model import Actor, Case, Citation, Event, Institution, Plan
from ...dates import FuzzyDate

Presence = Literal["certain", "possible"]
FRUS_URL = "https://history.state.gov/historicaldocuments/"


def presence(
    start: FuzzyDate | None,
    end: FuzzyDate | None,
    year: int,
    horizon: int,
    *,
    episodic: bool = False,
) -> Presence | None:
    """Whether an item dated ``start`` (to ``end``) is present in ``year``.

    A *standing* item (a body, a plan) lasts from its start to its end, or to ``horizon``
    when no end is recorded. An *episodic* item (an exercise) is present only in the years
    its own date covers. An uncertain start (``1958/1960``, ``[1955..1978]``) makes the
    years it may or may not cover "possible".

    >>> d = FuzzyDate.parse
    >>> presence(d("1964-09-21"), None, 1970, 1978)
    'certain'
    >>> presence(d("[1955..1978]"), None, 1960, 1978, episodic=True)
    'possible'
    >>> presence(d("1957-08-06"), d("1960"), 1961, 1978) is None
    True
    """
    if start is None:
        return None
    lo, hi = start.earliest().year, start.latest().year
    span = start.end is not None and not start.within  # lasted from/to
    if episodic:
        if lo == hi or span:
            return "certain" if lo <= year <= hi else None
        return "possible" if lo <= year <= hi else None
    first_certain = lo if span else hi
    stop_certain, stop_possible = (
        (end.earliest().year, end.latest().year) if end is not None else (horizon, horizon)
    )
    if first_certain <= year <= stop_certain:
        return "certain"
    if lo <= year <= stop_possible:
        return "possible"
    return None


def presence_in(
    start: FuzzyDate | None,
    end: FuzzyDate | None,
    years: Iterable[int],
    horizon: int,
    *,
    episodic: bool = False,
) -> Presence | None:
    """The strongest presence in any of ``years``."""
    found = {presence(start, end, y, horizon, episodic=episodic) for y in years}
    if "certain" in found:
        return "certain"
    return "possible" if "possible" in found else None


def side_of(case: Case, actor_id: str) -> str | None:
    """The side of an actor, following ``parent`` up to a state when the actor has none."""
    seen: set[str] = set()
    current: str | None = actor_id
    while current and current not in seen:
        seen.add(current)
        actor = case.get(current)
        if not isinstance(actor, Actor):
            return None
        if actor.side:
            return actor.side
        current = actor.parent
    return None


def member_sides(case: Case) -> list[str]:
    """The sides of the case's members, in the case's order (japan, united-states)."""
    members = case.info.members if case.info else []
    return [s for s in (side_of(case, m) for m in members) if s]


def has_both_members(case: Case, actor_ids: Iterable[str]) -> bool:
    """True when the actors include someone from every member's side."""
    sides = {side_of(case, a) for a in actor_ids}
    sides.discard(None)
    if "joint" in sides:
        return True
    return set(member_sides(case)) <= sides


def start_of(item: Institution | Plan | Event) -> FuzzyDate | None:
    if isinstance(item, Institution):
        return item.established
    return item.date


def end_of(item: Institution | Plan | Event) -> FuzzyDate | None:
    return getattr(item, "ended", None)


# --- citations -----------------------------------------------------------------------------


def cite_short(c: Citation) -> str:
    """``frus1964-68v29p2/d82 ¶4`` or ``shibata2025, chapter 3``."""
    if c.document:
        where = f" ¶{c.paragraph}" if c.paragraph is not None else ""
        where += f" {c.footnote}" if c.footnote else ""
        return c.document + where
    return c.source + (f", {c.pages}" if c.pages else "")  # type: ignore[operator]


def cite_full(c: Citation) -> dict[str, Any]:
    """A citation as JSON: what it points at, the quote, a URL for documents."""
    out: dict[str, Any] = {k: v for k, v in c.model_dump().items() if v is not None}
    if c.document:
        out["url"] = FRUS_URL + c.document
    return out


def citations_of(obj: Any, *parts: str) -> list[Citation]:
    """The item's own citations, plus those of the named parts (``officialness``, ...)."""
    out = list(getattr(obj, "citations", []) or [])
    for part in parts:
        sub = getattr(obj, part, None)
        out += list(getattr(sub, "citations", []) or [])
    seen, unique = set(), []
    for c in out:
        key = c.model_dump_json()
        if key not in seen:
            seen.add(key)
            unique.append(c)
    return unique


def cite_text(citations: Iterable[Citation]) -> str:
    return "; ".join(dict.fromkeys(cite_short(c) for c in citations))


# --- the trace every value keeps -------------------------------------------------------------


@dataclass
class Trace:
    """One case item's part in one value: which value (``key``), which item, in what role."""

    key: str
    item: str
    item_type: str
    role: str
    detail: str = ""
    citations: list[Citation] = field(default_factory=list)

    def row(self) -> dict[str, str]:
        return {
            "key": self.key,
            "item": self.item,
            "item_type": self.item_type,
            "role": self.role,
            "detail": self.detail,
            "citations": cite_text(self.citations),
        }


TRACE_COLUMNS = ["key", "item", "item_type", "role", "detail", "citations"]


def trace_frame(traces: Iterable[Trace]) -> pd.DataFrame:
    return pd.DataFrame([t.row() for t in traces], columns=TRACE_COLUMNS)


def item_card(case: Case, obj: Any, kind: str) -> dict[str, Any]:
    """A JSON-ready summary of one case item with its full citations."""
    start = start_of(obj) if isinstance(obj, (Institution, Plan, Event)) else None
    parts = ("officialness", "legal_basis")
    cites = citations_of(obj, *parts)
    for prov in getattr(obj, "provisions", []) or []:
        cites += prov.citations
    return {
        "id": obj.id,
        "type": kind,
        "kind": getattr(obj, "kind", None),
        "name": obj.name.en,
        "date": str(start) if start else None,
        "citations": [cite_full(c) for c in cites],
    }


def ids(items: Iterable[str]) -> str:
    """Ids joined for a table cell (sorted, unique)."""
    return ", ".join(sorted(set(items)))
