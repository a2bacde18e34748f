"""Robustness: ingests killed at random points, searches during an ingest, hostile huge files.

Every test here is bounded: a few volumes of a few hundred KB each, a handful of kills,
subprocesses that are always reaped. Nothing asserts a duration (see bench/ for speed).
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from allytrace import service
from allytrace.project import Project
from allytrace.sources.frus import read_volume
from allytrace.store.search import Filters, search

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).resolve().parent / "fixtures" / "mini-volume.xml"
COPIES = 120  # copies of the fixture's five documents per volume: 600 documents, ~0.4 MB
VOLUMES = 6


def scaled_volume(volume_id: str, copies: int) -> bytes:
    """The synthetic fixture with its documents repeated under new ids (d1-0, d1-1, …)."""
    text = MINI.read_text(encoding="utf-8")
    head, rest = text.split("<body>", 1)
    body, tail = rest.split("</body>", 1)
    bodies = [re.sub(r'xml:id="([^"]+)"', lambda m, k=k: f'xml:id="{m.group(1)}-{k}"', body) for k in range(copies)]
    head = head.replace("frus-test-v1", volume_id)
    return (head + "<body>" + "".join(bodies) + "</body>" + tail).encode("utf-8")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[list[Path], dict]:
    """VOLUMES scaled volumes, and what one of them holds once ingested."""
    folder = tmp_path_factory.mktemp("corpus")
    paths = []
    for i in range(VOLUMES):
        path = folder / f"frus-robust-{i}.xml"
        path.write_bytes(scaled_volume(f"frus-robust-{i}", COPIES))
        paths.append(path)
    items = list(read_volume(paths[0]))
    expected = {
        "documents": len(items) - 1,
        "paragraphs": sum(len(d.paragraphs) for d in items[1:]),
        "footnotes": sum(len(d.footnotes) for d in items[1:]),
        "sato": sum(1 for d in items[1:] if re.search(r"\bsat[oō]\b", (d.heading + " " + d.text + " "
                                                                          + " ".join(f.text for f in d.footnotes)).lower())),
    }
    # The mentions of the built-in case in one volume, from a full link after the ingest.
    project = Project.init(folder / "reference")
    project.corpus.ingest(paths[0], parallel=False)
    service.init_case(project, "japan-us")
    expected["mentions"] = project.db.execute("SELECT count(*) FROM mentions").fetchone()[0]
    project.close()
    assert expected["mentions"] > 0
    return paths, expected


INGEST = textwrap.dedent(
    """
    import sys
    from allytrace import service
    from allytrace.project import Project
    project = Project.open(sys.argv[1])
    parallel = {"auto": None, "yes": True, "no": False}[sys.argv[2]]
    # One line per progress report: the test kills the process after a random number of them.
    # The project's case is linked, so the ingest writes mentions as it goes.
    service.ingest_volumes(project, sys.argv[3:], parallel=parallel,
                           progress=lambda n, size: print(n, size, flush=True))
    print("done", flush=True)
    """
)


def start_ingest(project_dir: Path, paths: list[Path], parallel: str, mark: str) -> subprocess.Popen:
    env = dict(os.environ, ALLYTRACE_TEST_MARK=mark)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(
        [sys.executable, "-c", INGEST, str(project_dir), parallel, *map(str, paths)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def processes_with_mark(mark: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if f"ALLYTRACE_TEST_MARK={mark}".encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


def assert_consistent(db_path: Path, expected: dict) -> set[str]:
    """integrity_check, FTS5 integrity-check, and whole volumes only; returns the volumes."""
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO documents_fts(documents_fts) VALUES('integrity-check')")
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        volumes = dict(conn.execute("SELECT id, sha256 FROM volumes").fetchall())
        for vid, sha in volumes.items():
            assert sha, f"{vid} committed without its digest"
            docs = conn.execute("SELECT count(*) FROM documents WHERE volume_id = ?", (vid,)).fetchone()[0]
            pars = conn.execute(
                "SELECT count(*) FROM paragraphs p JOIN documents d ON d.rowid = p.doc WHERE d.volume_id = ?",
                (vid,),
            ).fetchone()[0]
            notes = conn.execute(
                "SELECT count(*) FROM footnotes f JOIN documents d ON d.rowid = f.doc WHERE d.volume_id = ?",
                (vid,),
            ).fetchone()[0]
            assert (docs, pars, notes) == (expected["documents"], expected["paragraphs"], expected["footnotes"]), vid
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == len(volumes) * expected["documents"]
        if "mentions" in expected:  # a project with a linked case: every volume's mentions, no more
            assert conn.execute("SELECT count(*) FROM mentions").fetchone()[0] == len(volumes) * expected["mentions"]
        # The index holds exactly the committed documents: a word in every copy counts them.
        hits = conn.execute("SELECT count(*) FROM documents_fts WHERE documents_fts MATCH 'Sato'").fetchone()[0]
        assert hits == len(volumes) * expected["sato"]
        return set(volumes)
    finally:
        conn.close()


def test_sigkill_at_random_points_leaves_a_consistent_project(tmp_path, corpus):
    paths, expected = corpus
    project_dir = tmp_path / "proj"
    project = Project.init(project_dir)
    service.init_case(project, "japan-us")  # linked while empty: each ingest links its documents
    project.close()
    rng = random.Random(20261121)
    mark = uuid.uuid4().hex
    seen_states = []
    for trial in range(6):
        parallel = ("yes", "no")[trial % 2]  # the helper-process reader and the in-process one
        proc = start_ingest(project_dir, paths, parallel, mark)
        # Kill after a random number of progress reports (there are ~15 to 20 per volume),
        # plus a random few milliseconds: anywhere in a read, a write or a commit.
        for _ in range(rng.randint(1, 90)):
            if not proc.stdout.readline():
                break
        time.sleep(rng.uniform(0, 0.05))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        # The helper reader notices its parent is gone (its pipes break) and exits.
        for _ in range(100):
            if not processes_with_mark(mark):
                break
            time.sleep(0.1)
        assert not processes_with_mark(mark), "a reader process outlived the killed ingest"
        seen_states.append(len(assert_consistent(project_dir / "allytrace.db", expected)))
    print("volumes present after each kill:", seen_states)
    # The next ingest completes the corpus, whatever state the kills left.
    proc = start_ingest(project_dir, paths, "auto", mark)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    assert assert_consistent(project_dir / "allytrace.db", expected) == {p.stem for p in paths}
    project = Project.open(project_dir)
    try:
        res = search(project.db, "Sato", limit=5)
        assert res.total == VOLUMES * expected["sato"]
        # What the interrupted ingests linked is what a full re-link finds.
        rows = "SELECT doc, paragraph, start, end, entity, method FROM mentions ORDER BY 1, 2, 3, 5"
        linked = project.db.execute(rows).fetchall()
        service.link_case(project, "japan-us")
        assert linked == project.db.execute(rows).fetchall()
    finally:
        project.close()


def test_searches_are_served_during_an_ingest(tmp_path, corpus):
    paths, expected = corpus
    project_dir = tmp_path / "proj"
    Project.init(project_dir).close()
    mark = uuid.uuid4().hex
    proc = start_ingest(project_dir, paths[:4], "yes", mark)
    reader = Project.open(project_dir, readonly=True)
    totals = []
    try:
        while proc.poll() is None:
            reader.db.execute("BEGIN")  # one snapshot for both searches
            try:
                res = search(reader.db, "Sato", limit=10)
                filtered = search(reader.db, "Sato", Filters(kind="document"), limit=10)
            finally:
                reader.db.execute("COMMIT")
            # Each search sees whole volumes only (one transaction per volume) …
            assert res.total % expected["sato"] == 0
            assert filtered.total <= res.total
            totals.append(res.total)
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()
        final = search(reader.db, "Sato", limit=10)
    finally:
        reader.close()
    assert totals, "no search ran while the ingest was running"
    # … and never sees one disappear.
    assert totals == sorted(totals)
    assert final.total == 4 * expected["sato"]


# -- hostile huge files -------------------------------------------------------------------
HOSTILE = textwrap.dedent(
    """
    import resource, sys
    cap = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from allytrace.errors import SourceError
    from allytrace.sources.frus import read_volume
    try:
        n = sum(1 for _ in read_volume(sys.argv[1]))
        print("completed", n)
    except SourceError as exc:
        print("source-error", exc)
    print("maxrss-kib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """
)
APPARENT = 1 << 30  # 1 GiB as the file system reports it
CAP = 1536 << 20  # the reader's whole address space, interpreter included
PREFIX = ('<?xml version="1.0" encoding="UTF-8"?>\n<TEI xmlns="http://www.tei-c.org/ns/1.0" '
          'xml:id="frus-hostile"><teiHeader/><text><body>').encode()


def _write_hostile(path: Path, kind: str) -> None:
    """A 1 GiB sparse file: a dense hostile head (tens of MB on disk), then a hole."""
    chunk = 1 << 20
    with path.open("wb") as fh:
        fh.write(PREFIX)
        if kind == "text-node":
            fh.write(b'<div type="document" xml:id="d1"><p>')
            for _ in range(24):
                fh.write(b"a" * chunk)
        elif kind == "attribute":
            fh.write(b'<div type="document" xml:id="d1"><p rend="')
            for _ in range(24):
                fh.write(b"b" * chunk)
        elif kind == "nesting":
            fh.write(b'<div type="document" xml:id="d1">')
            for _ in range(8):
                fh.write(b"<hi>" * (chunk // 4))
        elif kind == "elements":
            fh.write(b'<div type="document" xml:id="d1">')
            for _ in range(24):
                fh.write(b"<p>x</p>" * (chunk // 8))
        elif kind == "front":
            fh.write(b"<front>")
            for _ in range(24):
                fh.write(b"<lb/>" * (chunk // 5))
        fh.truncate(APPARENT)


@pytest.mark.parametrize("kind", ["text-node", "attribute", "nesting", "elements", "front"])
def test_hostile_gigabyte_file_fails_cleanly_within_a_memory_cap(tmp_path, kind):
    path = tmp_path / f"hostile-{kind}.xml"
    try:
        _write_hostile(path, kind)
        assert path.stat().st_size == APPARENT
        assert path.stat().st_blocks * 512 < 64 << 20  # sparse: bounded disk use
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
        proc = subprocess.run([sys.executable, "-c", HOSTILE, str(path), str(CAP)],
                              capture_output=True, text=True, env=env, timeout=600)
    finally:
        path.unlink(missing_ok=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("source-error"), proc.stdout
    assert "Traceback" not in proc.stderr
    maxrss_mib = int(lines[-1].split()[1]) / 1024
    assert maxrss_mib < CAP / 2**20
