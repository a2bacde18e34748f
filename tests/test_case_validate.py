"""validate_case: every problem located by file, line and field, against a synthetic corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from allytrace.case import Problem, validate_case
from case_support import case_dir, synthetic_lookup  # noqa: F401  (case_dir is a fixture)

FIXTURES = Path(__file__).parent / "fixtures" / "cases"
BROKEN = sorted(p for p in (FIXTURES / "broken").iterdir() if p.is_dir())




def edit(folder: Path, filename: str, old: str, new: str) -> Path:
    path = folder / filename
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {filename}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def warnings(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "warning"]


def test_minimal_case_is_clean(case_dir: Path) -> None:
    assert validate_case(case_dir, synthetic_lookup()) == []


@pytest.mark.parametrize("variant", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_case_files_fail_with_file_line_and_field(case_dir: Path, variant: Path) -> None:
    expect = YAML(typ="safe").load((variant / "expect.yaml").read_text(encoding="utf-8"))
    for f in variant.glob("*.yaml"):
        if f.name != "expect.yaml":
            shutil.copy(f, case_dir / f.name)
    found = errors(validate_case(case_dir, synthetic_lookup()))
    assert found, f"{variant.name}: no error reported"
    path = str(case_dir / expect["file"])
    matching = [
        p
        for p in found
        if p.path == path
        and p.line == expect["line"]
        and p.field == expect["field"]
        and p.code == expect["code"]
        and expect["contains"] in p.message
    ]
    assert matching, f"{variant.name}: expected {expect}, got {[str(p) for p in found]}"
    problem = matching[0]
    if expect.get("hint"):
        assert problem.hint == expect["hint"]
    where = f"{path}:{expect['line']}:" + (f" {expect['field']}:" if expect["field"] else "")
    assert str(problem).startswith(where)
    if expect.get("only_error", True):
        assert len(found) == 1, (
            f"{variant.name}: one mistake, one error — got {[str(p) for p in found]}"
        )


def test_problem_line_points_at_the_field(case_dir: Path) -> None:
    path = edit(case_dir, "plans.yaml", "parties: [alpha, beta]", "parties: [alpha, nobody]")
    (p,) = errors(validate_case(case_dir, synthetic_lookup()))
    line = path.read_text().splitlines()[p.line - 1]
    assert line.strip().startswith("parties:")
    assert p.field == "plans[0].parties[1]"
    assert p.message == "unknown actor 'nobody'"


def test_reference_to_the_wrong_kind_says_what_it_is(case_dir: Path) -> None:
    edit(case_dir, "events.yaml", "actors: [alpha, beta]", "actors: [alpha, test-committee]")
    (p,) = errors(validate_case(case_dir, synthetic_lookup()))
    assert p.message == "'test-committee' is an institution, not an actor"


def test_without_a_corpus_documents_are_not_checked(case_dir: Path) -> None:
    edit(case_dir, "evidence.yaml", "    start: 22", "    start: 21")
    problems = validate_case(case_dir, None)
    assert errors(problems) == []
    (w,) = warnings(problems)
    assert w.code == "document" and "not checked" in w.message


def test_quote_found_in_another_paragraph(case_dir: Path) -> None:
    edit(case_dir, "evidence.yaml", "    paragraph: 1\n", "    paragraph: 0\n")
    (p,) = errors(validate_case(case_dir, synthetic_lookup()))
    assert "occurs in paragraph 1 at 22–58" in p.message
    assert p.hint == "set paragraph: 1"


def test_quote_differing_only_in_whitespace(case_dir: Path) -> None:
    edit(
        case_dir,
        "evidence.yaml",
        "quote: a standing committee would help both",
        "quote: 'a standing  committee would help both'",
    )
    (p,) = errors(validate_case(case_dir, synthetic_lookup()))
    assert "only in whitespace" in p.message


def test_quote_not_in_document(case_dir: Path) -> None:
    edit(
        case_dir,
        "evidence.yaml",
        "quote: at the request of the Japanese side",
        "quote: at the request of the American side",
    )
    (p,) = errors(validate_case(case_dir, synthetic_lookup()))
    assert p.field == "evidence[1].quote"
    assert "quote not found in footnote d1fn1" in p.message


def test_paragraph_and_footnote_must_exist(case_dir: Path) -> None:
    edit(case_dir, "institutions.yaml", "        paragraph: 0", "        paragraph: 7")
    edit(case_dir, "evidence.yaml", "footnote: d1fn1", "footnote: d1fn9")
    found = {p.field: p.message for p in errors(validate_case(case_dir, synthetic_lookup()))}
    assert (
        "testvol/d1 has no paragraph 7 (it has 3)"
        in found["institutions[0].citations[0].paragraph"]
    )
    assert "has no footnote 'd1fn9'" in found["evidence[1].footnote"]


def test_assessments_name_hypotheses_of_the_target_set(case_dir: Path) -> None:
    edit(
        case_dir,
        "evidence.yaml",
        "      h-two: {likelihood: 0.4}",
        "      h-nine: {likelihood: 0.4}",
    )
    (p,) = errors(validate_case(case_dir, synthetic_lookup()))
    assert p.field == "evidence[0].assessments.h-nine"
    assert "unknown hypothesis of set 'why-committee'" in p.message


def test_dependencies_must_exist_and_not_be_circular(case_dir: Path) -> None:
    edit(
        case_dir,
        "evidence.yaml",
        "    stance: supports\n    note:",
        "    stance: supports\n    depends_on: [ev-one, ev-zero]\n    note:",
    )
    found = sorted(p.message for p in errors(validate_case(case_dir, synthetic_lookup())))
    assert found == ["evidence cannot depend on itself", "unknown evidence 'ev-zero'"]


def test_unknown_bibliography_keys(case_dir: Path) -> None:
    edit(case_dir, "hypotheses.yaml", "proponent: book1", "proponent: book9")
    edit(case_dir, "institutions.yaml", "ja_source: book1", "ja_source: book8")
    found = {p.field: p.message for p in errors(validate_case(case_dir, synthetic_lookup()))}
    assert found == {
        "hypothesis_sets[0].hypotheses[0].proponent": "unknown bibliography key 'book9'",
        "institutions[0].name.ja_source": "unknown bibliography key 'book8'",
    }


def test_warnings_for_period_priors_and_windows(case_dir: Path) -> None:
    edit(case_dir, "events.yaml", "date: 1963-10-16", "date: 1975-10-16")
    edit(case_dir, "hypotheses.yaml", "prior: 0.4", "prior: 0.3")
    edit(case_dir, "institutions.yaml", "window: 1962/1966", "window: 1950/1955")
    problems = validate_case(case_dir, synthetic_lookup())
    assert errors(problems) == []
    found: dict[str, list[str]] = {}
    for p in warnings(problems):
        found.setdefault(p.field, []).append(p.message)
    assert found["events[0].date"] == ["1975-10-16 is outside the case period 1960/1970"]
    assert found["hypothesis_sets[0].hypotheses"] == [
        "priors sum to 0.9, not 1 (rivals must be exhaustive)"
    ]
    assert sorted(found["institutions[0].acronyms[0].window"]) == [
        "1950/1955 is outside the case period 1960/1970",
        "acronym window 1950/1955 lies outside the life of 'test-committee'",
    ]


def test_unevidenced_flag(case_dir: Path) -> None:
    edit(
        case_dir,
        "hypotheses.yaml",
        "        prior: 0.4\n",
        "        prior: 0.4\n        unevidenced: true\n",
    )
    (w,) = warnings(validate_case(case_dir, synthetic_lookup()))
    assert w.field == "hypothesis_sets[0].hypotheses[1].unevidenced"
    assert "marked unevidenced but has evidence" in w.message


def test_dates_are_compared_by_what_they_may_mean(case_dir: Path) -> None:
    # "1962" and "1962-06" overlap, so ending in June 1962 is not before a 1962 start.
    edit(case_dir, "institutions.yaml", "    ended: 1966", "    ended: 1962-06")
    assert errors(validate_case(case_dir, synthetic_lookup())) == []
    edit(case_dir, "institutions.yaml", "    ended: 1962-06", "    ended: 1961-12")
    (p,) = errors(validate_case(case_dir, synthetic_lookup()))
    assert p.code == "date" and p.field == "institutions[0].ended"


def test_errors_come_before_warnings_and_serialise(case_dir: Path) -> None:
    edit(case_dir, "events.yaml", "date: 1963-10-16", "date: 1975-10-16")
    edit(case_dir, "events.yaml", "actors: [alpha, beta]", "actors: [alpha, gamma]")
    problems = validate_case(case_dir, synthetic_lookup())
    assert [p.severity for p in problems] == ["error", "warning"]
    d = problems[0].to_dict()
    assert set(d) == {"path", "line", "field", "message", "severity", "code", "hint"}
    assert "warning:" in str(problems[1])
