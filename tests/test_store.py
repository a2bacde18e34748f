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
