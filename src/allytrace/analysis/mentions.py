"""What the corpus says about one entity: where and when it is mentioned."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

CONTEXT = 70


@dataclass(frozen=True)
class MentionSpan:
    """One mention of a case entity in a document part (offsets in that part's text)."""

    paragraph: int  # paragraph index; -1 the heading
    start: int
    end: int
    entity: str
    surface: str
    method: str


def spans_in_document(conn: sqlite3.Connection, case_name: str, doc: int) -> dict[int, list[MentionSpan]]:
    """One case's mentions in one document (rowid ``doc``) by paragraph, heading (-1) included,
    notes left out; empty when the case was never linked."""
    out: dict[int, list[MentionSpan]] = {}
    for r in conn.execute(
        "SELECT paragraph, start, end, entity, surface, method FROM mentions"
        " WHERE case_name = ? AND doc = ? AND paragraph >= -1 ORDER BY paragraph, start, end DESC",
        (case_name, doc),
    ):
        out.setdefault(r[0], []).append(MentionSpan(*r))
    return out


@dataclass
class MentionedIn:
    key: str
    heading: str
    date: str | None
    count: int
    first_paragraph: int
    context: str  # the first mention with some words around it
    url: str = ""

    def __post_init__(self) -> None:
        self.url = f"https://history.state.gov/historicaldocuments/{self.key}"


@dataclass
class MentionReport:
    case_name: str
    entity: str
    total: int
    documents: list[MentionedIn]
    by_month: dict[str, int] = field(default_factory=dict)  # 'YYYY-MM' → mentions in dated documents
    undated: int = 0  # mentions in documents without a date of their own
    first: MentionedIn | None = None
    last: MentionedIn | None = None
    surfaces: dict[str, int] = field(default_factory=dict)  # how it is written → count
    methods: dict[str, int] = field(default_factory=dict)


def mention_report(conn: sqlite3.Connection, case_name: str, entity: str) -> MentionReport:
    rows = conn.execute(
        "SELECT d.key, d.heading, d.date, d.date_start, d.seq, m.paragraph, m.start, m.end,"
        " m.surface, m.method, m.doc"
        " FROM mentions m JOIN documents d ON d.rowid = m.doc"
        " WHERE m.case_name = ? AND m.entity = ?"
        " ORDER BY d.date_start IS NULL, d.date_start, d.volume_id, d.seq, m.paragraph, m.start",
        (case_name, entity),
    ).fetchall()
    docs: dict[str, MentionedIn] = {}
    by_month: dict[str, int] = {}
    surfaces: dict[str, int] = {}
    methods: dict[str, int] = {}
    undated = 0
    for r in rows:
        key = r["key"]
        if key not in docs:
            docs[key] = MentionedIn(key, r["heading"], r["date"], 0, r["paragraph"],
                                    _context(conn, r["doc"], r["paragraph"], r["start"], r["end"]))
        docs[key].count += 1
        if r["date_start"]:
            month = r["date_start"][:7]
            by_month[month] = by_month.get(month, 0) + 1
        else:
            undated += 1
        surfaces[r["surface"]] = surfaces.get(r["surface"], 0) + 1
        methods[r["method"]] = methods.get(r["method"], 0) + 1
    ordered = list(docs.values())
    dated = [d for d in ordered if d.date]
    return MentionReport(
        case_name, entity, len(rows), ordered, dict(sorted(by_month.items())), undated,
        dated[0] if dated else None, dated[-1] if dated else None, surfaces, methods,
    )


def _context(conn: sqlite3.Connection, doc: int, paragraph: int, start: int, end: int) -> str:
    if paragraph >= 0:
        row = conn.execute("SELECT text FROM paragraphs WHERE doc = ? AND idx = ?", (doc, paragraph)).fetchone()
    else:
        col = "heading" if paragraph == -1 else "notes"
        row = conn.execute(f"SELECT {col} FROM document_texts WHERE rowid = ?", (doc,)).fetchone()
    text = row[0] if row else ""
    left = text[max(0, start - CONTEXT): start]
    right = text[end: end + CONTEXT]
    return ("…" if start > CONTEXT else "") + left + "\x02" + text[start:end] + "\x03" + right + (
        "…" if end + CONTEXT < len(text) else "")


def entity_counts(conn: sqlite3.Connection, case_name: str) -> dict[str, tuple[int, int]]:
    """Entity → (mentions, documents) for a whole case."""
    return {
        e: (n, d)
        for e, n, d in conn.execute(
            "SELECT entity, count(*), count(DISTINCT doc) FROM mentions WHERE case_name = ? GROUP BY entity",
            (case_name,),
        )
    }
