"""Editing a case file by hand, then validate and timeline show the change (issue 3)."""

from __future__ import annotations

import json
import shutil

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def project_copy(case_project, tmp_path):
    """A private copy of the built-in-case project, safe to edit."""
    dest = tmp_path / "proj"
    shutil.copytree(case_project.root, dest, ignore=shutil.ignore_patterns("*.db-wal", "*.db-shm"))
    # A consistent database copy: SQLite's own backup, not a file copy of a WAL database.
    import sqlite3

    src = sqlite3.connect(case_project.db_path)
    dst = sqlite3.connect(dest / "allytrace.db")
    src.backup(dst)
    src.close()
    dst.close()
    return dest


def test_hand_edit_shows_in_validate_and_timeline(project_copy, run_cli):
    inst = project_copy / "cases" / "japan-us" / "institutions.yaml"
    text = inst.read_text(encoding="utf-8")
    assert "established: 1967-05-25" in text
    code, out, _ = run_cli("timeline", "-p", project_copy, "--no-chart", "--json")
    before = {i["id"]: i for i in json.loads(out)["items"]}
    assert before["security-subcommittee"]["start"] == "1967-05-25"

    # A plausible edit: the analyst decides only the month is certain.
    inst.write_text(text.replace("established: 1967-05-25", "established: 1967-05"), encoding="utf-8")
    code, out, err = run_cli("case", "validate", "-p", project_copy, "--json")
    assert code == 0, out + err
    code, out, _ = run_cli("timeline", "-p", project_copy, "--no-chart", "--json")
    after = {i["id"]: i for i in json.loads(out)["items"]}
    assert after["security-subcommittee"]["start"] == "1967-05"
    assert after["security-subcommittee"]["precision"] == "month"

    # A broken edit: validate names the file, the line and the field, and fails.
    inst.write_text(text.replace("established: 1967-05-25", "established: 1967-05-32"), encoding="utf-8")
    code, out, err = run_cli("case", "validate", "-p", project_copy)
    assert code != 0
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "established: 1967-05-25" in ln)
    assert f"institutions.yaml:{line}:" in out and "established" in out and "no such day" in out


def test_api_write_is_atomic_and_keeps_a_backup(project_copy):
    from allytrace.case.files import load_case, update_assessment

    folder = project_copy / "cases" / "japan-us"
    original = (folder / "evidence.yaml").read_text(encoding="utf-8")
    case = load_case(folder)
    ev = next(e for e in case.evidence if e.assessments)
    hid = next(iter(ev.assessments))
    update_assessment(folder, ev.id, hid, likelihood=0.42, rationale="revised after rereading")
    assert (folder / "evidence.yaml.bak").read_text(encoding="utf-8") == original
    assert list((folder / ".backups").glob("evidence.*.yaml"))
    assert not list(folder.glob("*.tmp")) and not list(folder.glob(".*.tmp"))
    again = load_case(folder)
    got = next(e for e in again.evidence if e.id == ev.id).assessments[hid]
    assert got.likelihood == 0.42 and got.rationale == "revised after rereading"
