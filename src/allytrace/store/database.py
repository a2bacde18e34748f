"""Opening the project database: WAL mode, foreign keys, explicit migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..errors import ProjectError
from .schema import MIGRATIONS, SCHEMA_VERSION


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open (and migrate, unless read-only) the database at ``path``.

    Autocommit mode: callers open transactions explicitly (``BEGIN IMMEDIATE``) so that one
    volume is one transaction and an interrupted ingest leaves the previous state intact.
    """
    path = Path(path)
    try:
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None,
                                   check_same_thread=False)
        else:
            conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA busy_timeout = 30000")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise ProjectError(
            f"{path}: not an allytrace database ({exc})",
            hint="move it aside; the database can be rebuilt with `allytrace ingest`",
        ) from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise ProjectError(
            f"{path}: database schema version {version} is newer than this allytrace "
            f"understands ({SCHEMA_VERSION})",
            hint="upgrade allytrace",
        )
    if version < SCHEMA_VERSION and not readonly:
        migrate(conn, version)
    return conn


def migrate(conn: sqlite3.Connection, current: int) -> None:
    """Apply the migrations after ``current``, each in its own transaction."""
    for number, (_name, sql) in enumerate(MIGRATIONS[current:], start=current + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (sqlite3.complete_statement knows triggers)."""
    out, buf = [], ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
