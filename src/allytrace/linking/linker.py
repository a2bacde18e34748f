"""Finding mentions of case entities in the corpus and storing them with offsets."""

from __future__ import annotations

import bisect
import itertools
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from ..dates import FuzzyDate
from ..sources.records import Document
from .gazetteer import CONTEXT_CHARS, Gazetteer

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
    found, rejected = find_mentions_in([text], gaz, date)
    return found[0], rejected


# Joins a document's texts so that the acronym and Japanese screens run once per document.
# No name can match across it: it is neither a word character nor a space, hyphen or period.
_SEP = "\x00"


def find_mentions_in(
    texts: list[str], gaz: Gazetteer, date: FuzzyDate | None
) -> tuple[list[list[Match]], int]:
    """``find_mentions`` for each of several texts of one document (dated ``date``), with
    offsets in each text; and how many acronyms were rejected in all."""
    joined = _SEP.join(texts)
    starts = list(itertools.accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
    cands: list[Match] = []
    for text, offset in zip(texts, starts):
        for start, end, key in gaz.alias_matches(text):
            for eid in sorted(gaz.names.get(key, ())):
                cands.append(Match(offset + start, offset + end, eid, text[start:end], "alias"))
    rejected = 0
    acronyms, japanese = gaz.raw_matches(joined)
    for start, end, name in japanese:
        for eid in sorted(gaz.ja.get(name, ())):
            cands.append(Match(start, end, eid, name, "alias"))
    for start, end, name in acronyms:
        accepted = False
        for rule in gaz.acronyms:
            if rule.text != name:
                continue
            if rule.window is not None and (
                date is None or not date.overlaps(rule.window.earliest(), rule.window.latest())
            ):
                continue
            if rule.context:
                # Context words count only within the acronym's own text.
                i = bisect.bisect_right(starts, start) - 1
                lo, hi = starts[i], starts[i] + len(texts[i])
                near = joined[max(lo, start - CONTEXT_CHARS): min(hi, end + CONTEXT_CHARS)]
                if not gaz.context_pattern(rule).search(near):
                    continue
            cands.append(Match(start, end, rule.entity, name, "acronym"))
            accepted = True
        rejected += not accepted
    out: list[list[Match]] = [[] for _ in texts]
    for m in _longest(cands):  # no match spans two texts, so none overlaps another text's
        i = bisect.bisect_right(starts, m.start) - 1
        out[i].append(Match(m.start - starts[i], m.end - starts[i], m.entity, m.surface, m.method))
    return out, rejected


def _longest(cands: list[Match]) -> list[Match]:
    """Of overlapping candidates, the longest (the earliest among equals); both entities of
    one span that names two."""
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
    return out


INSERT_MENTION = "INSERT OR IGNORE INTO mentions VALUES (?,?,?,?,?,?,?,?)"


def mention_rows(
    rowid: int, texts: Iterable[tuple[int, str]], date: FuzzyDate | None, case_name: str, gaz: Gazetteer
) -> tuple[list[tuple], int]:
    """Rows for the mentions table from one document's texts ((paragraph, text) pairs);
    and how many acronyms were rejected."""
    pairs = [(idx, text) for idx, text in texts if text]
    found, rejected = find_mentions_in([text for _, text in pairs], gaz, date)
    rows = [
        (rowid, idx, m.start, m.end, case_name, m.entity, m.surface, m.method)
        for (idx, _), matches in zip(pairs, found)
        for m in matches
    ]
    return rows, rejected


class MentionAnnotator:
    """Links one case's mentions in each document as it is ingested (a corpus ``Annotator``).

    It keeps the mentions of a case that is already linked complete when volumes are added
    or replaced, in the ingest's own transaction.
    """

    insert_sql = INSERT_MENTION

    def __init__(self, case_name: str, gaz: Gazetteer) -> None:
        self.case_name = case_name
        self.gaz = gaz

    def rows(self, rowid: int, doc: Document, date: FuzzyDate | None) -> list[tuple]:
        texts = [(p.index, p.text) for p in doc.paragraphs]
        texts += [(HEADING, doc.heading), (NOTES, doc.notes_text)]
        return mention_rows(rowid, texts, date, self.case_name, self.gaz)[0]


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
    progress: Callable[[int, int], None] | None = None,
) -> LinkResult:
    """(Re)build the mentions of one case over the whole corpus (an ingest links the
    documents it adds itself; see ``MentionAnnotator``).

    One transaction: readers see the old mentions until the new ones are complete.
    """
    dates = _doc_dates(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM mentions WHERE case_name = ?", (case_name,))
        total = rejected = 0
        entities: set[str] = set()
        for i, (rowid, texts) in enumerate(_document_texts(conn)):
            rows, rej = mention_rows(rowid, texts, dates.get(rowid), case_name, gaz)
            rejected += rej
            entities.update(r[5] for r in rows)
            before = conn.total_changes
            conn.executemany(INSERT_MENTION, rows)
            total += conn.total_changes - before  # what was stored: a repeated mention is one
            if progress:
                progress(i + 1, len(dates))
        conn.execute(
            "INSERT INTO linking_state VALUES (?,?,?) ON CONFLICT(case_name) DO UPDATE SET"
            " gazetteer_hash = excluded.gazetteer_hash, linked_at = excluded.linked_at",
            (case_name, gaz.digest(), datetime.now(timezone.utc).isoformat(timespec="seconds")),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return LinkResult(case_name, len(dates), total, len(entities), rejected)


def _document_texts(conn: sqlite3.Connection) -> Iterator[tuple[int, list[tuple[int, str]]]]:
    """Each document's texts as (paragraph, text) pairs, heading and notes last: two scans
    in rowid order, merged (not two queries per document)."""
    paragraphs = itertools.groupby(
        conn.execute("SELECT doc, idx, text FROM paragraphs ORDER BY doc, idx"), key=lambda r: r[0]
    )
    group = next(paragraphs, None)
    for rowid, heading, notes in conn.execute("SELECT rowid, heading, notes FROM document_texts ORDER BY rowid"):
        texts: list[tuple[int, str]] = []
        if group is not None and group[0] == rowid:
            texts = [(idx, text) for _, idx, text in group[1]]
            group = next(paragraphs, None)
        yield rowid, texts + [(HEADING, heading), (NOTES, notes)]


def linked_cases(conn: sqlite3.Connection) -> dict[str, str]:
    """Each linked case's name → the digest of the gazetteer its mentions came from."""
    return dict(conn.execute("SELECT case_name, gazetteer_hash FROM linking_state").fetchall())


def forget(conn: sqlite3.Connection, case_name: str) -> None:
    """Mark a case as not linked, so that its next use re-links it in full."""
    conn.execute("DELETE FROM linking_state WHERE case_name = ?", (case_name,))


def is_stale(conn: sqlite3.Connection, case_name: str, gaz: Gazetteer) -> bool:
    row = conn.execute("SELECT gazetteer_hash FROM linking_state WHERE case_name = ?", (case_name,)).fetchone()
    return row is None or row[0] != gaz.digest()
