"""The corpus in the project database: ingest volumes, read documents back as records."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from ..dates import FuzzyDate
from ..errors import NotFoundError, SourceError
from ..sources.frus import read_volume
from ..sources.records import (
    CrossRef,
    Document,
    Footnote,
    Paragraph,
    Person,
    SourceNote,
    Term,
    Volume,
)


@dataclass(frozen=True)
class IngestResult:
    volume_id: str
    title: str
    documents: int
    paragraphs: int
    persons: int
    terms: int
    bytes: int
    replaced: bool
    seconds: float


def _doc_row(doc: Document, seq: int) -> tuple:
    d = doc.date
    return (
        doc.key, doc.volume_id, doc.id, doc.number, seq, doc.heading, doc.kind,
        str(d) if d else None,
        d.earliest().isoformat() if d else None,
        d.latest().isoformat() if d else None,
        d.precision if d else None,
        doc.date_text, d.time if d else None, doc.place,
        "; ".join(doc.sender), "; ".join(doc.recipient),
        doc.source.text if doc.source else None,
        doc.source.archive if doc.source else None,
        doc.source.classification if doc.source else None,
        doc.source.drafter if doc.source else None,
        json.dumps(doc.pages),
    )


_INSERT_DOC = (
    "INSERT INTO documents (rowid, key, volume_id, id, number, seq, heading, kind, date, date_start,"
    " date_end, date_precision, date_text, time, place, sender, recipient, source_note, archive,"
    " classification, drafter, pages)"
    " VALUES (" + ",".join("?" * 22) + ")"
)
_INSERT_FTS = (
    "INSERT INTO documents_fts (rowid, heading, text, notes)"
    " SELECT rowid, heading, text, notes FROM document_texts WHERE rowid BETWEEN ? AND ?"
)

# Documents written per round of executemany calls: large enough that each statement is
# prepared once per batch and the FTS5 insert tokenizes many documents in one step; small
# enough that a batch (and the reader process's read-ahead) stays a few hundred KB.
BATCH_DOCUMENTS = 32
# Page cache while ingesting (KiB, as PRAGMA cache_size takes negative numbers): the FTS5
# segment merges and the documents/date indexes stay in memory at 100k+ documents.
INGEST_CACHE_KIB = 64 * 1024
# Files at least this large are read in a helper process when the machine has a second core.
PARALLEL_MIN_BYTES = 4 * 1024 * 1024


class Annotator(Protocol):
    """A later pipeline stage that runs on each document while it is ingested (mention
    linking is one), so that its rows land in the same transaction as the document.

    With a reader process, each batch is annotated by whichever process has time for it
    (see ``_reader_main``), so an annotator must pickle and keep no state between calls.
    ``rows`` returns rows for ``insert_sql`` whose first value is the document's rowid.
    ``date`` is the document's date or, for an undated one (an editorial note), the date of
    the last dated document before it in its volume: FRUS volumes run in date order.
    """

    insert_sql: str

    def rows(self, rowid: int, doc: Document, date: FuzzyDate | None) -> list[tuple]: ...


@dataclass
class _Batch:
    """Consecutive documents of one volume as rows ready to insert (rowids included)."""

    first_rowid: int
    ids: list[str]
    documents: list[tuple]
    texts: list[tuple]
    paragraphs: list[tuple]
    footnotes: list[tuple]
    persons: list[tuple]
    crossrefs: list[tuple]
    docs: list[Document] | None = None  # kept for the writer's annotators
    dates: list[FuzzyDate | None] | None = None  # each document's date for annotators
    extra: list[list[tuple]] | None = None  # rows of each annotator (None: not annotated yet)

    @classmethod
    def build(
        cls, docs: list[Document], first_rowid: int, first_seq: int,
        dates: list[FuzzyDate | None], annotators: Sequence[Annotator] = (), annotate: bool = True,
    ) -> _Batch:
        rows, texts, paragraphs, footnotes, persons, crossrefs = [], [], [], [], [], []
        for i, doc in enumerate(docs):
            rowid = first_rowid + i
            rows.append((rowid, *_doc_row(doc, first_seq + i)))
            texts.append((rowid, doc.heading, doc.text, doc.notes_text))
            paragraphs += [(rowid, p.index, p.start, p.page, p.text) for p in doc.paragraphs]
            footnotes += [
                (rowid, j, f.id, f.n, f.paragraph, int(f.is_source), f.text)
                for j, f in enumerate(doc.footnotes)
            ]
            persons += [(rowid, pid, j) for j, pid in enumerate(doc.persons)]
            crossrefs += [
                (rowid, j, c.target, c.volume, c.document, c.text) for j, c in enumerate(doc.crossrefs)
            ]
        batch = cls(first_rowid, [d.id for d in docs], rows, texts, paragraphs, footnotes, persons, crossrefs,
                    docs if annotators and not annotate else None,
                    dates if annotators and not annotate else None)
        if annotators and annotate:
            batch.extra = _annotate(annotators, docs, dates, first_rowid)
        return batch

    def annotated(self, annotators: Sequence[Annotator]) -> list[list[tuple]]:
        """Each annotator's rows: made where the batch was built, or here and now."""
        if self.extra is None:
            assert self.docs is not None and self.dates is not None
            self.extra = _annotate(annotators, self.docs, self.dates, self.first_rowid)
        return self.extra

    def shifted(self, by: int) -> _Batch:
        """The same rows with every rowid moved by ``by`` (the rare slow path)."""

        def move(rows: list[tuple]) -> list[tuple]:
            return [(r[0] + by, *r[1:]) for r in rows]

        return _Batch(self.first_rowid + by, self.ids, move(self.documents), move(self.texts), move(self.paragraphs),
                      move(self.footnotes), move(self.persons), move(self.crossrefs), self.docs,
                      self.dates, None if self.extra is None else [move(rows) for rows in self.extra])


def _annotate(
    annotators: Sequence[Annotator], docs: list[Document], dates: list[FuzzyDate | None], first_rowid: int
) -> list[list[tuple]]:
    return [
        [row for i, (doc, date) in enumerate(zip(docs, dates)) for row in a.rows(first_rowid + i, doc, date)]
        for a in annotators
    ]


class _BatchStream:
    """A volume as the writer takes it: the ``Volume``, then ``_Batch`` es.

    ``start(rowid)`` tells the stream the first free rowid once the writer knows it (after it
    has replaced an older copy of the volume); a helper process that read ahead has guessed
    its own, which the writer checks.
    """

    def __init__(self, it: Iterator[Volume | _Batch], holder: list[int | None]) -> None:
        self._it = it
        self._holder = holder

    def __iter__(self) -> _BatchStream:
        return self

    def __next__(self) -> Volume | _Batch:
        return next(self._it)

    def start(self, rowid: int) -> None:
        if self._holder[0] is None:
            self._holder[0] = rowid


def _batches(
    items: Iterator[Volume | Document], first_rowid: int | None,
    counter: list[int | None] | None = None, annotators: Sequence[Annotator] = (),
    annotate_here: Callable[[], bool] = lambda: True,
) -> _BatchStream:
    """Group a reader's documents into ``_Batch`` es; rowids from ``first_rowid``, or from
    the value given to ``start()`` when that is None. ``counter`` (a one-item list) carries
    the next rowid from one volume to the next in the helper process. The annotators run
    on a batch here when ``annotate_here()`` says so, else in the writer."""
    holder: list[int | None] = counter if counter is not None else [None]
    if first_rowid is not None:
        holder[0] = first_rowid

    def gen() -> Iterator[Volume | _Batch]:
        docs: list[Document] = []
        dates: list[FuzzyDate | None] = []
        seq = 0
        last: FuzzyDate | None = None
        for item in items:
            if isinstance(item, Volume):
                last = None
                yield item
                continue
            docs.append(item)
            last = item.date or last
            dates.append(last)
            if len(docs) >= BATCH_DOCUMENTS:
                yield flush(docs, dates, seq)
                seq += len(docs)
                docs, dates = [], []
        if docs:
            yield flush(docs, dates, seq)

    def flush(docs: list[Document], dates: list[FuzzyDate | None], seq: int) -> _Batch:
        if holder[0] is None:
            raise RuntimeError("the writer did not give the first rowid")
        batch = _Batch.build(docs, holder[0], seq, dates, annotators, annotate_here())
        holder[0] += len(docs)
        return batch

    return _BatchStream(gen(), holder)


class Corpus:
    """Read and write access to the corpus tables of one project database."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # -- writing -------------------------------------------------------------------------
    def ingest(
        self,
        path: str | Path,
        *,
        progress: Callable[[int, int], None] | None = None,
        parallel: bool | None = None,
        annotators: Sequence[Annotator] = (),
    ) -> IngestResult:
        """Ingest (or atomically replace) one FRUS TEI volume.

        The whole volume is one transaction: if the file turns out to be malformed halfway,
        or the process dies, the project keeps exactly what it held before. ``annotators``
        (mention linking) add their rows for each document in the same transaction (see
        ``Annotator``). ``parallel`` reads the XML in a
        helper process while this one writes (default: for files of ``PARALLEL_MIN_BYTES`` or
        more on a multi-core machine).

        >>> Project.open("my-project").corpus.ingest("frus1964-68v29p2.xml")  # doctest: +SKIP
        IngestResult(volume_id='frus1964-68v29p2', title='…', documents=140, …)
        """
        return self.ingest_many(
            [path], progress=progress, parallel=parallel, annotators=annotators
        )[0]

    def ingest_many(
        self,
        paths: list[str | Path],
        *,
        progress: Callable[[int, int], None] | None = None,
        parallel: bool | None = None,
        annotators: Sequence[Annotator] = (),
    ) -> list[IngestResult]:
        """Ingest several volumes, one transaction each, in order.

        With ``parallel`` (default: when the files add up to ``PARALLEL_MIN_BYTES`` on a
        multi-core machine) a helper process parses volume *n + 1* while this process writes
        volume *n*. A volume that fails raises at once; the volumes before it stay ingested.
        ``progress(bytes_done, bytes_total)`` counts over all the files.
        """
        paths = [Path(p) for p in paths]
        for path in paths:
            _check_path(path)
        sizes = [path.stat().st_size for path in paths]
        if parallel is None:
            parallel = (os.cpu_count() or 1) > 1 and (
                sum(sizes) >= PARALLEL_MIN_BYTES or _ReaderProcess.running()
            )
        reader = _ReaderProcess.acquire() if parallel else None
        results: list[IngestResult] = []
        total, before = sum(sizes), 0
        try:
            requested = 0
            blob = _pickle(list(annotators)) if reader is not None else b""
            for i, (path, size) in enumerate(zip(paths, sizes)):
                cb = (lambda n, before=before: progress(before + n, total)) if progress else None
                if reader is not None:
                    # Keep the helper one volume ahead (it buffers a few batches besides).
                    # Never more: requests it cannot read while we do not read its output
                    # would fill both pipes and deadlock.
                    while requested < min(i + 2, len(paths)):
                        first = self._next_rowid() if requested == 0 else None
                        reader.request(paths[requested], first, blob)
                        requested += 1
                    items = reader.stream(path, progress=cb)
                else:
                    items = _batches(read_volume(path, progress=cb), None, annotators=annotators)
                results.append(self._ingest_items(path, size, items, annotators))
                before += size
        except BaseException:
            if reader is not None:
                reader.reset()  # its stream may be half read; never reuse it
            raise
        finally:
            if reader is not None:
                reader.release()
        return results

    def _next_rowid(self) -> int:
        return self.conn.execute("SELECT coalesce(max(rowid), 0) + 1 FROM documents").fetchone()[0]

    def _ingest_items(
        self,
        path: Path,
        size: int,
        items: _BatchStream,
        annotators: Sequence[Annotator] = (),
    ) -> IngestResult:
        import time

        started = time.perf_counter()
        conn = self.conn
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        conn.execute(f"PRAGMA cache_size = {-INGEST_CACHE_KIB}")
        conn.execute("BEGIN IMMEDIATE")
        try:
            volume = next(items)
            assert isinstance(volume, Volume)
            replaced = self._delete_volume(volume.id)
            conn.execute(
                "INSERT INTO volumes (id, title, series, subseries, volume_number, volume_title,"
                " editors, general_editors, publisher, pub_place, published, source_path, sha256,"
                " bytes, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    volume.id, volume.title, volume.series, volume.subseries, volume.volume_number,
                    volume.volume_title, json.dumps(volume.editors),
                    json.dumps(volume.general_editors), volume.publisher, volume.pub_place,
                    volume.published, str(path.resolve()), "", size,
                    datetime.now(timezone.utc).isoformat(timespec="seconds"),
                ),
            )
            conn.executemany(
                "INSERT INTO persons VALUES (?,?,?,?)",
                [(volume.id, p.id, p.name, p.description) for p in volume.persons],
            )
            conn.executemany(
                "INSERT INTO terms VALUES (?,?,?,?)",
                [(volume.id, t.id, t.term, t.expansion) for t in volume.terms],
            )
            # Rowids are given, not left to SQLite, so that the reader can build every row of
            # a batch (documents, paragraphs, footnotes, persons, cross-references) and each
            # table takes one executemany per batch. Any rowid above max(rowid) is free.
            free = self._next_rowid()
            items.start(free)
            shift = None
            ndocs = npars = 0
            seen: set[str] = set()
            for batch in items:
                assert isinstance(batch, _Batch)
                for doc_id in batch.ids:
                    if doc_id in seen or not doc_id:
                        raise SourceError(
                            path,
                            f"document id {doc_id or '(missing)'!r} is {'empty' if not doc_id else 'repeated'}",
                            hint="each div[@type='document'] needs a unique xml:id",
                        )
                    seen.add(doc_id)
                if shift is None:
                    # A helper that read ahead guessed its rowids before this volume's older
                    # copy was deleted (or another writer took some): move them to the first
                    # free rowid, so that rowids do not depend on how the volume was read.
                    shift = free - batch.first_rowid
                if shift:
                    batch = batch.shifted(shift)
                self._insert_batch(batch, annotators)
                ndocs += len(batch.ids)
                npars += len(batch.paragraphs)
            if ndocs == 0:
                raise SourceError(
                    path,
                    "not a FRUS volume: it has no div[@type='document']",
                    hint="give a FRUS TEI volume with documents",
                )
            # The digest is known only once the reader has consumed the whole file.
            conn.execute("UPDATE volumes SET sha256 = ? WHERE id = ?", (volume.sha256, volume.id))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.execute(f"PRAGMA cache_size = {cache}")
        return IngestResult(
            volume.id, volume.title, ndocs, npars, len(volume.persons), len(volume.terms), size,
            replaced, time.perf_counter() - started,
        )

    def _insert_batch(
        self, batch: _Batch, annotators: Sequence[Annotator] = ()
    ) -> None:
        conn = self.conn
        first = batch.first_rowid
        conn.executemany(_INSERT_DOC, batch.documents)
        conn.executemany("INSERT INTO document_texts VALUES (?,?,?,?)", batch.texts)
        # One FTS5 insert per batch: the tokenizer runs over the whole batch in one step.
        conn.execute(_INSERT_FTS, (first, first + len(batch.ids) - 1))
        conn.executemany("INSERT INTO paragraphs VALUES (?,?,?,?,?)", batch.paragraphs)
        conn.executemany("INSERT INTO footnotes VALUES (?,?,?,?,?,?,?)", batch.footnotes)
        conn.executemany("INSERT INTO doc_persons VALUES (?,?,?)", batch.persons)
        conn.executemany("INSERT INTO crossrefs VALUES (?,?,?,?,?,?)", batch.crossrefs)
        if annotators:
            for annotator, rows in zip(annotators, batch.annotated(annotators)):
                conn.executemany(annotator.insert_sql, rows)

    def _delete_volume(self, volume_id: str) -> bool:
        conn = self.conn
        exists = conn.execute("SELECT 1 FROM volumes WHERE id = ?", (volume_id,)).fetchone()
        if not exists:
            return False
        # External-content FTS needs the old values to remove its entries.
        conn.execute(
            "INSERT INTO documents_fts (documents_fts, rowid, heading, text, notes)"
            " SELECT 'delete', t.rowid, t.heading, t.text, t.notes FROM document_texts t"
            " JOIN documents d ON d.rowid = t.rowid WHERE d.volume_id = ?",
            (volume_id,),
        )
        # The contentless paragraph index likewise needs the text of what it indexed.
        conn.execute(
            "INSERT INTO paragraphs_fts (paragraphs_fts, rowid, text)"
            " SELECT 'delete', p.doc * 100000 + p.idx, p.text FROM paragraphs p"
            " JOIN documents d ON d.rowid = p.doc"
            " JOIN index_state s ON s.what = 'paragraphs_fts' AND s.doc = p.doc"
            " WHERE d.volume_id = ?",
            (volume_id,),
        )
        conn.execute("DELETE FROM volumes WHERE id = ?", (volume_id,))  # cascades
        return True

    def remove(self, volume_id: str) -> None:
        """Remove a volume and everything derived from it."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            if not self._delete_volume(volume_id):
                raise NotFoundError(f"no volume {volume_id!r} in this project")
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    # -- reading -------------------------------------------------------------------------
    def volumes(self) -> list[Volume]:
        rows = self.conn.execute("SELECT * FROM volumes ORDER BY id").fetchall()
        return [self._volume(r) for r in rows]

    def volume(self, volume_id: str) -> Volume:
        row = self.conn.execute("SELECT * FROM volumes WHERE id = ?", (volume_id,)).fetchone()
        if row is None:
            raise NotFoundError(
                f"no volume {volume_id!r} in this project",
                hint="see `allytrace stats` for the volumes held",
            )
        vol = self._volume(row)
        vol.persons = [
            Person(r["id"], r["name"], r["description"] or "")
            for r in self.conn.execute(
                "SELECT id, name, description FROM persons WHERE volume_id = ? ORDER BY name",
                (volume_id,),
            )
        ]
        vol.terms = [
            Term(r["id"], r["term"], r["expansion"] or "")
            for r in self.conn.execute(
                "SELECT id, term, expansion FROM terms WHERE volume_id = ? ORDER BY term", (volume_id,)
            )
        ]
        return vol

    @staticmethod
    def _volume(row: sqlite3.Row) -> Volume:
        return Volume(
            id=row["id"], title=row["title"], series=row["series"] or "",
            subseries=row["subseries"] or "", volume_number=row["volume_number"] or "",
            volume_title=row["volume_title"] or "", editors=json.loads(row["editors"] or "[]"),
            general_editors=json.loads(row["general_editors"] or "[]"),
            publisher=row["publisher"] or "", pub_place=row["pub_place"] or "",
            published=row["published"] or "", source_path=row["source_path"] or "",
            sha256=row["sha256"] or "",
        )

    def rowid(self, key: str) -> int:
        row = self.conn.execute("SELECT rowid FROM documents WHERE key = ?", (normalize_key(key),)).fetchone()
        if row is None:
            raise NotFoundError(
                f"no document {key!r} in this project",
                hint="document ids look like frus1964-68v29p2/d87; try `allytrace search`",
            )
        return row[0]

    def has(self, key: str) -> bool:
        return self.conn.execute(
            "SELECT 1 FROM documents WHERE key = ?", (normalize_key(key),)
        ).fetchone() is not None

    def document(self, key: str) -> Document:
        """The document as a record, rebuilt from the tables (raises NotFoundError)."""
        rowid = self.rowid(key)
        return self._document(rowid)

    def get(self, key: str) -> Document | None:
        """Like ``document`` but None when absent: the lookup the case validator takes."""
        try:
            return self.document(key)
        except NotFoundError:
            return None

    def _document(self, rowid: int) -> Document:
        c = self.conn
        r = c.execute("SELECT * FROM documents WHERE rowid = ?", (rowid,)).fetchone()
        date = FuzzyDate.parse(r["date"]) if r["date"] else None
        if date and r["time"]:
            date = FuzzyDate(date.start, date.end, date.within, date.certainty, r["time"])
        source = (
            SourceNote(r["source_note"], r["archive"] or "", r["classification"] or "", r["drafter"] or "")
            if r["source_note"]
            else None
        )
        return Document(
            volume_id=r["volume_id"], id=r["id"], number=r["number"] or "", heading=r["heading"],
            kind=r["kind"], date=date, date_text=r["date_text"] or "", place=r["place"] or "",
            sender=[s for s in (r["sender"] or "").split("; ") if s],
            recipient=[s for s in (r["recipient"] or "").split("; ") if s],
            source=source,
            paragraphs=[
                Paragraph(p["idx"], p["text"], p["start"], p["page"])
                for p in c.execute("SELECT * FROM paragraphs WHERE doc = ? ORDER BY idx", (rowid,))
            ],
            footnotes=[
                Footnote(f["id"] or "", f["n"] or "", f["text"], f["paragraph"], bool(f["is_source"]))
                for f in c.execute("SELECT * FROM footnotes WHERE doc = ? ORDER BY seq", (rowid,))
            ],
            persons=[
                p[0]
                for p in c.execute("SELECT person_id FROM doc_persons WHERE doc = ? ORDER BY seq", (rowid,))
            ],
            crossrefs=[
                CrossRef(x["target"], x["volume"] or "", x["document"], x["text"] or "")
                for x in c.execute("SELECT * FROM crossrefs WHERE doc = ? ORDER BY seq", (rowid,))
            ],
            pages=json.loads(r["pages"] or "[]"),
        )

    def iter_documents(self, volume_id: str | None = None) -> Iterator[Document]:
        sql = "SELECT rowid FROM documents"
        args: tuple = ()
        if volume_id:
            sql += " WHERE volume_id = ?"
            args = (volume_id,)
        for (rowid,) in self.conn.execute(sql + " ORDER BY volume_id, seq", args).fetchall():
            yield self._document(rowid)

    def persons_of(self, volume_id: str, ids: list[str]) -> list[Person]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            f"SELECT id, name, description FROM persons WHERE volume_id = ? AND id IN ({marks})",
            (volume_id, *ids),
        ).fetchall()
        by_id = {r["id"]: Person(r["id"], r["name"], r["description"] or "") for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def neighbours(self, key: str) -> tuple[str | None, str | None]:
        """Previous and next document in volume order."""
        r = self.conn.execute(
            "SELECT volume_id, seq FROM documents WHERE key = ?", (normalize_key(key),)
        ).fetchone()
        if r is None:
            return None, None
        prev = self.conn.execute(
            "SELECT key FROM documents WHERE volume_id = ? AND seq < ? ORDER BY seq DESC LIMIT 1",
            (r[0], r[1]),
        ).fetchone()
        nxt = self.conn.execute(
            "SELECT key FROM documents WHERE volume_id = ? AND seq > ? ORDER BY seq LIMIT 1",
            (r[0], r[1]),
        ).fetchone()
        return (prev[0] if prev else None, nxt[0] if nxt else None)

    def stats(self) -> dict:
        c = self.conn
        one = lambda sql: c.execute(sql).fetchone()[0]  # noqa: E731
        kinds = dict(c.execute("SELECT kind, count(*) FROM documents GROUP BY kind").fetchall())
        per_volume = [
            {
                "id": r["id"], "title": r["title"], "documents": r["n"], "dated": r["dated"],
                "with_source_note": r["src"], "first_date": r["lo"], "last_date": r["hi"],
                "sha256": r["sha256"], "bytes": r["bytes"], "ingested_at": r["ingested_at"],
            }
            for r in c.execute(
                "SELECT v.id, v.title, v.sha256, v.bytes, v.ingested_at, count(d.rowid) AS n,"
                " count(d.date) AS dated, count(d.source_note) AS src,"
                " min(d.date_start) AS lo, max(d.date_end) AS hi"
                " FROM volumes v LEFT JOIN documents d ON d.volume_id = v.id GROUP BY v.id ORDER BY v.id"
            )
        ]
        return {
            "volumes": one("SELECT count(*) FROM volumes"),
            "documents": one("SELECT count(*) FROM documents"),
            "documents_by_kind": kinds,
            "dated_documents": one("SELECT count(*) FROM documents WHERE date IS NOT NULL"),
            "with_date_element": one("SELECT count(*) FROM documents WHERE date_text != ''"),
            "with_source_note": one("SELECT count(*) FROM documents WHERE source_note IS NOT NULL"),
            "with_heading": one("SELECT count(*) FROM documents WHERE heading != ''"),
            "paragraphs": one("SELECT count(*) FROM paragraphs"),
            "footnotes": one("SELECT count(*) FROM footnotes"),
            "persons": one("SELECT count(*) FROM persons"),
            "terms": one("SELECT count(*) FROM terms"),
            "crossrefs": one("SELECT count(*) FROM crossrefs"),
            "first_date": one("SELECT min(date_start) FROM documents"),
            "last_date": one("SELECT max(date_end) FROM documents"),
            "per_volume": per_volume,
            "database_bytes": _db_bytes(c),
        }


def _db_bytes(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA database_list").fetchone()
    path = row[2] if row else ""
    total = 0
    for suffix in ("", "-wal"):
        try:
            total += os.path.getsize(path + suffix)
        except OSError:
            pass
    return total


def normalize_key(key: str) -> str:
    """Accept 'frus1964-68v29p2/d87', a history.state.gov URL, or 'frus1964-68v29p2#d87'."""
    key = key.strip()
    if "historicaldocuments/" in key:
        key = key.split("historicaldocuments/", 1)[1]
    return key.replace("#", "/").strip("/")


def _check_path(path: Path) -> None:
    if not path.exists():
        raise SourceError(path, "no such file", hint="check the path, or `allytrace fetch VOLUME_ID`")
    if path.is_dir():
        raise SourceError(path, "is a folder, not a TEI file", hint="give the volume's .xml file")


# -- reading in a helper process -----------------------------------------------------------
# Parsing a volume and writing it cost about the same CPU time, and SQLite cannot write from
# two processes at once, so an ingest on two cores is a pipeline: a helper process runs the
# reader and sends Documents (pickled, in batches) through a pipe while this process writes.
# The helper is a plain subprocess (no multiprocessing: nothing of the caller's __main__ is
# re-imported), started once per process and kept for later ingests. It exits when its
# stdin closes, and when its stdout breaks because this process died, however it died.


def _pickle(obj: object) -> bytes:
    import pickle

    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def _send_frame(out, data: bytes) -> None:  # type: ignore[no-untyped-def]
    out.write(len(data).to_bytes(8, "little"))
    out.write(data)
    out.flush()


def _recv_frame(inp) -> bytes | None:  # type: ignore[no-untyped-def]
    head = inp.read(8)
    if len(head) < 8:
        return None
    n = int.from_bytes(head, "little")
    data = inp.read(n)
    if len(data) < n:
        return None
    return data


def _reader_main() -> None:
    """The helper process: read each requested volume, stream its records back."""
    import pickle
    import queue
    import signal
    import threading
    import traceback

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed by accident goes to stderr, not into the frames
    inp = os.fdopen(os.dup(0), "rb")
    frames: queue.Queue[bytes | None] = queue.Queue(maxsize=8)  # bounded read-ahead

    def annotate_here() -> bool:
        # Frames waiting to be sent mean the writer is busy: annotate here. An empty queue
        # means the writer is waiting for us: leave the batch's annotation to the writer.
        return frames.qsize() > 0

    def sender() -> None:
        try:
            while (frame := frames.get()) is not None:
                _send_frame(out, frame)
        except OSError:  # the parent is gone
            os._exit(0)

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()

    def put(obj: object) -> None:
        frames.put(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))

    counter: list[int | None] = [None]  # the next rowid, carried from volume to volume
    annotators: tuple[bytes, list] = (b"", [])  # unpickled once per ingest, not per volume
    while (request := _recv_frame(inp)) is not None:
        path, first_rowid, blob = pickle.loads(request)
        if first_rowid is not None:
            counter[0] = first_rowid
        pos = [0]
        try:
            if blob != annotators[0]:
                annotators = (blob, pickle.loads(blob))
            volume: Volume | None = None
            stream = _batches(read_volume(path, progress=lambda n: pos.__setitem__(0, n)), None, counter,
                              annotators[1], annotate_here)
            for item in stream:
                if isinstance(item, Volume):
                    volume = item
                    put(("volume", item, pos[0]))
                else:
                    put(("batch", item, pos[0]))
            put(("end", volume.sha256 if volume else "", pos[0]))
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the parent
            if isinstance(exc, SourceError) or type(exc).__module__.startswith("allytrace."):
                put(("error", type(exc), exc.args, exc.__dict__, ""))
            else:
                put(("error", None, (), {}, traceback.format_exc()))
    frames.put(None)
    thread.join()


class _ReaderProcess:
    """The one helper process of this process (see ``_reader_main``)."""

    _current: _ReaderProcess | None = None
    _lock = threading.Lock()
    _atexit = False

    def __init__(self) -> None:
        import subprocess
        import sys

        env = dict(os.environ)
        src = str(Path(__file__).resolve().parents[2])  # the folder holding allytrace/
        env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.pid = os.getpid()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from allytrace.store.corpus import _reader_main; _reader_main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )

    @classmethod
    def running(cls) -> bool:
        cur = cls._current
        return cur is not None and cur.pid == os.getpid() and cur.proc.poll() is None

    @classmethod
    def acquire(cls) -> _ReaderProcess | None:
        """The helper, started if need be; None if another thread is using it or it cannot start."""
        if not cls._lock.acquire(blocking=False):
            return None
        try:
            if not cls.running():
                cls._current = cls()
                if not cls._atexit:
                    import atexit

                    atexit.register(cls.shutdown)
                    cls._atexit = True
            return cls._current
        except OSError:
            cls._lock.release()
            return None

    def release(self) -> None:
        type(self)._lock.release()

    @classmethod
    def shutdown(cls) -> None:
        cur, cls._current = cls._current, None
        if cur is not None and cur.pid == os.getpid():
            cur.kill()

    def reset(self) -> None:
        """Stop the helper (after an error its pipe may hold half a volume)."""
        if type(self)._current is self:
            type(self)._current = None
        self.kill()

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - already gone
            pass
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()  # type: ignore[union-attr]
            except Exception:  # noqa: BLE001
                pass

    def request(self, path: Path, first_rowid: int | None, annotators: bytes = b"") -> None:
        """Ask for a volume; rowids from ``first_rowid`` (None: after the previous volume);
        ``annotators`` pickled (see ``_pickle``)."""
        import pickle

        try:
            _send_frame(self.proc.stdin, pickle.dumps((str(path), first_rowid, annotators)))
        except OSError:
            raise SourceError(
                path, f"the reader process is not running (exit code {self.proc.poll()})",
                hint="run the ingest again; if it recurs, read in-process with parallel=False",
            ) from None

    def stream(self, path: Path, *, progress: Callable[[int], None] | None = None) -> _BatchStream:
        """The records of ``path`` (already requested): the ``Volume``, then ``_Batch`` es."""
        return _BatchStream(self._frames(path, progress), [0])

    def _frames(self, path: Path, progress: Callable[[int], None] | None) -> Iterator[Volume | _Batch]:
        import pickle

        volume: Volume | None = None
        while True:
            data = _recv_frame(self.proc.stdout)
            if data is None:
                code = self.proc.poll()
                raise SourceError(
                    path, f"the reader process stopped unexpectedly (exit code {code})",
                    hint="run the ingest again; if it recurs, read in-process with parallel=False",
                )
            kind, *rest = pickle.loads(data)
            if kind == "batch":
                if progress:
                    progress(rest[1])
                yield rest[0]
            elif kind == "volume":
                volume = rest[0]
                if progress:
                    progress(rest[1])
                yield volume
            elif kind == "end":
                if volume is not None:
                    volume.sha256 = rest[0]
                if progress:
                    progress(rest[1])
                return
            else:
                cls, args, attrs, tb = rest
                if cls is None:
                    raise RuntimeError(f"the reader process failed on {path}:\n{tb}")
                exc = cls.__new__(cls)
                exc.args = args
                exc.__dict__.update(attrs)
                raise exc
