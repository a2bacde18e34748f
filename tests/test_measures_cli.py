"""`allytrace measures` end to end: tables, JSON, CSV/Parquet, charts, rules and errors."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from allytrace.service import measures as svc
from testdata import ATOP_DIR


@pytest.fixture(scope="module", autouse=True)
def _measures_command():
    """Make sure the CLI has the measures command (cli/__init__ registers it once wired)."""
    from allytrace import cli
    from allytrace.cli import measures

    names = {getattr(c.callback, "__name__", None) for c in cli.app.registered_commands}
    if "measures" not in names:
        measures.register(cli.app)


@pytest.fixture
def project(tmp_path):
    from allytrace import service
    from allytrace.project import Project

    proj = Project.init(tmp_path / "proj")
    service.init_case(proj, "japan-us", link=False)
    yield proj
    proj.close()


def _typology_rules_moving(rule_id: str) -> str:
    """The default typology section with one rule moved to the top."""
    text = svc.DEFAULT_FILE.read_text(encoding="utf-8")
    section = text[text.index("typology:"):text.index("\ninitiative:")]
    head, _, body = section.partition("  rules:\n")
    rules_text, _, tail = body.partition("  fallback:")
    blocks = ["    - id:" + b for b in rules_text.split("    - id:")[1:]]
    moved = [b for b in blocks if b.startswith(f"    - id: {rule_id}\n")]
    assert moved, rule_id
    rest = [b for b in blocks if b not in moved]
    return head + "  rules:\n" + "".join(moved + rest) + "  fallback:" + tail


@pytest.fixture(scope="module")
def shared_project(tmp_path_factory):
    """A project that the read-only tests share (nothing may write rules into it)."""
    from allytrace import service
    from allytrace.project import Project

    proj = Project.init(tmp_path_factory.mktemp("measures") / "proj")
    service.init_case(proj, "japan-us", link=False)
    yield proj
    proj.close()


@pytest.fixture(scope="module")
def all_results(shared_project):
    if not ATOP_DIR.is_dir():
        pytest.skip(f"ATOP data not found at {ATOP_DIR}")
    results, skipped = svc.compute(shared_project, "all", atop_dir=ATOP_DIR)
    assert skipped == []
    return results


def test_json_csv_and_parquet(run_cli, shared_project, all_results, tmp_path):
    csv_dir, pq_dir = tmp_path / "csv", tmp_path / "pq"
    code, out, err = run_cli("measures", "--project", shared_project.root, "--json",
                             "--no-charts", "--atop", ATOP_DIR, "--csv", csv_dir,
                             "--parquet", pq_dir)
    assert code == 0, err
    data = json.loads(out)
    assert [m["measure"] for m in data["measures"]] == list(svc.MEASURES)
    sec = data["measures"][0]
    assert sec["definition"][0].startswith("Secretarial index, 1951–1978")
    row = next(v for v in sec["values"] if v["year"] == 1968)
    assert row["index_channels"] == 0.75 and row["index_meetings"] == 0.75
    assert next(v for v in sec["values"] if v["year"] == 1951)["index"] is None  # not NaN
    card = sec["items"]["security-subcommittee"]
    assert any(c.get("url", "").endswith("frus1964-68v29p2/d82") for c in card["citations"])
    typ = data["measures"][2]
    assert [v["rule"] for v in typ["values"]][:2] == ["asymmetric-things", "hybrid-itayama"]
    atop = data["measures"][4]
    assert [v["index"] for v in atop["values"]] == [2.0, 3.0]
    # Every table, written and read back, equals what the measures computed.
    written = {str(f) for f in data["files"]}
    for result in all_results:
        for stem, frame in result.tables().items():
            assert str(csv_dir / f"{stem}.csv") in written and \
                str(pq_dir / f"{stem}.parquet") in written
            from_csv = pd.read_csv(csv_dir / f"{stem}.csv")
            from_pq = pd.read_parquet(pq_dir / f"{stem}.parquet")
            assert list(from_csv.columns) == list(frame.columns), stem
            assert len(from_csv) == len(frame) == len(from_pq), stem
            pd.testing.assert_frame_equal(from_pq, frame.reset_index(drop=True),
                                          check_dtype=False)
    sec = pd.read_csv(csv_dir / "secretarial.csv").set_index("year")
    assert sec.loc[1968, "index_channels"] == 0.75 and math.isnan(sec.loc[1951, "index"])
    sub = pd.read_csv(csv_dir / "substantiality.csv").set_index("year")
    assert sub.loc[1978, "index_low"] == pytest.approx(2 / 3)
    ev = pd.read_csv(csv_dir / "secretarial_evidence.csv")
    assert {"key", "item", "role", "citations"} <= set(ev.columns)
    assert ev["citations"].notna().all()


def test_tables_print_with_definitions(run_cli, shared_project, monkeypatch):
    from allytrace.cli._common import console

    monkeypatch.setattr(console, "width", 200)  # the console may predate COLUMNS=200
    code, out, err = run_cli("measures", "typology", "--project", shared_project.root,
                             "--no-charts")
    assert code == 0, err
    assert "Definition" in out and "hybrid-itayama" in out and "1955-1959" in out
    assert "Coding rules: defaults" in out


def test_project_rule_changes_the_class_and_the_output_names_the_rule(run_cli, project,
                                                                      monkeypatch):
    (project.root / "measures.yaml").write_text(_typology_rules_moving("reviewer-geographic"),
                                                encoding="utf-8")
    code, out, err = run_cli("measures", "typology", "--project", project.root, "--json",
                             "--no-charts")
    assert code == 0, err
    data = json.loads(out)
    values = data["measures"][0]["values"]
    assert {v["class"] for v in values} == {"asymmetric"}
    assert {v["rule"] for v in values} == {"reviewer-geographic"}
    assert data["rules"]["typology"] == str(project.root / "measures.yaml")
    from allytrace.cli._common import console

    monkeypatch.setattr(console, "width", 200)
    code, out, _ = run_cli("measures", "typology", "--project", project.root, "--no-charts")
    assert "reviewer-geographic" in out and "over the defaults" in out


def test_init_rules_copies_the_defaults_once(run_cli, project):
    code, out, _ = run_cli("measures", "--init-rules", "--project", project.root)
    target = project.root / "measures.yaml"
    assert code == 0 and target.read_text(encoding="utf-8") == \
        svc.DEFAULT_FILE.read_text(encoding="utf-8")
    code, _, err = run_cli("measures", "--init-rules", "--project", project.root)
    assert code == 1 and "already exists" in err
    code, _, _ = run_cli("measures", "--init-rules", "--force", "--project", project.root)
    assert code == 0 and (project.root / "measures.yaml.bak").is_file()


@pytest.mark.parametrize(
    "text, where",
    [
        ("typology:\n  rules: [\n", "measures.yaml:3: invalid YAML"),
        (None, "typology.rules[1].whenn: unknown field"),
    ],
)
def test_bad_rules_file_is_one_line_error(run_cli, project, text, where):
    if text is None:
        text = svc.DEFAULT_FILE.read_text(encoding="utf-8").replace(
            "      when: {form: both}", "      whenn: {form: both}")
    (project.root / "measures.yaml").write_text(text, encoding="utf-8")
    code, out, err = run_cli("measures", "typology", "--project", project.root, "--no-charts")
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and where in lines[0]
    assert str(project.root / "measures.yaml") in lines[0]
    assert "Traceback" not in err + out


def test_charts_are_written_as_svg_and_png(run_cli, project, tmp_path):
    out_dir = tmp_path / "charts"
    code, out, err = run_cli("measures", "secretarial", "--project", project.root,
                             "--charts", out_dir)
    assert code == 0, err
    for suffix in (".svg", ".png"):
        path = out_dir / f"measures-secretarial{suffix}"
        assert path.is_file() and path.stat().st_size > 5_000
    assert (out_dir / "measures-secretarial.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (out_dir / "measures-secretarial.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "Secretarial index, 1951" in svg
    # Default folder: the project's exports/.
    code, _, err = run_cli("measures", "typology", "--project", project.root)
    assert code == 0, err
    assert (project.exports_dir / "measures-typology.png").is_file()
    assert "asymmetric-things" in (project.exports_dir / "measures-typology.svg").read_text(
        encoding="utf-8")


def test_every_measure_has_a_chart_spec(all_results):
    from allytrace.report.measure_charts import measure_chart

    for result in all_results:
        spec = measure_chart(result)
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/"), result.name


def test_all_without_atop_data_skips_it_with_a_note(shared_project, monkeypatch):
    monkeypatch.setattr(svc, "atop_folder", lambda project, explicit=None: None)
    results, skipped = svc.compute(shared_project, ["typology", "atop"])
    assert [r.name for r in results] == ["typology"]
    assert len(skipped) == 1 and skipped[0].startswith("atop: skipped")


def test_atop_by_name_without_data_is_an_error(run_cli, project, tmp_path):
    code, _, err = run_cli("measures", "atop", "--project", project.root, "--no-charts",
                           "--atop", tmp_path / "nowhere")
    assert code == 1 and "nowhere" in err and len(err.strip().splitlines()) == 1
