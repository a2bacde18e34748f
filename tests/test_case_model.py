"""The case schema: what one item may hold, the aggregate's lookups, the exported schemas."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from allytrace.case import json_schema, load_case, markdown_reference
from allytrace.case.files import _plain, _yaml
from allytrace.case.model import (
    KINDS,
    Actor,
    Assessment,
    Citation,
    Event,
    Evidence,
    HypothesisSet,
    Institution,
    Name,
)
from allytrace.dates import FuzzyDate

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "cases"
MINIMAL = FIXTURES / "minimal"


def _errors(exc: ValidationError) -> list[tuple[tuple, str]]:
    return [(tuple(e["loc"]), e["msg"]) for e in exc.errors()]


def _inst(**kw) -> Institution:
    return Institution(**{"id": "x-body", "kind": "committee", "name": {"en": "X"}, **kw})


# -- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, precision",
    [
        ("1964-10-16", "day"),
        ("1964-10", "month"),
        ("1964", "year"),
        ("1958/1960", "range"),
        ("[1967-03..1967-05]", "range"),
        ("1958~", "year"),
    ],
)
def test_dates_keep_their_text_and_precision(text: str, precision: str) -> None:
    inst = _inst(established=text)
    assert isinstance(inst.established, FuzzyDate)
    assert inst.established.precision == precision
    assert inst.model_dump(mode="json")["established"] == text


def test_yaml_scalars_are_accepted_as_dates() -> None:
    # YAML gives years as int; our loader keeps day dates as text.
    assert str(_inst(established=1964).established) == "1964"
    assert _inst(established="1964-10-16").established.earliest().isoformat() == "1964-10-16"


@pytest.mark.parametrize(
    "bad, words",
    [
        ("1967-02-30", "no such day"),
        ("1964-13", "month out of range"),
        ("spring 1964", "not a date"),
        ("1970/1960", "ends before it starts"),
    ],
)
def test_impossible_dates_are_rejected_with_the_reason(bad: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        _inst(established=bad)
    ((loc, msg),) = _errors(info.value)
    assert loc == ("established",)
    assert words in msg


def test_a_boolean_is_not_a_date() -> None:
    with pytest.raises(ValidationError):
        _inst(established=True)


# -- names, citations, shapes ---------------------------------------------------------------


def test_japanese_name_must_say_where_it_comes_from() -> None:
    with pytest.raises(ValidationError, match="ja_status is required"):
        Name(en="Security Subcommittee", ja="安全保障小委員会")
    with pytest.raises(ValidationError, match="needs ja_source"):
        Name(en="X", ja="エックス", ja_status="attested")
    assert Name(en="X", ja="エックス", ja_status="translation").ja_source is None


@pytest.mark.parametrize(
    "data, words",
    [
        ({}, "exactly one of document or source"),
        ({"document": "v/d1", "source": "k"}, "exactly one of document or source"),
        ({"source": "k", "paragraph": 2}, "belong to document citations"),
        ({"document": "v/d1", "pages": "3"}, "pages belongs to source"),
        ({"document": "v/d1", "paragraph": 1, "footnote": "d1fn1"}, "not both"),
        ({"document": "not a key"}, "pattern"),
    ],
)
def test_citation_shapes(data: dict, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        Citation(**data)


def test_valid_citations() -> None:
    assert Citation(document="frus1964-68v29p2/d87", paragraph=3, quote="x").paragraph == 3
    assert Citation(source="shibata2025", pages="chapter 3").source == "shibata2025"


def _ev(**kw) -> dict:
    return {
        "id": "ev-a",
        "target": "set-a",
        "document": "v/d1",
        "paragraph": 0,
        "start": 0,
        "end": 3,
        "quote": "abc",
        "stance": "supports",
        **kw,
    }


def test_evidence_points_at_one_span() -> None:
    assert Evidence(**_ev()).end == 3
    with pytest.raises(ValidationError, match="exactly one of paragraph or footnote"):
        Evidence(**_ev(footnote="d1fn1"))
    with pytest.raises(ValidationError, match="exactly one of paragraph or footnote"):
        Evidence(**_ev(paragraph=None))
    with pytest.raises(ValidationError, match="must be after start"):
        Evidence(**_ev(start=5, end=5))
    with pytest.raises(ValidationError):
        Evidence(**_ev(stance="agrees"))


@pytest.mark.parametrize(
    "value, ok", [(0.0, False), (0.3, True), (1.0, True), (1.2, False), (None, True)]
)
def test_likelihood_is_in_zero_one(value: float | None, ok: bool) -> None:
    if ok:
        assert Assessment(likelihood=value).likelihood == value
    else:
        with pytest.raises(ValidationError):
            Assessment(likelihood=value)


def test_assessment_test_types() -> None:
    assert Assessment(test="smoking-gun").test == "smoking-gun"
    with pytest.raises(ValidationError):
        Assessment(test="litmus")


def test_failed_proposals_have_no_established_date() -> None:
    ok = _inst(outcome="proposed-failed", proposed="[1955..1960]")
    assert ok.established is None
    with pytest.raises(ValidationError, match="no established date"):
        _inst(outcome="proposed-failed", proposed="1958", established="1959")
    with pytest.raises(ValidationError, match="needs a proposed date"):
        _inst(outcome="proposed-failed")


def test_roles_are_for_persons() -> None:
    with pytest.raises(ValidationError, match="persons only"):
        Actor(id="mofa", kind="agency", name={"en": "MOFA"}, roles=[{"title": "Minister"}])
    p = Actor(
        id="rusk",
        kind="person",
        name={"en": "Dean Rusk"},
        frus_person=["p_RD3"],
        roles=[{"title": "Secretary of State", "start": "1961-01-21", "end": "1969-01-20"}],
    )
    assert p.roles[0].end.year == 1969


def test_unknown_fields_and_bad_ids_are_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        Event(id="e", kind="meeting", name={"en": "E"}, date="1964", when="1964")
    with pytest.raises(ValidationError, match="pattern"):
        Event(id="Bad_Id", kind="meeting", name={"en": "E"}, date="1964")


def test_members_use_the_yaml_key_united_states() -> None:
    inst = _inst(members={"japan": ["mofa"], "united-states": ["cincpac"]})
    assert inst.members.united_states == ["cincpac"]
    assert inst.model_dump(by_alias=True)["members"]["united-states"] == ["cincpac"]


def test_hypothesis_ids_unique_within_a_set() -> None:
    h = {"id": "h-a", "label": "A", "cause": {"text": "c"}, "mechanism": "m", "outcome": "o"}
    with pytest.raises(ValidationError, match="duplicate hypothesis id"):
        HypothesisSet(id="s", question="q?", outcome="x", hypotheses=[h, h])


# -- the aggregate ---------------------------------------------------------------------------


def test_case_lookups() -> None:
    case = load_case(MINIMAL)
    assert case.kind_of("test-committee") == "institution"
    assert case.kind_of("h-two") == "hypothesis"
    assert case.kind_of("ev-one") == "evidence"
    assert case.kind_of("nothing") is None
    assert case.entity("alpha").name.en == "Alpha"
    assert case.entity("why-committee") is None  # a set is not an entity
    assert case.set_of("h-two").id == "why-committee"
    assert [e.id for e in case.evidence_for("h-two")] == ["ev-one", "ev-two"]  # assessment + stance
    assert case.source("book1").year == 2001
    assert {type(e).__name__ for e in case.entities()} == {"Actor", "Institution", "Plan", "Event"}


# -- exported schemas ------------------------------------------------------------------------


def test_json_schema_describes_every_file_and_accepts_the_fixture() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json_schema()
    assert set(schema["properties"]) == {"case.yaml", *(f for f, _, _ in KINDS.values())}
    validator = jsonschema.Draft202012Validator
    validator.check_schema(schema)
    for filename, sub in schema["properties"].items():
        data = _plain(_yaml().load((MINIMAL / filename).read_text(encoding="utf-8")))
        one = {**sub, "$defs": schema["$defs"]}
        errors = list(validator(one).iter_errors(data))
        assert not errors, f"{filename}: {errors[0].message}"
    bad = _plain(_yaml().load((MINIMAL / "institutions.yaml").read_text(encoding="utf-8")))
    bad["institutions"][0]["level"] = "cabinet"
    one = {**schema["properties"]["institutions.yaml"], "$defs": schema["$defs"]}
    assert list(validator(one).iter_errors(bad)), "a bad level must fail the JSON Schema too"


def test_docs_field_reference_is_generated_from_the_models() -> None:
    doc = (ROOT / "docs" / "case-schema.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- BEGIN GENERATED -->\n(.*)<!-- END GENERATED -->", doc, re.S)
    assert m, "docs/case-schema.md lost its generated section markers"
    assert m.group(1) == markdown_reference(), (
        "regenerate the field reference in docs/case-schema.md"
    )


def test_every_field_is_documented() -> None:
    ref = markdown_reference()
    for _, _, model in KINDS.values():
        for name, info in model.model_fields.items():
            assert f"| `{info.alias or name}` |" in ref
            assert info.description, f"{model.__name__}.{name} has no description"


def test_case_to_dict_is_plain_and_complete() -> None:
    case = load_case(MINIMAL)
    data = case.to_dict()
    assert list(data) == ["case", *(key for _, key, _ in KINDS.values())]
    assert data["institutions"][0]["established"] == "1962"
    assert "outcome" not in data["institutions"][0]  # defaults left out
    assert [Evidence.model_validate(x) for x in data["evidence"]] == case.evidence
    assert data["case"]["period"] == "1960/1970"
