"""The project database: ingest, round-trip, replacement, migrations."""

from __future__ import annotations

import sqlite3

import pytest

from allytrace.errors import NotFoundError, ProjectError
from allytrace.project import Project
from allytrace.sources.frus import read_volume
from allytrace.store.database import connect
from allytrace.store.schema import SCHEMA_VERSION


def test_ingest_counts_and_roundtrip(mini_project, mini_path):
    st = mini_project.corpus.stats()
    assert st["documents"] == 5 and st["volumes"] == 1
    assert st["documents_by_kind"] == {"document": 3, "editorial-note": 1, "withheld": 1}
    items = read_volume(mini_path)
    next(items)
    for original in items:
        stored = mini_project.corpus.document(original.key)
        assert stored.heading == original.heading
        assert stored.text == original.text
        assert stored.paragraphs == original.paragraphs
        assert stored.footnotes == original.footnotes
        assert stored.date == original.date
        assert stored.source == original.source
        assert stored.crossrefs == original.crossrefs
        assert stored.persons == original.persons


def test_reingest_replaces_atomically(mini_project, mini_path):
    before = mini_project.db.execute("SELECT count(*) FROM documents_fts").fetchone()[0]
    res = mini_project.corpus.ingest(mini_path)
    assert res.replaced
    assert mini_project.db.execute("SELECT count(*) FROM documents").fetchone()[0] == 5
    # The FTS index holds no stale rows: a phrase matches exactly as often as before.
    assert mini_project.db.execute("SELECT count(*) FROM documents_fts").fetchone()[0] == before
    hits = mini_project.db.execute(
        "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"Security Subcommittee\"'"
    ).fetchone()[0]
    assert hits == 1


def test_wal_and_schema_version(mini_project):
    assert mini_project.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert mini_project.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "x.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(ProjectError, match="newer"):
        connect(db)


def test_not_a_database_is_refused(tmp_path):
    db = tmp_path / "x.db"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ProjectError, match="not an allytrace database"):
        connect(db)


def test_open_without_project_says_how_to_create(tmp_path):
    with pytest.raises(ProjectError, match="allytrace init"):
        Project.open(tmp_path)


def test_unknown_document(mini_project):
    with pytest.raises(NotFoundError):
        mini_project.corpus.document("frus-test-v1/d99")
    assert mini_project.corpus.neighbours("frus-test-v1/d2") == ("frus-test-v1/d1", "frus-test-v1/d3")


def test_remove_volume(mini_project):
    mini_project.corpus.remove("frus-test-v1")
    assert mini_project.corpus.stats()["documents"] == 0
    assert mini_project.db.execute("SELECT count(*) FROM paragraphs").fetchone()[0] == 0


class _Recorder:
    """A stateless annotator: one row per document with the date it was given."""

    insert_sql = "INSERT INTO crossrefs VALUES (?, 999, 'x', NULL, NULL, ?)"

    def rows(self, rowid, doc, date):  # type: ignore[no-untyped-def]
        return [(rowid, f"{doc.id}@{date}")]


def test_annotators_get_the_date_in_force_and_may_run_in_the_writer(mini_path):
    """An undated document is annotated with the last date before it in its volume; a batch
    left unannotated by the reader is annotated by the writer with the same rows, after any
    rowid shift."""
    from allytrace.sources.records import Volume
    from allytrace.store.corpus import _Batch, _batches

    items = list(read_volume(mini_path))
    vol, docs = items[0], {d.id: d for d in items[1:]}
    assert isinstance(vol, Volume) and docs["d1"].date is None and docs["d2"].date is not None
    order = [vol, docs["d2"], docs["d1"], docs["d3"]]  # an undated note after a dated document

    def stream(here: bool) -> _Batch:
        got = [b for b in _batches(iter(order), 1, annotators=[_Recorder()], annotate_here=lambda: here)
               if isinstance(b, _Batch)]
        assert len(got) == 1
        return got[0]

    built = stream(True)
    d2 = str(docs["d2"].date)
    assert [r[1] for r in built.extra[0]] == [f"d2@{d2}", f"d1@{d2}", f"d3@{docs['d3'].date}"]
    deferred = stream(False)
    assert deferred.extra is None and deferred.docs is not None
    moved = deferred.shifted(10)
    assert moved.annotated([_Recorder()]) == [[(r[0] + 10, r[1]) for r in built.extra[0]]]


def test_migration_moves_texts_out_of_documents_and_keeps_search(mini_project, tmp_path):
    """A version-3 database (text and notes inside documents) opens as the current schema
    with the same documents, the same search results and a sound FTS5 index."""
    from allytrace.store.database import _statements
    from allytrace.store.schema import MIGRATIONS
    from allytrace.store.search import search

    old = tmp_path / "v3.db"
    conn = sqlite3.connect(old, isolation_level=None)
    for _, sql in MIGRATIONS[:3]:
        for statement in _statements(sql):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 3")
    conn.execute("ATTACH DATABASE ? AS new", (str(mini_project.db_path),))
    for table in ("volumes", "persons", "terms", "paragraphs", "footnotes", "doc_persons", "crossrefs"):
        conn.execute(f"INSERT INTO {table} SELECT * FROM new.{table}")
    cols = [r[1] for r in conn.execute("PRAGMA table_info(documents)") if r[1] not in ("text", "notes")]
    conn.execute(
        f"INSERT INTO documents ({', '.join(cols)}, text, notes) SELECT {', '.join('d.' + c for c in cols)},"
        " t.text, t.notes FROM new.documents d JOIN new.document_texts t ON t.rowid = d.rowid"
    )
    conn.execute("DETACH DATABASE new")
    conn.execute("INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')")
    conn.close()

    migrated = connect(old)
    assert migrated.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert "text" not in [r[1] for r in migrated.execute("PRAGMA table_info(documents)")]
    migrated.execute("INSERT INTO documents_fts(documents_fts) VALUES ('integrity-check')")
    texts = "SELECT rowid, heading, text, notes FROM document_texts ORDER BY rowid"
    assert migrated.execute(texts).fetchall() == mini_project.db.execute(texts).fetchall()
    for query in ("China", '"Security Subcommittee"', "planning OR bomb"):
        want, got = search(mini_project.db, query), search(migrated, query)
        assert got.total == want.total > 0
        assert [(h.key, h.snippet) for h in got.hits] == [(h.key, h.snippet) for h in want.hits]
    migrated.close()
