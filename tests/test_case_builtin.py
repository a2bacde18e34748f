"""The built-in Japan–U.S. case: complete, honestly dated, cited, and true to the FRUS volume."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from allytrace.case import (
    builtin_files,
    builtin_names,
    init_builtin,
    load_case,
    lookup_from_documents,
    validate_case,
)
from allytrace.case.builtin import _root
from allytrace.errors import CaseError
from allytrace.sources.frus import read_volume
from allytrace.sources.records import Document, Volume

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ALLYTRACE_SHARED_DATA", REPO.parent / "shared" / "data"))
VOLUME = SHARED / "frus" / "frus1964-68v29p2.xml"
SEEDS = SHARED.parent / "seeds"

needs_volume = pytest.mark.skipif(
    not VOLUME.exists(), reason=f"FRUS sample volume not found at {VOLUME}"
)


@pytest.fixture(scope="module")
def builtin_dir() -> Path:
    return Path(str(_root().joinpath("japan-us")))


@pytest.fixture(scope="module")
def case(builtin_dir: Path):
    return load_case(builtin_dir)


@pytest.fixture(scope="module")
def corpus() -> tuple[Volume, dict[str, Document]]:
    items = read_volume(VOLUME)
    volume = next(items)
    assert isinstance(volume, Volume)
    return volume, {d.key: d for d in items if isinstance(d, Document)}


# -- shipping and copying ----------------------------------------------------------------------


def test_japan_us_is_shipped() -> None:
    assert "japan-us" in builtin_names()
    assert set(builtin_files("japan-us")) >= {
        "case.yaml",
        "actors.yaml",
        "institutions.yaml",
        "plans.yaml",
        "events.yaml",
        "hypotheses.yaml",
        "evidence.yaml",
    }


def test_init_copies_and_refuses_to_overwrite(tmp_path: Path) -> None:
    cases = tmp_path / "project" / "cases"
    folder = init_builtin("japan-us", cases)
    assert folder == cases / "japan-us"
    for name, text in builtin_files("japan-us").items():
        assert (folder / name).read_text(encoding="utf-8") == text
    (folder / "events.yaml").write_text("events: []  # my own edits\n", encoding="utf-8")
    with pytest.raises(CaseError, match="already exists") as info:
        init_builtin("japan-us", cases)
    assert "--force" in (info.value.hint or "")
    assert (folder / "events.yaml").read_text() == "events: []  # my own edits\n"
    init_builtin("japan-us", cases, force=True)
    assert (folder / "events.yaml").read_text(encoding="utf-8") == builtin_files("japan-us")[
        "events.yaml"
    ]
    assert (folder / "events.yaml.bak").read_text() == "events: []  # my own edits\n"


def test_init_unknown_case(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="no built-in case named 'nato'") as info:
        init_builtin("nato", tmp_path)
    assert "japan-us" in (info.value.hint or "")


# -- content -----------------------------------------------------------------------------------

REQUIRED = {
    "institutions": [
        "combined-planning-committee",
        "security-consultative-committee",
        "military-commission-proposal",
        "policy-planning-talks",
        "security-subcommittee",
        "us-japan-study-conference",
        "subcommittee-for-defense-cooperation",
    ],
    "plans": [
        "cjoep",
        "combined-planning-groups",
        "combined-exercises",
        "combined-war-games",
        "security-treaty-1951",
        "security-treaty-1960",
        "guidelines-1978",
        "npt",
        "us-bases-review-1968",
        "dod-reduction-package-1968",
    ],
    "events": [
        "china-first-nuclear-test",
        "japan-ratifies-npt",
        "defense-agreements-review-1973",
        "dillon-offset-letter",
        "f102-withdrawal-1964",
        "embassy-assessment-1964",
        "bop-committee-proposal-1967",
        "us-bop-program-1968",
        "first-policy-planning-talks",
        "first-security-subcommittee-meeting",
    ],
    "actors": [
        "japan",
        "united-states",
        "china",
        "mofa",
        "jda",
        "jsdf",
        "gsdf",
        "msdf",
        "asdf",
        "state-department",
        "defense-department",
        "jcs",
        "cincpac",
        "usfj",
        "rusk",
        "mcnamara",
        "sato",
        "miki",
        "ushiba",
        "u-alexis-johnson",
        "reischauer",
        "mcnaughton",
    ],
}


@pytest.mark.parametrize("kind", sorted(REQUIRED))
def test_everything_the_seeds_name_is_there(case, kind: str) -> None:
    have = {x.id for x in case.items(kind)}
    missing = [i for i in REQUIRED[kind] if i not in have]
    assert not missing


def test_every_institution_is_complete(case) -> None:
    for inst in case.institutions:
        assert inst.name.en and inst.name.ja and inst.name.ja_status, inst.id
        assert inst.established or inst.proposed, f"{inst.id}: no date"
        assert inst.citations, f"{inst.id}: no citation"
        assert inst.level or inst.level_note, f"{inst.id}: level neither given nor explained"
        assert inst.proposed_by or inst.initiative_note, (
            f"{inst.id}: initiative neither given nor explained"
        )
    for plan in case.plans:
        assert plan.name.ja and plan.name.ja_status and plan.citations and plan.date, plan.id
    for ev in case.events:
        assert ev.name.ja and ev.citations, ev.id


@pytest.mark.parametrize(
    "ident, attr, text",
    [
        ("china-first-nuclear-test", "date", "1964-10-16"),
        ("japan-ratifies-npt", "date", "1976-06-08"),
        ("security-treaty-1951", "date", "1951-09-08"),
        ("security-treaty-1960", "date", "1960-01-19"),
        ("guidelines-1978", "date", "1978-11-27"),
        ("policy-planning-talks", "established", "1964-09-21"),
        ("security-subcommittee", "established", "1967-05-25"),
        ("subcommittee-for-defense-cooperation", "established", "1976-07-08"),
        # Years only where the sources give no more:
        ("combined-planning-committee", "established", "1951"),
        ("security-consultative-committee", "established", "1960"),
        ("cjoep", "date", "1955"),
        ("us-japan-study-conference", "established", "1968"),
        ("defense-agreements-review-1973", "date", "1973"),
        ("military-commission-proposal", "proposed", "[1955..1960]"),
    ],
)
def test_dates_at_honest_precision(case, ident: str, attr: str, text: str) -> None:
    assert str(getattr(case.get(ident), attr)) == text


@pytest.mark.parametrize(
    "ident, ja",
    [
        ("security-consultative-committee", "日米安全保障協議委員会"),
        ("subcommittee-for-defense-cooperation", "防衛協力小委員会"),
        ("guidelines-1978", "日米防衛協力のための指針"),
        ("security-treaty-1960", "日本国とアメリカ合衆国との間の相互協力及び安全保障条約"),
    ],
)
def test_attested_japanese_names(case, ident: str, ja: str) -> None:
    name = case.get(ident).name
    assert (name.ja, name.ja_status) == (ja, "attested")
    assert case.source(name.ja_source) is not None


def test_structure_of_the_consultation_system(case) -> None:
    assert case.get("security-subcommittee").parent == "security-consultative-committee"
    assert (
        case.get("subcommittee-for-defense-cooperation").parent == "security-consultative-committee"
    )
    assert case.get("security-consultative-committee").predecessor == "committee-on-security-1957"
    assert case.get("military-commission-proposal").outcome == "proposed-failed"
    assert case.get("us-japan-study-conference").level == "military-to-military"
    assert case.get("policy-planning-talks").level == "working-level"
    assert case.get("security-consultative-committee").level == "ministerial"


def test_hypothesis_sets_have_rivals_and_priors(case) -> None:
    assert len(case.hypothesis_sets) >= 4
    for s in case.hypothesis_sets:
        assert len(s.hypotheses) >= 3, f"{s.id}: the claim needs at least two rivals"
        assert abs(sum(h.prior for h in s.hypotheses) - 1) < 1e-9, s.id
        assert any(h.proponent for h in s.hypotheses), f"{s.id}: whose claim is it?"
        assert case.get(s.outcome) is not None


@pytest.mark.parametrize("set_id", ["policy-planning-talks-1964", "security-subcommittee-1967"])
def test_worked_sets_have_evidence_for_every_rival(case, set_id: str) -> None:
    s = case.hypothesis_set(set_id)
    items = [e for e in case.evidence if e.target == set_id]
    assert len(items) >= 10
    assert {e.stance for e in items} >= {"supports", "contradicts"}
    ids = {h.id for h in s.hypotheses}
    for h in s.hypotheses:
        assert not h.unevidenced
        assert any(e.hypothesis == h.id for e in items), f"{h.id}: no item takes a stance on it"
    for e in items:
        assert set(e.assessments) == ids, f"{e.id}: assess every rival"
        assert e.note, e.id
        for dep in e.depends_on:
            assert case.get(dep) is not None


def test_bibliography_names_the_seed_works_honestly(case) -> None:
    review = case.source("shibata2025")
    assert (review.author, review.doi, review.year, review.kind) == (
        "Teruyoshi Shibata",
        "10.1093/ssjj/jyaf010",
        2025,
        "review",
    )
    assert "Social Science Japan Journal" in review.journal
    abstract = case.source("article2010")
    assert abstract.kind == "abstract"
    assert abstract.author is None and abstract.title is None  # not given by the seed


def test_no_seed_sentences_copied(case) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seed texts not found at {SEEDS}")
    words = lambda t: re.findall(r"[a-z0-9']+", t.lower())  # noqa: E731
    seed = words(" ".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")))
    n = 8
    grams = {tuple(seed[i : i + n]) for i in range(len(seed) - n + 1)}

    def texts(obj):
        if isinstance(obj, str):
            yield obj
        elif isinstance(obj, dict):
            for v in obj.values():
                yield from texts(v)
        elif isinstance(obj, list):
            for v in obj:
                yield from texts(v)

    authored = []
    for kind in ["actors", "institutions", "plans", "events", "hypotheses", "evidence"]:
        for item in case.items(kind):
            data = item.model_dump(mode="json")
            data.pop("quote", None)  # FRUS quotes are meant to be exact
            authored.extend(texts(data))
    authored.append(case.info.description or "")
    copied = set()
    for text in authored:
        w = words(text)
        copied |= {
            " ".join(w[i : i + n]) for i in range(len(w) - n + 1) if tuple(w[i : i + n]) in grams
        }
    assert not copied, f"seed wording copied: {sorted(copied)[:3]}"


# -- against the real volume -------------------------------------------------------------------


@pytest.mark.integration
@needs_volume
def test_builtin_case_validates_against_the_volume(builtin_dir: Path, corpus) -> None:
    _, docs = corpus
    problems = validate_case(builtin_dir, docs.get)
    assert [str(p) for p in problems] == []


@pytest.mark.integration
@needs_volume
def test_every_quote_equals_its_document_text(case, corpus) -> None:
    from allytrace.case.validate import _walk_citations

    _, docs = corpus
    checked = 0
    for ev in case.evidence:
        doc = docs[ev.document]
        text = (
            doc.paragraphs[ev.paragraph].text
            if ev.paragraph is not None
            else next(f.text for f in doc.footnotes if f.id == ev.footnote)
        )
        assert text[ev.start : ev.end] == ev.quote, ev.id
        checked += 1
    for kind in ["actors", "institutions", "plans", "events", "hypotheses"]:
        for item in case.items(kind):
            for _, c in _walk_citations(item, ()):
                if c.document and c.quote:
                    doc = docs[c.document]
                    text = (
                        doc.paragraphs[c.paragraph].text
                        if c.paragraph is not None
                        else next(f.text for f in doc.footnotes if f.id == c.footnote)
                        if c.footnote
                        else doc.text
                    )
                    assert c.quote in text, f"{item.id}: {c.quote[:40]}"
                    checked += 1
    assert checked >= 80


@pytest.mark.integration
@needs_volume
def test_frus_person_ids_exist_in_the_volume(case, corpus) -> None:
    volume, _ = corpus
    persons = {p.id: p.name for p in volume.persons}
    for actor in case.actors:
        for pid in actor.frus_person:
            assert pid in persons, f"{actor.id}: {pid}"
            surname = persons[pid].split(",")[0]
            assert surname.lower() in actor.name.en.lower(), f"{actor.id} is not {persons[pid]}"


@pytest.mark.integration
@needs_volume
def test_validation_notices_a_missing_document(builtin_dir: Path, corpus) -> None:
    _, docs = corpus
    partial = lookup_from_documents(d for k, d in docs.items() if k != "frus1964-68v29p2/d82")
    found = [p for p in validate_case(builtin_dir, partial) if p.severity == "error"]
    assert found and all("frus1964-68v29p2/d82" in p.message for p in found)
    assert any(p.path.endswith("evidence.yaml") for p in found)
    assert any(p.path.endswith("institutions.yaml") for p in found)
