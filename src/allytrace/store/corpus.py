"""The corpus in the project database: ingest volumes, read documents back as records."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

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
    notes = []
    if doc.source:
        notes.append(doc.source.text)
    notes.extend(f.text for f in doc.footnotes if not f.is_source or not doc.source)
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
        json.dumps(doc.pages), doc.text, "\n".join(notes),
    )


_INSERT_DOC = (
    "INSERT INTO documents (key, volume_id, id, number, seq, heading, kind, date, date_start,"
    " date_end, date_precision, date_text, time, place, sender, recipient, source_note, archive,"
    " classification, drafter, pages, text, notes)"
    " VALUES (" + ",".join("?" * 23) + ")"
)


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
        on_document: Callable[[int, Document], None] | None = None,
    ) -> IngestResult:
        """Ingest (or atomically replace) one FRUS TEI volume.

        The whole volume is one transaction: if the file turns out to be malformed halfway,
        or the process dies, the project keeps exactly what it held before.
        ``on_document(rowid, doc)`` lets later pipeline stages (mention linking) work inside
        the same transaction.
        """
        import time

        started = time.perf_counter()
        path = Path(path)
        size = path.stat().st_size if path.exists() else 0
        if not path.exists():
            raise SourceError(path, "no such file", hint="check the path, or `allytrace fetch VOLUME_ID`")
        if path.is_dir():
            raise SourceError(path, "is a folder, not a TEI file", hint="give the volume's .xml file")
        items = read_volume(path, progress=(lambda n: progress(n, size)) if progress else None)
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            first = next(items)
            assert isinstance(first, Volume)
            volume = first
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
            ndocs = npars = 0
            seen: set[str] = set()
            for seq, doc in enumerate(items):
                assert isinstance(doc, Document)
                if doc.id in seen or not doc.id:
                    raise SourceError(
                        path,
                        f"document id {doc.id or '(missing)'!r} is {'empty' if not doc.id else 'repeated'}",
                        hint="each div[@type='document'] needs a unique xml:id",
                    )
                seen.add(doc.id)
                rowid = self._insert_document(doc, seq)
                if on_document:
                    on_document(rowid, doc)
                ndocs += 1
                npars += len(doc.paragraphs)
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
        return IngestResult(
            volume.id, volume.title, ndocs, npars, len(volume.persons), len(volume.terms), size,
            replaced, time.perf_counter() - started,
        )

    def _insert_document(self, doc: Document, seq: int) -> int:
        conn = self.conn
        cur = conn.execute(_INSERT_DOC, _doc_row(doc, seq))
        rowid = cur.lastrowid
        assert rowid is not None
        conn.execute(
            "INSERT INTO documents_fts (rowid, heading, text, notes)"
            " SELECT rowid, heading, text, notes FROM documents WHERE rowid = ?",
            (rowid,),
        )
        conn.executemany(
            "INSERT INTO paragraphs VALUES (?,?,?,?,?)",
            [(rowid, p.index, p.start, p.page, p.text) for p in doc.paragraphs],
        )
        conn.executemany(
            "INSERT INTO footnotes VALUES (?,?,?,?,?,?,?)",
            [
                (rowid, i, f.id, f.n, f.paragraph, int(f.is_source), f.text)
                for i, f in enumerate(doc.footnotes)
            ],
        )
        conn.executemany(
            "INSERT INTO doc_persons VALUES (?,?,?)",
            [(rowid, pid, i) for i, pid in enumerate(doc.persons)],
        )
        conn.executemany(
            "INSERT INTO crossrefs VALUES (?,?,?,?,?,?)",
            [(rowid, i, c.target, c.volume, c.document, c.text) for i, c in enumerate(doc.crossrefs)],
        )
        return rowid

    def _delete_volume(self, volume_id: str) -> bool:
        conn = self.conn
        exists = conn.execute("SELECT 1 FROM volumes WHERE id = ?", (volume_id,)).fetchone()
        if not exists:
            return False
        # External-content FTS needs the old values to remove its entries.
        conn.execute(
            "INSERT INTO documents_fts (documents_fts, rowid, heading, text, notes)"
            " SELECT 'delete', rowid, heading, text, notes FROM documents WHERE volume_id = ?",
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
