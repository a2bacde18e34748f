"""The CLI end to end, in-process: each command's --json output and its readable form."""

from __future__ import annotations

import json

import pytest

from testdata import MINI


@pytest.fixture
def proj(tmp_path, run_cli):
    d = tmp_path / "p"
    assert run_cli("init", d)[0] == 0
    code, out, err = run_cli("ingest", "-p", d, MINI, "--json")
    assert code == 0, err
    assert json.loads(out)[0]["documents"] == 5
    return d


def test_stats_json(proj, run_cli):
    code, out, _ = run_cli("stats", "-p", proj, "--json")
    st = json.loads(out)
    assert code == 0 and st["documents"] == 5 and st["with_source_note"] == 2 and st["dated_documents"] == 4


def test_search_json_and_table(proj, run_cli):
    code, out, _ = run_cli("search", "-p", proj, '"Security Subcommittee"', "--json")
    data = json.loads(out)
    assert code == 0 and data["total"] == 1
    hit = data["hits"][0]
    assert hit["key"] == "frus-test-v1/d2" and hit["date"] == "1967-03-15" and "\x02" not in hit["snippet"]
    code, out, _ = run_cli("search", "-p", proj, "Sato", "--sort", "date")
    assert code == 0 and "frus-test-v1/d2" in out and "documents match" in out


def test_show_prints_document(proj, run_cli):
    code, out, _ = run_cli("show", "-p", proj, "frus-test-v1/d2")
    assert code == 0
    for part in ("2. Telegram From the Embassy", "Secret; Exdis", "Security Subcommittee",
                 "Satō, Eisaku", "Prime Minister of Japan", "Footnotes",
                 "https://history.state.gov/historicaldocuments/frus-test-v1/d2"):
        assert part in out, part
    code, out, _ = run_cli("show", "-p", proj, "https://history.state.gov/historicaldocuments/frus-test-v1/d3", "--json")
    assert code == 0 and json.loads(out)["document"]["id"] == "d3"


def test_kwic_and_trend(proj, run_cli, tmp_path):
    code, out, _ = run_cli("kwic", "-p", proj, "subcommittee", "--json")
    assert code == 0 and len(json.loads(out)) == 2
    chart = tmp_path / "trend.svg"
    code, out, err = run_cli("trend", "-p", proj, "Sato OR nuclear", "--chart", chart, "--json")
    assert code == 0, err
    years = {y["year"]: y for y in json.loads(out)["years"]}
    assert years[1967]["matching"] == 1
    assert chart.read_text().lstrip().startswith("<svg")


def test_env_var_selects_project(proj, run_cli, monkeypatch):
    monkeypatch.setenv("ALLYTRACE_PROJECT", str(proj))
    code, out, _ = run_cli("stats", "--json")
    assert code == 0 and json.loads(out)["documents"] == 5


def test_help_lists_every_corpus_command(run_cli):
    code, out, _ = run_cli("--help")
    assert code == 0
    for cmd in ("init", "ingest", "fetch", "search", "kwic", "trend", "show", "cite", "export", "stats"):
        assert cmd in out


def test_cite_formats(proj, run_cli):
    code, out, _ = run_cli("cite", "-p", proj, "frus-test-v1/d2", "--format", "chicago")
    assert code == 0
    assert "Telegram From the Embassy in Japan to the Department of State" in out
    assert "https://history.state.gov/historicaldocuments/frus-test-v1/d2" in out
    code, out, _ = run_cli("cite", "-p", proj, "frus-test-v1/d2", "frus-test-v1/d3", "-f", "bibtex")
    assert code == 0 and out.count("@incollection{") == 2
    code, out, err = run_cli("cite", "-p", proj, "frus-test-v1/d77")
    assert code != 0 and "no document" in err


@pytest.mark.parametrize("fmt,check", [
    ("bibtex", lambda t: t.count("@incollection{") == 2),
    ("ris", lambda t: t.count("ER  -") == 2),
    ("csl-json", lambda t: len(json.loads(t)) == 2),
    ("csv", lambda t: len(t.strip().splitlines()) == 3),
    ("json", lambda t: json.loads(t)["total"] == 2),
])
def test_export_result_set(proj, run_cli, tmp_path, fmt, check):
    out_file = tmp_path / f"out.{fmt}"
    code, out, err = run_cli("export", "-p", proj, "consult*", "-f", fmt, "-o", out_file, "--json")
    assert code == 0, err
    assert json.loads(out)["documents"] == 2
    assert check(out_file.read_text(encoding="utf-8"))


@pytest.mark.integration
def test_cite_real_d1(frus_project, run_cli):
    code, out, _ = run_cli("cite", "-p", frus_project.root, "frus1964-68v29p2/d1", "--format", "chicago")
    assert code == 0
    assert out.strip() == (
        "Editorial Note, in Foreign Relations of the United States, 1964–1968, Volume XXIX, Part 2, "
        "Japan, ed. Karen L. Gatz (Washington: Government Printing Office, 2006), Document 1, "
        "https://history.state.gov/historicaldocuments/frus1964-68v29p2/d1."
    )


def test_commands_that_exit_nonzero_really_do(tmp_path, run_cli):
    """A command ending in typer.Exit(1) (e.g. a failed validation) must exit 1."""
    import typer

    from allytrace.cli import app

    @app.command("zz-fail", hidden=True)
    def _fail() -> None:
        raise typer.Exit(1)

    try:
        code, _, _ = run_cli("zz-fail")
        assert code == 1
    finally:
        app.registered_commands[:] = [c for c in app.registered_commands if c.name != "zz-fail"]


@pytest.mark.integration
def test_demo_builds_the_project_and_hands_it_to_the_server(tmp_path, run_cli, monkeypatch, frus_path):
    """`demo` builds the sample project and ends by serving it: the server gets the folder."""
    from allytrace.cli import demo as demo_cli
    from allytrace.cli import serve

    served = {}
    monkeypatch.setattr(serve, "run_workbench", lambda project, **kw: served.setdefault("project", project))
    monkeypatch.setattr(demo_cli, "_evidence_index", lambda project: None)  # minutes of embeddings
    code, out, err = run_cli("demo", "-p", tmp_path / "demo", "--data", frus_path.parent.parent)
    assert code == 0, err
    assert served["project"] == tmp_path / "demo"
    assert "1 volume(s), 140 documents" in out and "Case japan-us: valid" in out
    assert (tmp_path / "demo" / "exports" / "reports" / "security-subcommittee-1967.html").exists()
