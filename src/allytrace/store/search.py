"""Full-text search over the corpus: query syntax, filters, ranked hits, KWIC lines.

The query language is SQLite FTS5's, made friendlier in one way: a bare word that FTS5 would
reject because of punctuation (``U.S.-Japan``, ``NSAM-303``) is quoted for the user, so it
searches as the phrase of its tokens. Everything else is passed through:

    Okinawa reversion            both words (implicit AND)
    "Security Subcommittee"      the phrase
    nuclear OR atomic            either
    China NOT Taiwan             the first without the second
    consult*                     prefix
    NEAR(Sato Johnson, 10)       within ten tokens
    heading:Memorandum           only in a column (heading, text, notes)
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from ..dates import DateError, FuzzyDate
from ..errors import QueryError

HL_START, HL_END = "\x02", "\x03"  # snippet markers; renderers turn them into bold or <mark>
COLUMNS = ("heading", "text", "notes")
WEIGHTS = (8.0, 1.0, 0.4)  # a word in the heading says more about a document than one in a note
_BAREWORD = re.compile(r"^\w+\*?$")
_OPERATORS = {"AND", "OR", "NOT"}


@dataclass(frozen=True)
class Filters:
    """Restrictions that narrow a search (all optional; combined with AND)."""

    date_from: str | None = None  # EDTF; a document matches if its date may fall in range
    date_to: str | None = None
    volume: str | None = None
    person: str | None = None  # person id (p_RD3) or part of a name ("Rusk")
    sender: str | None = None
    recipient: str | None = None
    classification: str | None = None  # part of the marking: "Secret", "Exdis"
    kind: str | None = None  # document | editorial-note | withheld

    def active(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


@dataclass
class Hit:
    key: str
    volume_id: str
    id: str
    heading: str
    kind: str
    date: str | None
    date_text: str
    classification: str
    sender: str
    recipient: str
    snippet: str
    score: float | None
    url: str = ""

    def __post_init__(self) -> None:
        self.url = f"https://history.state.gov/historicaldocuments/{self.key}"


@dataclass
class SearchResult:
    query: str
    fts_query: str
    total: int
    hits: list[Hit]
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "rank"


def translate(query: str) -> str:
    """Turn the user's query into FTS5 syntax, or raise QueryError with what is wrong.

    >>> translate('U.S.-Japan "Security Subcommittee" OR consult*')
    '"U.S.-Japan" "Security Subcommittee" OR consult*'
    """
    q = query.strip()
    if not q:
        raise QueryError("empty search query", hint='give words, a "phrase", or filters')
    if q.count('"') % 2:
        raise QueryError(f"unbalanced quote in query: {query}", hint='close every "phrase"')
    out: list[str] = []
    depth = 0
    i = 0
    n = len(q)
    while i < n:
        ch = q[i]
        if ch.isspace():
            i += 1
            continue
        if ch == '"':
            j = q.index('"', i + 1)
            end = j + 1
            if end < n and q[end] == "*":
                end += 1
            out.append(q[i:end])
            i = end
            continue
        if ch == ",":  # NEAR(a b, 10)
            out.append(",")
            i += 1
            continue
        if ch in "()":
            depth += 1 if ch == "(" else -1
            if depth < 0:
                raise QueryError(f"unbalanced parenthesis in query: {query}", hint="close every (")
            out.append(ch)
            i += 1
            continue
        j = i
        while j < n and not q[j].isspace() and q[j] not in '()",':
            j += 1
        word = q[i:j]
        i = j
        if word in _OPERATORS:
            out.append(word)
        elif word == "NEAR" and i < n and q[i] == "(":
            out.append("NEAR")
        elif ":" in word and word.split(":", 1)[0] in COLUMNS:
            col, rest = word.split(":", 1)
            out.append(f"{col} :")
            if rest:
                out.append(rest if _BAREWORD.match(rest) else _quote(rest))
        elif _BAREWORD.match(word):
            out.append(word)
        else:
            out.append(_quote(word))
    if depth:
        raise QueryError(f"unbalanced parenthesis in query: {query}", hint="close every (")
    text = " ".join(out)
    return text.replace("( ", "(").replace(" )", ")").replace("NEAR (", "NEAR(").replace(" ,", ",")


def _quote(word: str) -> str:
    star = word.endswith("*")
    core = word.rstrip("*").replace('"', "")
    if not re.search(r"\w", core):
        raise QueryError(f"nothing to search for in {word!r}", hint="use letters or digits")
    return f'"{core}"' + ("*" if star else "")


def _where(filters: Filters) -> tuple[list[str], list]:
    clauses: list[str] = []
    args: list = []
    try:
        lo = FuzzyDate.parse(filters.date_from).earliest().isoformat() if filters.date_from else None
        hi = FuzzyDate.parse(filters.date_to).latest().isoformat() if filters.date_to else None
    except DateError as exc:
        raise QueryError(f"bad date filter: {exc}", hint="use YYYY, YYYY-MM or YYYY-MM-DD") from None
    if lo:
        clauses.append("d.date_end >= ?")
        args.append(lo)
    if hi:
        clauses.append("d.date_start <= ?")
        args.append(hi)
    if filters.volume:
        clauses.append("d.volume_id = ?")
        args.append(filters.volume)
    if filters.person:
        # Person ids are per volume (p_SE1 in one volume is not p_SE1 in another), so the
        # match is scoped by volume; CROSS JOIN fixes the order: matching persons, their
        # volume's documents, then a key lookup (else the cost grows with volumes squared).
        clauses.append(
            "d.rowid IN (SELECT dp.doc FROM persons p CROSS JOIN documents d2 ON d2.volume_id = p.volume_id"
            " CROSS JOIN doc_persons dp ON dp.doc = d2.rowid AND dp.person_id = p.id"
            " WHERE p.id = ? OR p.name LIKE ?)"
        )
        args += [filters.person, f"%{filters.person}%"]
    for col in ("sender", "recipient", "classification"):
        value = getattr(filters, col)
        if value:
            clauses.append(f"d.{col} LIKE ?")
            args.append(f"%{value}%")
    if filters.kind:
        clauses.append("d.kind = ?")
        args.append(filters.kind)
    return clauses, args


def _run(conn: sqlite3.Connection, sql: str, args: list, query: str) -> list[sqlite3.Row]:
    return _execute(conn, sql, args, query).fetchall()


def _execute(conn: sqlite3.Connection, sql: str, args: list, query: str) -> sqlite3.Cursor:
    try:
        return conn.execute(sql, args)
    except sqlite3.OperationalError as exc:
        msg = str(exc)
        # Anything the MATCH expression trips is the query's fault; a locked or broken
        # database is not, and keeps its own error.
        if not any(s in msg for s in ("locked", "disk I/O", "readonly", "malformed")):
            raise QueryError(
                f"cannot parse search query {query!r} ({msg})",
                hint='see `allytrace search --help` for the syntax: words, "phrases", AND/OR/NOT, prefix*, NEAR()',
            ) from None
        raise


def search(
    conn: sqlite3.Connection,
    query: str = "",
    filters: Filters | None = None,
    *,
    sort: str = "rank",
    limit: int = 20,
    offset: int = 0,
) -> SearchResult:
    """Ranked (BM25) or chronological search with filters.

    An empty query with filters lists the matching documents in date order.
    """
    filters = filters or Filters()
    if sort not in ("rank", "date"):
        raise QueryError(f"unknown sort {sort!r}", hint="use rank or date")
    clauses, args = _where(filters)
    if not query.strip():
        if not clauses:
            raise QueryError("empty search query", hint='give words, a "phrase", or filters')
        where = " AND ".join(clauses)
        total = conn.execute(f"SELECT count(*) FROM documents d WHERE {where}", args).fetchone()[0]
        rows = conn.execute(
            f"SELECT d.*, NULL AS score,"
            f" (SELECT substr(t.text, 1, 200) FROM document_texts t WHERE t.rowid = d.rowid) AS snip"
            f" FROM documents d"
            f" WHERE {where} ORDER BY {_BY_DATE} LIMIT ? OFFSET ?",
            [*args, limit, offset],
        ).fetchall()
        return SearchResult(query, "", total, [_hit(r) for r in rows], filters.active(), "date")
    fts = translate(query)
    where = " AND ".join(["documents_fts MATCH ?", *clauses])
    base = f"FROM documents_fts JOIN documents d ON d.rowid = documents_fts.rowid WHERE {where}"
    w = ", ".join(str(x) for x in WEIGHTS)
    by_date = _BY_DATE
    if clauses:
        # With filters: filter first, then rank what is left.
        total = _run(conn, f"SELECT count(*) {base}", [fts, *args], query)[0][0]
        select, order, extra = f"bm25(documents_fts, {w})", ("score" if sort == "rank" else by_date), ""
    else:
        # Without filters, FTS5 ranks inside the virtual table (ORDER BY rank), so the join and
        # snippet() run for the returned page only, and the count needs no join at all
        # (measured in bench/: 1.5–4× faster for common words at 14k–140k documents).
        total = _run(conn, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?", [fts], query)[0][0]
        select, extra = "documents_fts.rank", f" AND documents_fts.rank MATCH 'bm25({w})'"
        order = "documents_fts.rank" if sort == "rank" else by_date
    rows = _run(
        conn,
        f"SELECT d.*, {select} AS score,"
        f" snippet(documents_fts, -1, '{HL_START}', '{HL_END}', '…', 24) AS snip"
        f" {base}{extra} ORDER BY {order} LIMIT ? OFFSET ?",
        [fts, *args, limit, offset],
        query,
    )
    return SearchResult(query, fts, total, [_hit(r) for r in rows], filters.active(), sort)


_BY_DATE = "d.date_start IS NULL, d.date_start, d.volume_id, d.seq"


def matching_documents(
    conn: sqlite3.Connection,
    query: str,
    filters: Filters | None = None,
    *,
    with_text: bool = False,
    by_date: bool = True,
) -> Iterator[sqlite3.Row]:
    """Every document that matches ``query`` and ``filters`` (an empty query: the filters
    alone), as rows of ``rowid``, ``key``, ``date`` (and ``text`` when ``with_text``), in
    date order unless ``by_date`` is False.

    For walks over all matches (KWIC, trends): no ranking and no snippets, and rows are
    read as they are used.
    """
    clauses, args = _where(filters or Filters())
    text = ", t.text" if with_text else ""
    join = " JOIN document_texts t ON t.rowid = d.rowid" if with_text else ""
    order = f" ORDER BY {_BY_DATE}" if by_date else ""
    if query.strip():
        where = " AND ".join(["documents_fts MATCH ?", *clauses])
        sql = (f"SELECT d.rowid, d.key, d.date{text} FROM documents_fts"
               f" JOIN documents d ON d.rowid = documents_fts.rowid{join} WHERE {where}{order}")
        args = [translate(query), *args]
    elif clauses:
        sql = f"SELECT d.rowid, d.key, d.date{text} FROM documents d{join} WHERE {' AND '.join(clauses)}{order}"
    else:
        raise QueryError("empty search query", hint='give words, a "phrase", or filters')
    yield from _execute(conn, sql, args, query)


def _hit(r: sqlite3.Row) -> Hit:
    return Hit(
        key=r["key"], volume_id=r["volume_id"], id=r["id"], heading=r["heading"], kind=r["kind"],
        date=r["date"], date_text=r["date_text"] or "", classification=r["classification"] or "",
        sender=r["sender"] or "", recipient=r["recipient"] or "", snippet=(r["snip"] or "").replace("\n\n", " ¶ "),
        score=round(-r["score"], 4) if r["score"] is not None else None,
    )


# -- keyword in context --------------------------------------------------------------------
@dataclass
class KwicLine:
    key: str
    date: str | None
    paragraph: int
    start: int  # offset of the match in the paragraph
    left: str
    match: str
    right: str


def terms_pattern(query: str) -> re.Pattern[str]:
    """A regex for the positive terms and phrases of a query (for KWIC and highlighting).

    NOT-terms, operators and column names are left out; prefixes become ``\\w*``.
    """
    fts = translate(query)
    tokens = re.findall(r'"[^"]*"\*?|[^\s,]+,?', fts)
    alts: list[str] = []
    skip_next = False
    for tok in tokens:
        bare = tok.strip("()")
        if skip_next:
            skip_next = False
            continue
        if bare == "NOT":
            skip_next = True
            continue
        if bare in _OPERATORS or bare in ("NEAR", ":") or bare.startswith(",") or bare.endswith(":"):
            continue
        if bare.startswith("NEAR("):
            bare = bare[5:]
        if bare.endswith(","):  # NEAR(a b, 10): the number after the comma is a distance
            bare, skip_next = bare[:-1], True
        star = bare.endswith("*")
        words = re.findall(r"\w+", bare)
        if not words:
            continue
        pat = r"\W+".join(re.escape(w) for w in words)
        alts.append(r"\b" + pat + (r"\w*" if star else r"\b"))
    if not alts:
        raise QueryError(f"no terms to find in {query!r}", hint="give at least one word that is not negated")
    alts.sort(key=len, reverse=True)
    return re.compile("|".join(alts), re.IGNORECASE)


def kwic(
    conn: sqlite3.Connection,
    query: str,
    filters: Filters | None = None,
    *,
    width: int = 60,
    limit: int = 500,
) -> list[KwicLine]:
    """Keyword-in-context lines for every occurrence in the matching documents, by date."""
    pattern = terms_pattern(query)
    lines: list[KwicLine] = []
    for doc in matching_documents(conn, query, filters):
        rows = conn.execute("SELECT idx, text FROM paragraphs WHERE doc = ? ORDER BY idx", (doc["rowid"],))
        for idx, text in rows:
            for m in pattern.finditer(text):
                lines.append(
                    KwicLine(
                        doc["key"], doc["date"], idx, m.start(),
                        text[max(0, m.start() - width): m.start()],
                        m.group(0),
                        text[m.end(): m.end() + width],
                    )
                )
                if len(lines) >= limit:
                    return lines
    return lines


def plain_snippet(snippet: str) -> str:
    """A snippet without its highlight markers."""
    return snippet.replace(HL_START, "").replace(HL_END, "")
