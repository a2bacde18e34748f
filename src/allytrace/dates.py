"""Dates that carry their precision and certainty.

Historical dates are rarely whole: a treaty has a day, a proposal "late 1950s", a document
"not before March 1967". ``FuzzyDate`` keeps exactly what a source says and never invents a
day. Its text form is a small subset of the Library of Congress Extended Date/Time Format
(EDTF), so case files stay readable and diffable:

    1964-10-16        a day
    1964-10           a month
    1964              a year
    1958/1960         an interval (from/to)
    [1967-03..1967-05] some time within (TEI notBefore/notAfter)
    1958~  1958?      approximate / uncertain (suffix on any of the above)

>>> FuzzyDate.parse("1964-10").precision
'month'
>>> FuzzyDate.parse("1958/1960").earliest().isoformat(), FuzzyDate.parse("1958/1960").latest().isoformat()
('1958-01-01', '1960-12-31')
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

Precision = Literal["day", "month", "year", "range"]
Certainty = Literal["certain", "approximate", "uncertain"]

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class DateError(ValueError):
    """A date string that is not one of the accepted forms."""


def _check(part: str) -> str:
    m = _ISO.match(part)
    if not m:
        raise DateError(f"not a date: {part!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
    y, mo, d = m.groups()
    if mo and not 1 <= int(mo) <= 12:
        raise DateError(f"month out of range in {part!r}")
    if d:
        try:
            date(int(y), int(mo), int(d))
        except ValueError as exc:
            raise DateError(f"no such day: {part!r}") from exc
    return part


def _low(part: str) -> date:
    y, mo, d = (part.split("-") + [None, None])[:3]
    return date(int(y), int(mo or 1), int(d or 1))


def _high(part: str) -> date:
    y, mo, d = (part.split("-") + [None, None])[:3]
    if d:
        return date(int(y), int(mo), int(d))
    if mo:
        return date(int(y), int(mo), calendar.monthrange(int(y), int(mo))[1])
    return date(int(y), 12, 31)


@dataclass(frozen=True)
class FuzzyDate:
    """A date as precise as its source, no more.

    ``start``/``end`` are ISO strings of 4, 7 or 10 characters. ``end`` is set for ranges;
    ``within`` says the range bounds an unknown point (TEI ``notBefore``/``notAfter``) rather
    than a span that lasted (TEI ``from``/``to``). ``time`` keeps a clock time when the
    source has one.
    """

    start: str
    end: str | None = None
    within: bool = False
    certainty: Certainty = "certain"
    time: str | None = None

    def __post_init__(self) -> None:
        _check(self.start)
        if self.end is not None:
            _check(self.end)
            if _high(self.end) < _low(self.start):
                raise DateError(f"range ends before it starts: {self.start}/{self.end}")

    # -- construction -------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str | int | date) -> "FuzzyDate":
        """Parse the EDTF subset described in the module docstring."""
        if isinstance(text, date):
            return cls(text.isoformat())
        s = str(text).strip()
        certainty: Certainty = "certain"
        if s.endswith("~"):
            certainty, s = "approximate", s[:-1]
        elif s.endswith("?"):
            certainty, s = "uncertain", s[:-1]
        if s.startswith("[") and s.endswith("]") and ".." in s:
            lo, hi = s[1:-1].split("..", 1)
            return cls(lo.strip(), hi.strip(), within=True, certainty=certainty)
        if "/" in s:
            lo, hi = s.split("/", 1)
            return cls(lo.strip(), hi.strip(), certainty=certainty)
        return cls(s, certainty=certainty)

    # -- views ----------------------------------------------------------------------------
    @property
    def precision(self) -> Precision:
        if self.end is not None:
            return "range"
        return {4: "year", 7: "month", 10: "day"}[len(self.start)]

    def earliest(self) -> date:
        return _low(self.start)

    def latest(self) -> date:
        return _high(self.end or self.start)

    @property
    def year(self) -> int:
        return int(self.start[:4])

    def sort_key(self) -> str:
        """Sorts by earliest possible day, then by precision (finer first)."""
        return self.earliest().isoformat() + {4: "2", 7: "1", 10: "0"}[len(self.start)]

    def __str__(self) -> str:
        if self.end is None:
            core = self.start
        elif self.within:
            core = f"[{self.start}..{self.end}]"
        else:
            core = f"{self.start}/{self.end}"
        return core + {"certain": "", "approximate": "~", "uncertain": "?"}[self.certainty]

    def human(self, *, us: bool = False) -> str:
        """Readable English form: '16 October 1964', 'October 1964', '1958 – 1960'; with
        ``us``, the American form Chicago citations use: 'October 16, 1964', '1958–1960',
        'ca. 1964', '1964?'."""

        def one(part: str) -> str:
            p = part.split("-")
            if len(p) == 3:
                month, day = calendar.month_name[int(p[1])], int(p[2])
                return f"{month} {day}, {p[0]}" if us else f"{day} {month} {p[0]}"
            if len(p) == 2:
                return f"{calendar.month_name[int(p[1])]} {p[0]}"
            return p[0]

        if self.end is None:
            text = one(self.start)
        elif self.within:
            text = f"between {one(self.start)} and {one(self.end)}"
        else:
            text = f"{one(self.start)}{'–' if us else ' – '}{one(self.end)}"
        if us:
            return {"certain": text, "approximate": f"ca. {text}", "uncertain": f"{text}?"}[self.certainty]
        return {"certain": text, "approximate": f"c. {text}", "uncertain": f"{text} (?)"}[self.certainty]

    def overlaps(self, lo: date | None, hi: date | None) -> bool:
        """True when some day this date may denote falls within [lo, hi]."""
        return (lo is None or self.latest() >= lo) and (hi is None or self.earliest() <= hi)


def from_tei(
    when: str | None = None,
    from_: str | None = None,
    to: str | None = None,
    not_before: str | None = None,
    not_after: str | None = None,
) -> FuzzyDate | None:
    """Build a FuzzyDate from TEI ``<date>`` attributes; times are kept apart from the day."""

    def split(v: str | None) -> tuple[str | None, str | None]:
        if not v:
            return None, None
        v = v.strip()
        if "T" in v:
            d, t = v.split("T", 1)
            return d, t
        return v, None

    w, t = split(when)
    if w:
        return FuzzyDate(w, time=t)
    f, _ = split(from_)
    e, _ = split(to)
    if f or e:
        lo, hi = f or e, e or f
        return FuzzyDate(lo, hi if hi != lo else None)  # type: ignore[arg-type]
    nb, _ = split(not_before)
    na, _ = split(not_after)
    if nb or na:
        lo, hi = nb or na, na or nb
        return FuzzyDate(lo, hi if hi != lo else None, within=True)  # type: ignore[arg-type]
    return None
