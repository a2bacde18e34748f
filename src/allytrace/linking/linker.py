"""Finding mentions of case entities in the corpus and storing them with offsets."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from ..dates import FuzzyDate
from .gazetteer import CONTEXT_CHARS, Gazetteer, fold

HEADING, NOTES = -1, -2  # paragraph numbers for mentions outside the body text


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    entity: str
    surface: str
    method: str  # alias | acronym


@dataclass(frozen=True)
class LinkResult:
    case_name: str
    documents: int
    mentions: int
    entities: int
    rejected_acronyms: int


def find_mentions(text: str, gaz: Gazetteer, date: FuzzyDate | None) -> tuple[list[Match], int]:
    """Mentions in one text; returns (accepted matches, acronyms rejected by window or context).

    Overlapping candidates resolve to the longest: "SCC Subcommittee" is one mention of the
    subcommittee, not also one of the SCC.
    """
    cands: list[Match] = []
    if gaz._pattern is not None:
        for m in gaz._pattern.finditer(text):
            for eid in sorted(gaz.names.get(fold(m.group(0)), ())):
                cands.append(Match(m.start(), m.end(), eid, m.group(0), "alias"))
    if gaz._ja_pattern is not None:
        for m in gaz._ja_pattern.finditer(text):
            for eid in sorted(gaz.ja.get(m.group(0), ())):
                cands.append(Match(m.start(), m.end(), eid, m.group(0), "alias"))
    rejected = 0
    if gaz._acro_pattern is not None:
        lowered = None
        for m in gaz._acro_pattern.finditer(text):
            accepted = False
            for rule in gaz.acronyms:
                if rule.text != m.group(0):
                    continue
                if rule.window is not None and (
                    date is None or not date.overlaps(rule.window.earliest(), rule.window.latest())
                ):
                    continue
                if rule.context:
                    if lowered is None:
                        lowered = text.lower()
                    near = lowered[max(0, m.start() - CONTEXT_CHARS): m.end() + CONTEXT_CHARS]
                    if not any(re.search(rf"(?<!\w){re.escape(c)}", near) for c in rule.context):
                        continue
                cands.append(Match(m.start(), m.end(), rule.entity, m.group(0), "acronym"))
                accepted = True
            rejected += not accepted
    cands.sort(key=lambda c: (c.start, -(c.end - c.start), c.entity))
    out: list[Match] = []
    taken_until = -1
    span: tuple[int, int] | None = None
    for c in cands:
        if span == (c.start, c.end):  # the same span naming two entities: keep both
            out.append(c)
            continue
        if c.start < taken_until:
            continue
        out.append(c)
        span = (c.start, c.end)
        taken_until = c.end
    return out, rejected


def _doc_dates(conn: sqlite3.Connection) -> dict[int, FuzzyDate | None]:
    """Each document's date; an undated one (an editorial note) takes the last dated
    document before it in its volume, since FRUS volumes run in chronological order."""
    dates: dict[int, FuzzyDate | None] = {}
    last: dict[str, FuzzyDate | None] = {}
    for rowid, vol, date in conn.execute("SELECT rowid, volume_id, date FROM documents ORDER BY volume_id, seq"):
        d = FuzzyDate.parse(date) if date else last.get(vol)
        dates[rowid] = d
        if date:
            last[vol] = d
    return dates


def link(
    conn: sqlite3.Connection,
    case_name: str,
    gaz: Gazetteer,
    *,
    docs: Iterable[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LinkResult:
    """(Re)build the mentions of one case, for all documents or the given rowids.

    One transaction: readers see the old mentions until the new ones are complete.
    """
    dates = _doc_dates(conn)
    targets = sorted(dates) if docs is None else sorted(set(docs))
    conn.execute("BEGIN IMMEDIATE")
    try:
        if docs is None:
            conn.execute("DELETE FROM mentions WHERE case_name = ?", (case_name,))
        else:
            conn.executemany(
                "DELETE FROM mentions WHERE case_name = ? AND doc = ?", [(case_name, d) for d in targets]
            )
        total = rejected = 0
        entities: set[str] = set()
        for i, rowid in enumerate(targets):
            date = dates.get(rowid)
            rows = []
            texts = [
                (idx, text)
                for idx, text in conn.execute(
                    "SELECT idx, text FROM paragraphs WHERE doc = ? ORDER BY idx", (rowid,)
                )
            ]
            head, notes = conn.execute("SELECT heading, notes FROM documents WHERE rowid = ?", (rowid,)).fetchone()
            texts += [(HEADING, head), (NOTES, notes)]
            for idx, text in texts:
                if not text:
                    continue
                found, rej = find_mentions(text, gaz, date)
                rejected += rej
                for m in found:
                    rows.append((rowid, idx, m.start, m.end, case_name, m.entity, m.surface, m.method))
                    entities.add(m.entity)
            conn.executemany("INSERT OR IGNORE INTO mentions VALUES (?,?,?,?,?,?,?,?)", rows)
            total += len(rows)
            if progress:
                progress(i + 1, len(targets))
        conn.execute(
            "INSERT INTO linking_state VALUES (?,?,?) ON CONFLICT(case_name) DO UPDATE SET"
            " gazetteer_hash = excluded.gazetteer_hash, linked_at = excluded.linked_at",
            (case_name, gaz.digest(), datetime.now(timezone.utc).isoformat(timespec="seconds")),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return LinkResult(case_name, len(targets), total, len(entities), rejected)


def is_stale(conn: sqlite3.Connection, case_name: str, gaz: Gazetteer) -> bool:
    row = conn.execute("SELECT gazetteer_hash FROM linking_state WHERE case_name = ?", (case_name,)).fetchone()
    return row is None or row[0] != gaz.digest()
