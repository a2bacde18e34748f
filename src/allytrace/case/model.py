"""The alliance case model: what a case folder holds, as pydantic models.

A case is authored data: actors, institutions (consultation bodies and channels), plans and
agreements, events, rival hypotheses and the evidence that bears on them, plus the
bibliography every claim is cited to. The models here only check the *shape* of that data
(types, vocabularies, one-field invariants); everything that needs the whole case or the
corpus (references, date order, quotes against documents) is in ``validate.py``, so that a
single bad cross-reference never hides the rest of a file.

Dates are ``FuzzyDate`` values parsed from EDTF strings and written back as the same
strings, so a case file keeps exactly the precision its author gave.

>>> inst = Institution(id="security-subcommittee", kind="subcommittee",
...                    name={"en": "Security Subcommittee"}, established="1967-05-25")
>>> inst.established.precision, str(inst.established)
('day', '1967-05-25')
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from ..dates import FuzzyDate

# -- small types ----------------------------------------------------------------------------

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
DOC_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9._-]+$"
BIB_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
"""Stable human-readable id: lower-case words joined by hyphens (``security-subcommittee``)."""
DocKey = Annotated[str, StringConstraints(pattern=DOC_KEY_PATTERN)]
"""A document id as history.state.gov names it: ``frus1964-68v29p2/d87``."""
BibKey = Annotated[str, StringConstraints(pattern=BIB_KEY_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _to_fuzzy(value: Any) -> FuzzyDate:
    # YAML turns 1964 into an int and 1964-10-16 into a date; both are fine as input.
    if isinstance(value, FuzzyDate):
        return value
    if isinstance(value, (str, int, date)) and not isinstance(value, bool):
        return FuzzyDate.parse(value)
    raise ValueError(
        f"not a date: {value!r} (use an EDTF string such as '1964-10-16', '1964-10', "
        "'1964', '1958/1960' or '[1967-03..1967-05]')"
    )


EDTF = Annotated[
    FuzzyDate,
    PlainValidator(_to_fuzzy),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": ["string", "integer"],
            "description": "EDTF subset: YYYY, YYYY-MM, YYYY-MM-DD, A/B (span), [A..B] "
            "(some time within), optional suffix ~ (approximate) or ? (uncertain)",
            "examples": ["1964-10-16", "1964-10", "1964", "1958/1960", "[1967-03..1967-05]"],
        }
    ),
]

Side = Literal["japan", "united-states", "joint", "other"]
Level = Literal["ministerial", "senior-official", "working-level", "military-to-military"]
Approval = Literal["none", "informal", "approved"]
Stance = Literal["supports", "contradicts", "context"]
TestType = Literal["hoop", "smoking-gun", "doubly-decisive", "straw-in-the-wind"]
JaStatus = Literal["attested", "translation", "unverified"]


class _Model(BaseModel):
    # Unknown keys are errors: a misspelt field must not vanish silently from a case.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_assignment=True)


# -- shared parts ---------------------------------------------------------------------------


class Name(_Model):
    """A bilingual name. The Japanese form says where it comes from."""

    en: Text = Field(description="English name as used in the sources")
    ja: Text | None = Field(None, description="Japanese name")
    ja_status: JaStatus | None = Field(
        None,
        description="attested (a cited source uses this form), translation (our rendering) "
        "or unverified (believed official, source not yet recorded)",
    )
    ja_source: BibKey | None = Field(
        None, description="bibliography key attesting the Japanese form"
    )

    @model_validator(mode="after")
    def _status(self) -> Name:
        if self.ja and self.ja_status is None:
            raise ValueError(
                "ja_status is required when ja is given (attested, translation, unverified)"
            )
        if self.ja_status == "attested" and not self.ja_source:
            raise ValueError("an attested Japanese name needs ja_source (a bibliography key)")
        return self


class Aliases(_Model):
    """Other names found in the sources, for linking mentions."""

    en: list[Text] = Field(default_factory=list, description="English aliases")
    ja: list[Text] = Field(default_factory=list, description="Japanese aliases")


class Acronym(_Model):
    """An acronym that names the entity only in a date window and near context words."""

    text: Text = Field(description="the acronym as written, e.g. SSC")
    context: list[Text] = Field(
        default_factory=list, description="words of which at least one must appear nearby"
    )
    window: EDTF | None = Field(None, description="dates in which the acronym means this entity")


class Citation(_Model):
    """Where a fact comes from: a corpus document or a bibliography entry."""

    document: DocKey | None = Field(None, description="document id, e.g. frus1964-68v29p2/d87")
    paragraph: int | None = Field(None, ge=0, description="paragraph index in the document")
    footnote: str | None = Field(None, description="footnote id in the document, e.g. d82fn9")
    quote: Text | None = Field(None, description="exact words from the paragraph or footnote")
    source: BibKey | None = Field(None, description="bibliography key of a published source")
    pages: str | None = Field(None, description="page(s) or section of the published source")
    note: str | None = Field(None, description="what the citation supports")

    @model_validator(mode="after")
    def _one_kind(self) -> Citation:
        if (self.document is None) == (self.source is None):
            raise ValueError("a citation names exactly one of document or source")
        if self.source is not None and any(
            v is not None for v in (self.paragraph, self.footnote, self.quote)
        ):
            raise ValueError("paragraph, footnote and quote belong to document citations")
        if self.document is not None and self.pages is not None:
            raise ValueError("pages belongs to source citations")
        if self.paragraph is not None and self.footnote is not None:
            raise ValueError("give paragraph or footnote, not both")
        return self


class Officialness(_Model):
    """How far governments approved something (political approval, not existence)."""

    approval: Approval = Field(
        description="none (no political approval), informal (known to or agreed by political "
        "leaders without formal approval), approved (formally approved by governments)"
    )
    note: str | None = Field(None, description="why this value")
    citations: list[Citation] = Field(default_factory=list, description="sources")


class _Entity(_Model):
    id: Slug = Field(description="stable id, lower-case words joined by hyphens")
    name: Name = Field(description="English and Japanese names")
    aliases: Aliases = Field(default_factory=Aliases, description="other names in the sources")
    acronyms: list[Acronym] = Field(default_factory=list, description="acronyms with windows")
    description: str | None = Field(None, description="a few sentences in our own words")
    citations: list[Citation] = Field(default_factory=list, description="sources for the entry")


# -- actors ----------------------------------------------------------------------------------


class Role(_Model):
    """A position a person held, with dates as precise as the source gives."""

    title: Text = Field(description="title as the source gives it")
    organisation: Slug | None = Field(None, description="actor id of the organisation")
    start: EDTF | None = Field(None, description="start of the role")
    end: EDTF | None = Field(None, description="end of the role")
    citations: list[Citation] = Field(default_factory=list, description="sources")


class Actor(_Entity):
    """A state, an agency or a person."""

    kind: Literal["state", "agency", "person"] = Field(description="state, agency or person")
    side: Side | None = Field(None, description="japan, united-states, joint or other")
    parent: Slug | None = Field(None, description="actor id of the parent (agency in a state)")
    roles: list[Role] = Field(default_factory=list, description="positions held (persons)")
    frus_person: list[Annotated[str, StringConstraints(pattern=r"^p_[A-Za-z0-9]+$")]] = Field(
        default_factory=list, description="ids in FRUS persons lists, e.g. p_RD3"
    )

    @model_validator(mode="after")
    def _roles_for_persons(self) -> Actor:
        if self.kind != "person" and (self.roles or self.frus_person):
            raise ValueError("roles and frus_person are for persons only")
        return self


# -- institutions ----------------------------------------------------------------------------


class LegalBasis(_Model):
    """The instrument a body rests on."""

    instrument: Text = Field(description="treaty, exchange of notes, agreement, decision")
    plan: Slug | None = Field(None, description="plan id of the instrument when it is in the case")
    article: str | None = Field(None, description="article or paragraph")
    note: str | None = Field(None, description="remarks")
    citations: list[Citation] = Field(default_factory=list, description="sources")


class Members(_Model):
    """Who sits on a body, by side: actor ids or titles."""

    japan: list[Text] = Field(default_factory=list, description="Japanese members")
    united_states: list[Text] = Field(
        default_factory=list, alias="united-states", description="U.S. members"
    )
    note: str | None = Field(None, description="remarks, e.g. composition over time")


class Institution(_Entity):
    """A consultation body or channel, created or proposed."""

    kind: Slug = Field(description="committee, subcommittee, talks, commission, conference, ...")
    established: EDTF | None = Field(None, description="when it was created (first meeting)")
    ended: EDTF | None = Field(None, description="when it ended or was replaced")
    proposed: EDTF | None = Field(None, description="when it was proposed")
    legal_basis: LegalBasis | None = Field(None, description="instrument it rests on")
    level: Level | None = Field(
        None, description="ministerial, senior-official, working-level, military-to-military"
    )
    level_note: str | None = Field(None, description="why this level, or why unknown")
    members: Members = Field(default_factory=Members, description="members by side")
    mandate: str | None = Field(None, description="what it was for")
    officialness: Officialness | None = Field(None, description="political approval")
    proposed_by: Side | None = Field(None, description="side that proposed it")
    proposers: list[Slug] = Field(default_factory=list, description="actor ids of the proposers")
    initiative_note: str | None = Field(None, description="who took the initiative, and the doubts")
    outcome: Literal["created", "proposed-failed"] = Field(
        "created", description="created, or proposed-failed"
    )
    parent: Slug | None = Field(None, description="institution id it sits under")
    predecessor: Slug | None = Field(None, description="institution id it replaced")

    @model_validator(mode="after")
    def _outcome(self) -> Institution:
        if self.outcome == "proposed-failed":
            if self.established is not None:
                raise ValueError("a proposal that failed has no established date (use proposed)")
            if self.proposed is None:
                raise ValueError("a proposal that failed needs a proposed date")
        return self


# -- plans and events ------------------------------------------------------------------------


class Provision(_Model):
    """A term of a treaty or agreement: who owes what to whom, and where it applies."""

    article: str | None = Field(None, description="article or paragraph, e.g. V")
    kind: Slug = Field(description="what is owed: defence, basing, consultation, ...")
    owed_by: list[Side] = Field(min_length=1, description="sides that give or owe it")
    beneficiary: list[Side] = Field(default_factory=list, description="sides that receive it")
    scope: Slug | None = Field(
        None, description="where it applies, e.g. japan (territory) or far-east"
    )
    binding: bool = Field(
        True, description="false when the text permits or envisages rather than obliges"
    )
    note: str | None = Field(None, description="the term in our own words, and doubts")
    citations: list[Citation] = Field(default_factory=list, description="sources")


class Plan(_Entity):
    """A plan, agreement, treaty, exercise, war-game, planning group or review."""

    kind: Slug = Field(
        description="plan, agreement, treaty, exercise, war-game, planning-group, ..."
    )
    date: EDTF | None = Field(None, description="signature, approval or start")
    ended: EDTF | None = Field(None, description="expiry or end")
    parties: list[Slug] = Field(default_factory=list, description="actor ids of the parties")
    level: Level | None = Field(None, description="level at which it was made")
    level_note: str | None = Field(None, description="why this level, or why unknown")
    officialness: Officialness | None = Field(None, description="political approval")
    proposed_by: Side | None = Field(None, description="side that proposed it")
    proposers: list[Slug] = Field(default_factory=list, description="actor ids of the proposers")
    initiative_note: str | None = Field(None, description="who took the initiative")
    based_on: Slug | None = Field(None, description="plan or institution id it derives from")
    provisions: list[Provision] = Field(
        default_factory=list, description="coded terms of a treaty or agreement (measures use them)"
    )


class Event(_Entity):
    """Something that happened at a date."""

    kind: Slug = Field(description="nuclear-test, ratification, meeting, decision, ...")
    date: EDTF = Field(description="when it happened")
    actors: list[Slug] = Field(default_factory=list, description="actor ids involved")
    institution: Slug | None = Field(
        None, description="for a meeting: id of the institution that met"
    )


# -- claims ---------------------------------------------------------------------------------


class Cause(_Model):
    """The cause of a hypothesis: the entities or events it names, and the claim in words."""

    refs: list[Slug] = Field(default_factory=list, description="entity or event ids")
    text: Text = Field(description="the cause in words")


class Hypothesis(_Model):
    """One answer to a hypothesis set's question: cause, mechanism, outcome."""

    id: Slug = Field(description="id, unique in the case")
    label: Text = Field(description="short label")
    cause: Cause = Field(description="what did it")
    mechanism: Text = Field(description="how the cause produced the outcome")
    outcome: Text = Field(description="the outcome this hypothesis explains")
    prior: float | None = Field(None, ge=0, le=1, description="prior probability")
    proponent: BibKey | None = Field(None, description="bibliography key of who argues it")
    unevidenced: bool = Field(False, description="true when no evidence is attached on purpose")
    note: str | None = Field(None, description="remarks")
    citations: list[Citation] = Field(default_factory=list, description="sources")


class HypothesisSet(_Model):
    """A question about an outcome and its mutually exclusive rival answers."""

    id: Slug = Field(description="id, unique in the case")
    question: Text = Field(description="the question the rivals answer")
    outcome: Slug = Field(description="entity or event id of the outcome")
    hypotheses: list[Hypothesis] = Field(min_length=1, description="the rivals")
    note: str | None = Field(None, description="how the rivals exclude each other")

    @model_validator(mode="after")
    def _unique(self) -> HypothesisSet:
        ids = [h.id for h in self.hypotheses]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate hypothesis id(s): {', '.join(dup)}")
        return self


class Assessment(_Model):
    """How expected a piece of evidence is under one hypothesis (issue 4 uses these)."""

    likelihood: float | None = Field(None, gt=0, le=1, description="P(evidence | hypothesis)")
    test: TestType | None = Field(None, description="Van Evera test type")
    passed: bool = Field(True, description="false when the test's prediction failed (evidence absent)")
    low: float | None = Field(None, gt=0, le=1, description="lowest plausible likelihood (sensitivity)")
    high: float | None = Field(None, gt=0, le=1, description="highest plausible likelihood (sensitivity)")
    rationale: str | None = Field(None, description="why")

    @model_validator(mode="after")
    def _band(self) -> "Assessment":
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        return self


class Evidence(_Model):
    """A link from a claim or entity to an exact span of a document."""

    id: Slug = Field(description="id, unique in the case")
    target: Slug = Field(description="hypothesis set id or entity id")
    hypothesis: Slug | None = Field(None, description="hypothesis id the stance refers to")
    document: DocKey = Field(description="document id")
    paragraph: int | None = Field(None, ge=0, description="paragraph index")
    footnote: str | None = Field(None, description="footnote id instead of a paragraph")
    start: int = Field(ge=0, description="offset of the first character in the paragraph text")
    end: int = Field(ge=0, description="offset after the last character")
    quote: str = Field(min_length=1, description="the exact text at start:end")
    stance: Stance = Field(description="supports, contradicts or context")
    note: str | None = Field(None, description="why it matters")
    depends_on: list[Slug] = Field(default_factory=list, description="evidence ids it depends on")
    assessments: dict[Slug, Assessment] = Field(
        default_factory=dict, description="per hypothesis id"
    )

    @model_validator(mode="after")
    def _span(self) -> Evidence:
        if (self.paragraph is None) == (self.footnote is None):
            raise ValueError("evidence points at exactly one of paragraph or footnote")
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


# -- case header ----------------------------------------------------------------------------


class BibEntry(_Model):
    """A named published source."""

    key: BibKey = Field(description="key used in citations")
    kind: Literal[
        "article",
        "abstract",
        "book",
        "chapter",
        "review",
        "working-paper",
        "document",
        "treaty-text",
        "web",
        "volume",
    ] = Field(description="what sort of source")
    author: str | None = Field(None, description="author(s); null when not known")
    title: str | None = Field(None, description="title; null when not known")
    journal: str | None = Field(None, description="journal, series or site")
    publisher: str | None = Field(None, description="publisher or issuing body")
    year: int | None = Field(None, description="year of publication")
    volume: str | None = Field(None, description="volume and issue")
    pages: str | None = Field(None, description="pages")
    url: str | None = Field(None, description="address")
    doi: str | None = Field(None, description="DOI without the resolver prefix")
    note: str | None = Field(None, description="what it is and what we use it for")


class Title(_Model):
    """The case title in English and Japanese."""

    en: Text = Field(description="English title")
    ja: Text | None = Field(None, description="Japanese title")


class CaseInfo(_Model):
    """``case.yaml``: the case header."""

    id: Slug = Field(description="case id, also the folder name")
    title: Title = Field(description="English and Japanese titles")
    description: str | None = Field(None, description="what the case covers")
    members: list[Slug] = Field(min_length=1, description="actor ids of the alliance members")
    period: EDTF = Field(description="the span the case covers, e.g. 1951/1978")
    bibliography: list[BibEntry] = Field(default_factory=list, description="named sources")


# -- the aggregate ----------------------------------------------------------------------------

#: kind -> (file name, top-level key, item model)
KINDS: dict[str, tuple[str, str, type[_Model]]] = {
    "actors": ("actors.yaml", "actors", Actor),
    "institutions": ("institutions.yaml", "institutions", Institution),
    "plans": ("plans.yaml", "plans", Plan),
    "events": ("events.yaml", "events", Event),
    "hypotheses": ("hypotheses.yaml", "hypothesis_sets", HypothesisSet),
    "evidence": ("evidence.yaml", "evidence", Evidence),
}
CASE_FILE = "case.yaml"

Entity = Actor | Institution | Plan | Event


@dataclass
class Case:
    """A whole case with lookup by id. Built by ``files.load_case``."""

    info: CaseInfo | None
    actors: list[Actor] = field(default_factory=list)
    institutions: list[Institution] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    hypothesis_sets: list[HypothesisSet] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def items(self, kind: str) -> list[Any]:
        """The list for a kind name of ``KINDS`` ("hypotheses" gives the sets)."""
        return getattr(self, "hypothesis_sets" if kind == "hypotheses" else kind)

    def entities(self) -> Iterator[Entity]:
        yield from self.actors
        yield from self.institutions
        yield from self.plans
        yield from self.events

    def hypotheses(self) -> Iterator[tuple[HypothesisSet, Hypothesis]]:
        for s in self.hypothesis_sets:
            for h in s.hypotheses:
                yield s, h

    def _index(self) -> dict[str, tuple[str, Any]]:
        # Rebuilt on each call: cases are small and callers may mutate the lists.
        idx: dict[str, tuple[str, Any]] = {}
        for kind, attr in (
            ("actor", self.actors),
            ("institution", self.institutions),
            ("plan", self.plans),
            ("event", self.events),
            ("hypothesis-set", self.hypothesis_sets),
            ("evidence", self.evidence),
        ):
            for obj in attr:
                idx.setdefault(obj.id, (kind, obj))
        for _, h in self.hypotheses():
            idx.setdefault(h.id, ("hypothesis", h))
        return idx

    def get(self, id: str) -> Any | None:
        """Any object by id: entity, event, hypothesis set, hypothesis or evidence."""
        hit = self._index().get(id)
        return hit[1] if hit else None

    def kind_of(self, id: str) -> str | None:
        """'actor', 'institution', 'plan', 'event', 'hypothesis-set', 'hypothesis', 'evidence'."""
        hit = self._index().get(id)
        return hit[0] if hit else None

    def entity(self, id: str) -> Entity | None:
        obj = self.get(id)
        return obj if isinstance(obj, (Actor, Institution, Plan, Event)) else None

    def hypothesis_set(self, id: str) -> HypothesisSet | None:
        return next((s for s in self.hypothesis_sets if s.id == id), None)

    def set_of(self, hypothesis_id: str) -> HypothesisSet | None:
        return next((s for s, h in self.hypotheses() if h.id == hypothesis_id), None)

    def evidence_for(self, target: str) -> list[Evidence]:
        """Evidence whose target is this set or entity, or that names this hypothesis."""
        return [
            e
            for e in self.evidence
            if e.target == target or e.hypothesis == target or target in e.assessments
        ]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, keyed like the files (for ``--json`` output and exports)."""

        def dump(items: list[Any]) -> list[dict[str, Any]]:
            return [x.model_dump(mode="json", by_alias=True, exclude_defaults=True) for x in items]

        info = (
            self.info.model_dump(mode="json", by_alias=True, exclude_defaults=True)
            if self.info
            else None
        )
        return {"case": info} | {KINDS[k][1]: dump(self.items(k)) for k in KINDS}

    def source(self, key: str) -> BibEntry | None:
        if self.info is None:
            return None
        return next((b for b in self.info.bibliography if b.key == key), None)
