"""Case folders on disk: strict loading, atomic writes with backups, comment-keeping round trips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from allytrace.case import (
    Evidence,
    add_evidence,
    atomic_write_text,
    load_case,
    save_evidence,
    save_kind,
    update_assessment,
)
from allytrace.case.builtin import builtin_files
from allytrace.case.files import BACKUP_DIR, KEEP_BACKUPS
from allytrace.errors import CaseError
from case_support import case_dir, synthetic_lookup  # noqa: F401  (case_dir is a fixture)

KIND_FILES = [
    "actors.yaml",
    "institutions.yaml",
    "plans.yaml",
    "events.yaml",
    "hypotheses.yaml",
    "evidence.yaml",
]




def _no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


# -- loading -----------------------------------------------------------------------------------


def test_load_minimal_case(case_dir: Path) -> None:
    case = load_case(case_dir)
    assert case.info.id == "minimal"
    assert [a.id for a in case.actors] == ["alpha", "beta", "alpha-ministry"]
    assert str(case.get("test-committee").established) == "1962"
    assert case.get("test-event").date.precision == "day"
    assert case.get("ev-two").footnote == "d1fn1"


def test_plain_and_round_trip_loaders_read_the_same_case(case_dir: Path) -> None:
    """load_case reads with the fast plain loader; it must see what the round-trip one sees."""
    from allytrace.case.files import parse_case

    builtin = Path(__file__).resolve().parents[1] / "src" / "allytrace" / "case" / "builtin" / "japan-us"
    for folder in (case_dir, builtin):
        fast, slow = parse_case(folder, fast=True), parse_case(folder)
        assert fast.case == slow.case and fast.case.info is not None
        assert [p.message for p in fast.problems] == [p.message for p in slow.problems]
        assert load_case(folder) == slow.case


def test_strict_load_names_file_line_and_field(case_dir: Path) -> None:
    path = case_dir / "institutions.yaml"
    path.write_text(path.read_text().replace("established: 1962", "established: 1967-02-30"))
    with pytest.raises(CaseError) as info:
        load_case(case_dir)
    assert str(info.value) == f"{path}:5: institutions[0].established: no such day: '1967-02-30'"
    assert (info.value.line, info.value.field) == (5, "institutions[0].established")


def test_bad_yaml_is_one_clear_line(case_dir: Path) -> None:
    path = case_dir / "events.yaml"
    path.write_text("events:\n  - id: x\n    name: {en: [unclosed\n")
    with pytest.raises(CaseError) as info:
        load_case(case_dir)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(f"{path}:")
    assert "invalid YAML" in text
    assert info.value.line is not None


def test_missing_header_and_missing_folder(tmp_path: Path, case_dir: Path) -> None:
    with pytest.raises(CaseError, match="no case folder"):
        load_case(tmp_path / "nope")
    (case_dir / "case.yaml").unlink()
    with pytest.raises(CaseError, match="missing case.yaml"):
        load_case(case_dir)


def test_absent_kind_file_is_empty(case_dir: Path) -> None:
    (case_dir / "plans.yaml").unlink()
    assert load_case(case_dir).plans == []


# -- atomic writes and backups ------------------------------------------------------------------


def test_atomic_write_keeps_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "actors.yaml"
    assert atomic_write_text(path, "actors: []\n") is None  # new file: nothing to back up
    saved = atomic_write_text(path, "actors: [1]\n")
    assert path.read_text() == "actors: [1]\n"
    assert (tmp_path / "actors.yaml.bak").read_text() == "actors: []\n"
    assert saved is not None and saved.parent == tmp_path / BACKUP_DIR
    assert saved.read_text() == "actors: []\n"
    assert _no_temp_files(tmp_path)


def test_backups_are_pruned(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    for i in range(KEEP_BACKUPS + 4):
        atomic_write_text(path, f"version {i}\n")
    kept = sorted((tmp_path / BACKUP_DIR).glob("events.*.yaml"))
    assert len(kept) == KEEP_BACKUPS
    assert kept[-1].read_text() == f"version {KEEP_BACKUPS + 2}\n"  # the one before the last write
    assert (tmp_path / "events.yaml.bak").read_text() == f"version {KEEP_BACKUPS + 2}\n"


def test_interrupted_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plans.yaml"
    path.write_text("plans: []\n")

    def boom(src, dst):  # the rename is where a crash would hurt
        raise OSError("disk unplugged")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(path, "plans: [changed]\n")
    assert path.read_text() == "plans: []\n"
    assert _no_temp_files(tmp_path)


def test_save_through_the_api_is_atomic_and_leaves_a_backup(case_dir: Path) -> None:
    before = (case_dir / "evidence.yaml").read_text()
    update_assessment(case_dir, "ev-two", "h-one", likelihood=0.3, rationale="weak")
    assert (case_dir / "evidence.yaml.bak").read_text() == before
    assert len(list((case_dir / BACKUP_DIR).glob("evidence.*.yaml"))) == 1
    assert _no_temp_files(case_dir)


# -- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["actors", "institutions", "plans", "events", "hypotheses", "evidence"]
)
def test_saving_unchanged_items_rewrites_the_same_bytes(case_dir: Path, kind: str) -> None:
    filename = f"{kind}.yaml"
    before = (case_dir / filename).read_text()
    save_kind(case_dir, kind, load_case(case_dir).items(kind))
    assert (case_dir / filename).read_text() == before


def test_builtin_case_round_trips_byte_for_byte(tmp_path: Path) -> None:
    folder = tmp_path / "japan-us"
    folder.mkdir()
    for name, text in builtin_files("japan-us").items():
        (folder / name).write_text(text, encoding="utf-8")
    case = load_case(folder)
    for kind in ["actors", "institutions", "plans", "events", "hypotheses", "evidence"]:
        save_kind(folder, kind, case.items(kind))
    for name, text in builtin_files("japan-us").items():
        assert (folder / name).read_text(encoding="utf-8") == text, name
    assert load_case(folder) == case


def test_update_keeps_comments_and_other_items(case_dir: Path) -> None:
    ev = update_assessment(case_dir, "ev-one", "h-two", likelihood=0.25, test="hoop")
    assert ev.assessments["h-two"].likelihood == 0.25
    assert ev.assessments["h-one"].likelihood == 0.8  # untouched
    text = (case_dir / "evidence.yaml").read_text()
    assert "  # first item" in text
    assert "h-one: {likelihood: 0.8, test: straw-in-the-wind, rationale: fits}" in text
    again = load_case(case_dir).get("ev-one")
    assert again.assessments["h-two"].test == "hoop"
    assert again.quote == "a standing committee would help both"


def test_update_can_clear_a_field(case_dir: Path) -> None:
    ev = update_assessment(case_dir, "ev-one", "h-one", rationale=None)
    assert ev.assessments["h-one"].rationale is None
    assert ev.assessments["h-one"].likelihood == 0.8


def test_update_rejects_bad_values_and_unknown_ids(case_dir: Path) -> None:
    before = (case_dir / "evidence.yaml").read_text()
    with pytest.raises(CaseError, match="assessments.h-one.likelihood"):
        update_assessment(case_dir, "ev-one", "h-one", likelihood=1.5)
    with pytest.raises(CaseError, match="no evidence with id 'ev-nine'"):
        update_assessment(case_dir, "ev-nine", "h-one", likelihood=0.5)
    with pytest.raises(CaseError, match="not in set 'why-committee'"):
        update_assessment(case_dir, "ev-one", "h-nine", likelihood=0.5)
    assert (case_dir / "evidence.yaml").read_text() == before


NEW = {
    "id": "ev-three",
    "target": "why-committee",
    "hypothesis": "h-one",
    "document": "testvol/d1",
    "paragraph": 2,
    "start": 19,
    "end": 50,
    "quote": "Officials agreed to meet again.",
    "stance": "context",
}


def test_add_evidence_appends_without_default_fields(case_dir: Path) -> None:
    add_evidence(case_dir, NEW, lookup=synthetic_lookup())
    case = load_case(case_dir)
    assert [e.id for e in case.evidence] == ["ev-one", "ev-two", "ev-three"]
    tail = (case_dir / "evidence.yaml").read_text().split("- id: ev-three", 1)[1]
    assert "depends_on" not in tail and "assessments" not in tail and "note" not in tail
    assert "  # first item" in (case_dir / "evidence.yaml").read_text()


def test_add_evidence_refuses_duplicates_wrong_quotes_and_foreign_hypotheses(
    case_dir: Path,
) -> None:
    before = (case_dir / "evidence.yaml").read_text()
    with pytest.raises(CaseError, match="already exists"):
        add_evidence(case_dir, {**NEW, "id": "ev-one"})
    with pytest.raises(CaseError, match="it occurs once at 19–50") as info:
        add_evidence(case_dir, {**NEW, "start": 18, "end": 49}, lookup=synthetic_lookup())
    assert info.value.hint == "set start: 19 and end: 50"
    with pytest.raises(CaseError, match="no such document"):
        add_evidence(case_dir, {**NEW, "document": "testvol/d7"}, lookup=synthetic_lookup())
    with pytest.raises(CaseError, match="not in set"):
        add_evidence(case_dir, {**NEW, "hypothesis": "h-zero"})
    assert (case_dir / "evidence.yaml").read_text() == before


def test_save_evidence_rejects_duplicate_ids(case_dir: Path) -> None:
    items = load_case(case_dir).evidence
    with pytest.raises(CaseError, match="duplicate id"):
        save_evidence(case_dir, [items[0], items[0]])


def test_save_reorders_and_removes_by_id(case_dir: Path) -> None:
    items = load_case(case_dir).evidence
    save_evidence(case_dir, [items[1]])
    assert [e.id for e in load_case(case_dir).evidence] == ["ev-two"]
    save_evidence(case_dir, [Evidence.model_validate(NEW), items[1]])
    assert [e.id for e in load_case(case_dir).evidence] == ["ev-three", "ev-two"]


def test_save_kind_rejects_unknown_kinds(case_dir: Path) -> None:
    with pytest.raises(CaseError, match="unknown case file kind"):
        save_kind(case_dir, "claims", [])


def test_save_refuses_to_overwrite_a_broken_file(case_dir: Path) -> None:
    path = case_dir / "events.yaml"
    path.write_text("events: [\n")
    with pytest.raises(CaseError, match="invalid YAML"):
        save_kind(case_dir, "events", [])
    assert path.read_text() == "events: [\n"
