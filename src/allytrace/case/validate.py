"""Check a case folder against itself and against the corpus.

``validate_case(folder, lookup)`` reads the folder leniently (so one bad item never hides
the others) and reports, each with file, line and field:

- schema problems (types, vocabularies, unknown keys, bad YAML);
- date sanity: nothing ends before it starts, dates fall in the case period, acronym
  windows overlap the life of what they name;
- references: every actor, institution, plan, event, hypothesis, evidence and bibliography
  id that is named exists (and ids are unique across the case);
- documents: every cited document resolves through ``lookup`` (the store supplies it), and
  every quote equals the document text at its offsets — with the right offsets when the
  quote occurs exactly once;
- claims: every hypothesis has evidence or is marked ``unevidenced``; priors are complete
  and sum to one.

The document lookup is injected so this module needs no database: in tests it is a dict
built by the FRUS reader (``lookup.lookup_from_volumes``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..dates import FuzzyDate
from ..sources.records import Document
from .files import ParsedCase, parse_case
from .model import (
    KINDS,
    SLUG_PATTERN,
    Actor,
    Citation,
    Event,
    Evidence,
    HypothesisSet,
    Institution,
    Plan,
)
from .problems import Problem, errors
from .spans import check_span, quote_in

Lookup = Callable[[str], Document | None]

__all__ = ["Lookup", "Problem", "errors", "validate_case"]

_SLUG = re.compile(SLUG_PATTERN)
_KIND_WORDS = {
    "actors": "actor",
    "institutions": "institution",
    "plans": "plan",
    "events": "event",
    "hypotheses": "hypothesis set",
    "evidence": "evidence item",
    "hypothesis": "hypothesis",
}


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _walk_citations(obj: Any, loc: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Citation]]:
    """Every Citation inside a model, with its field path."""
    if isinstance(obj, Citation):
        yield loc, obj
        return
    if isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk_citations(v, loc + (i,))
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk_citations(v, loc + (k,))
        return
    fields = getattr(type(obj), "model_fields", None)
    if fields:
        for name, info in fields.items():
            yield from _walk_citations(getattr(obj, name), loc + (info.alias or name,))


def _ends_before(start: FuzzyDate | None, end: FuzzyDate | None) -> bool:
    """True only when ``end`` certainly precedes ``start``, whatever their precision."""
    return start is not None and end is not None and end.latest() < start.earliest()


class _Checker:
    def __init__(self, parsed: ParsedCase, lookup: Lookup | None) -> None:
        self.p = parsed
        self.case = parsed.case
        self.src = parsed.source
        self.lookup = lookup
        self.out: list[Problem] = list(parsed.problems)
        self._docs: dict[str, Document | None] = {}

    # -- helpers ----------------------------------------------------------------------------
    def where(self, kind: str, index: int) -> tuple[Any, ...]:
        """YAML path prefix of the index-th valid item of a kind."""
        if kind == "case":
            return ()
        return (self._key(kind), self.p.positions[kind][index])

    @staticmethod
    def _key(kind: str) -> str:
        return KINDS[kind][1]

    def add(
        self,
        kind: str,
        loc: Sequence[Any],
        message: str,
        *,
        code: str,
        severity: str = "error",
        hint: str | None = None,
    ) -> None:
        self.out.append(
            self.src.problem(kind, tuple(loc), message, severity=severity, code=code, hint=hint)
        )

    def items(self) -> Iterator[tuple[str, int, Any]]:
        for kind in ("actors", "institutions", "plans", "events", "hypotheses", "evidence"):
            for i, obj in enumerate(self.case.items(kind)):
                yield kind, i, obj

    def doc(self, key: str) -> Document | None:
        if key not in self._docs:
            self._docs[key] = self.lookup(key) if self.lookup else None
        return self._docs[key]

    # -- ids ----------------------------------------------------------------------------------
    def check_ids(self) -> None:
        seen: dict[str, str] = {}
        for kind, i, obj in self.items():
            ids = [((), obj.id)]
            if isinstance(obj, HypothesisSet):
                ids += [(("hypotheses", j, "id"), h.id) for j, h in enumerate(obj.hypotheses)]
            for sub, ident in ids:
                loc = self.where(kind, i) + (sub or ("id",))
                if ident in seen:
                    self.add(
                        kind,
                        loc,
                        f"duplicate id {ident!r} (already used in {seen[ident]})",
                        code="reference",
                        hint="ids must be unique across the whole case",
                    )
                else:
                    seen[ident] = self.src.path(kind).name
        info = self.case.info
        if info:
            keys: set[str] = set()
            for j, b in enumerate(info.bibliography):
                if b.key in keys:
                    self.add(
                        "case",
                        ("bibliography", j, "key"),
                        f"duplicate bibliography key {b.key!r}",
                        code="reference",
                    )
                keys.add(b.key)

    # -- references ---------------------------------------------------------------------------
    def _kinds(self) -> dict[str, str]:
        return {obj.id: kind for kind, _, obj in self.items()} | {
            h.id: "hypothesis" for _, h in self.case.hypotheses()
        }

    def check_references(self) -> None:
        kinds = self._kinds()
        bib = {b.key for b in self.case.info.bibliography} if self.case.info else None
        actor_ids = {a.id for a in self.case.actors}
        inst_ids = {x.id for x in self.case.institutions}
        plan_ids = {x.id for x in self.case.plans}
        entity_ids = actor_ids | inst_ids | plan_ids | {e.id for e in self.case.events}
        set_ids = {s.id for s in self.case.hypothesis_sets}
        ev_ids = {e.id for e in self.case.evidence}

        invalid = self.p.invalid_ids

        def need(
            kind: str, loc: tuple[Any, ...], ident: str | None, allowed: set[str], what: str
        ) -> None:
            if ident is None or ident in allowed or ident in invalid:
                return  # items that failed to load were reported once already
            got = kinds.get(ident)
            msg = (
                f"unknown {what} {ident!r}"
                if got is None
                else f"{ident!r} is {_a(_KIND_WORDS.get(got, got))}, not {_a(what)}"
            )
            self.add(kind, loc, msg, code="reference")

        def need_bib(kind: str, loc: tuple[Any, ...], key: str | None) -> None:
            if key is None or bib is None or key in bib:
                return
            self.add(
                kind,
                loc,
                f"unknown bibliography key {key!r}",
                code="reference",
                hint="add it to bibliography in case.yaml",
            )

        if self.case.info:
            for j, m in enumerate(self.case.info.members):
                need("case", ("members", j), m, actor_ids, "actor")

        for kind, i, obj in self.items():
            at = self.where(kind, i)
            name = getattr(obj, "name", None)
            if name is not None:
                need_bib(kind, at + ("name", "ja_source"), name.ja_source)
            if isinstance(obj, Actor):
                need(kind, at + ("parent",), obj.parent, actor_ids - {obj.id}, "actor")
                for j, r in enumerate(obj.roles):
                    need(
                        kind, at + ("roles", j, "organisation"), r.organisation, actor_ids, "actor"
                    )
            elif isinstance(obj, Institution):
                need(kind, at + ("parent",), obj.parent, inst_ids - {obj.id}, "institution")
                need(
                    kind, at + ("predecessor",), obj.predecessor, inst_ids - {obj.id}, "institution"
                )
                for j, a in enumerate(obj.proposers):
                    need(kind, at + ("proposers", j), a, actor_ids, "actor")
                if obj.legal_basis:
                    need(kind, at + ("legal_basis", "plan"), obj.legal_basis.plan, plan_ids, "plan")
                for side in ("japan", "united-states"):
                    for j, m in enumerate(getattr(obj.members, side.replace("-", "_"))):
                        if _SLUG.match(m) and m not in actor_ids:
                            self.add(
                                kind,
                                at + ("members", side, j),
                                f"{m!r} looks like an id but no actor has it",
                                code="reference",
                                severity="warning",
                                hint="use an actor id or a title in words",
                            )
            elif isinstance(obj, Plan):
                for field in ("parties", "proposers"):
                    for j, a in enumerate(getattr(obj, field)):
                        need(kind, at + (field, j), a, actor_ids, "actor")
                need(
                    kind,
                    at + ("based_on",),
                    obj.based_on,
                    (plan_ids | inst_ids) - {obj.id},
                    "plan or institution",
                )
            elif isinstance(obj, Event):
                for j, a in enumerate(obj.actors):
                    need(kind, at + ("actors", j), a, actor_ids, "actor")
                need(kind, at + ("institution",), obj.institution, inst_ids, "institution")
            elif isinstance(obj, HypothesisSet):
                need(kind, at + ("outcome",), obj.outcome, entity_ids, "entity or event")
                for j, h in enumerate(obj.hypotheses):
                    hat = at + ("hypotheses", j)
                    for k, r in enumerate(h.cause.refs):
                        need(kind, hat + ("cause", "refs", k), r, entity_ids, "entity or event")
                    need_bib(kind, hat + ("proponent",), h.proponent)
            elif isinstance(obj, Evidence):
                need(
                    kind,
                    at + ("target",),
                    obj.target,
                    set_ids | entity_ids,
                    "hypothesis set or entity",
                )
                target = self.case.hypothesis_set(obj.target)
                hyp_ids = (
                    {h.id for h in target.hypotheses}
                    if target
                    else {h.id for _, h in self.case.hypotheses()}
                )
                scope = f"hypothesis of set {obj.target!r}" if target else "hypothesis"
                need(kind, at + ("hypothesis",), obj.hypothesis, hyp_ids, scope)
                for hid in obj.assessments:
                    need(kind, at + ("assessments", hid), hid, hyp_ids, scope)
                for j, d in enumerate(obj.depends_on):
                    if d == obj.id:
                        self.add(
                            kind,
                            at + ("depends_on", j),
                            "evidence cannot depend on itself",
                            code="reference",
                        )
                    else:
                        need(kind, at + ("depends_on", j), d, ev_ids, "evidence")
            for loc, c in _walk_citations(obj, ()):
                need_bib(kind, at + loc + ("source",), c.source)

    # -- dates --------------------------------------------------------------------------------
    def check_dates(self) -> None:
        period = self.case.info.period if self.case.info else None
        lo, hi = (period.earliest(), period.latest()) if period else (None, None)

        def in_period(kind: str, loc: tuple[Any, ...], d: FuzzyDate | None) -> None:
            if d is not None and period is not None and not d.overlaps(lo, hi):
                self.add(
                    kind,
                    loc,
                    f"{d} is outside the case period {period}",
                    code="date",
                    severity="warning",
                )

        def order(
            kind: str, loc: tuple[Any, ...], a: FuzzyDate | None, b: FuzzyDate | None, what: str
        ) -> None:
            if _ends_before(a, b):
                self.add(
                    kind,
                    loc,
                    f"{what} ({b}) is before the start ({a})",
                    code="date",
                    hint="dates are reversed or one is mistyped",
                )

        for kind, i, obj in self.items():
            at = self.where(kind, i)
            life: tuple[FuzzyDate | None, FuzzyDate | None] = (None, None)
            if isinstance(obj, Institution):
                order(kind, at + ("ended",), obj.established, obj.ended, "ended")
                if _ends_before(obj.proposed, obj.established):
                    self.add(
                        kind,
                        at + ("established",),
                        f"established ({obj.established}) before it was proposed ({obj.proposed})",
                        code="date",
                        severity="warning",
                    )
                for f in ("established", "ended", "proposed"):
                    in_period(kind, at + (f,), getattr(obj, f))
                if obj.outcome == "created" and obj.established is None:
                    self.add(
                        kind,
                        at + ("established",),
                        "created institution has no established date",
                        code="date",
                        severity="warning",
                        hint="give the year at least, or a range",
                    )
                life = (obj.established or obj.proposed, obj.ended)
            elif isinstance(obj, Plan):
                order(kind, at + ("ended",), obj.date, obj.ended, "ended")
                in_period(kind, at + ("date",), obj.date)
                life = (obj.date, obj.ended)
            elif isinstance(obj, Event):
                in_period(kind, at + ("date",), obj.date)
                life = (obj.date, obj.date)
            elif isinstance(obj, Actor):
                for j, r in enumerate(obj.roles):
                    order(kind, at + ("roles", j, "end"), r.start, r.end, "role end")
            for j, acr in enumerate(getattr(obj, "acronyms", [])):
                w = acr.window
                loc = at + ("acronyms", j, "window")
                if w is None:
                    continue
                start, end = life
                if (start is not None and w.latest() < start.earliest()) or (
                    end is not None and w.earliest() > end.latest()
                ):
                    self.add(
                        kind,
                        loc,
                        f"acronym window {w} lies outside the life of {obj.id!r}",
                        code="date",
                        severity="warning",
                    )
                in_period(kind, loc, w)

    # -- documents and quotes -------------------------------------------------------------------
    def check_documents(self) -> None:
        if self.lookup is None:
            self.out.append(
                Problem(
                    str(self.src.folder),
                    None,
                    None,
                    "no corpus given: document ids and quotes were not checked",
                    severity="warning",
                    code="document",
                )
            )
            return
        for kind, i, obj in self.items():
            at = self.where(kind, i)
            for loc, c in _walk_citations(obj, ()):
                if c.document is None:
                    continue
                doc = self.doc(c.document)
                if doc is None:
                    self.add(
                        kind,
                        at + loc + ("document",),
                        f"no such document in the project: {c.document!r}",
                        code="document",
                        hint="ingest its volume or fix the id",
                    )
                    continue
                if c.paragraph is not None and not 0 <= c.paragraph < len(doc.paragraphs):
                    self.add(
                        kind,
                        at + loc + ("paragraph",),
                        f"{c.document} has no paragraph {c.paragraph} "
                        f"(it has {len(doc.paragraphs)})",
                        code="document",
                    )
                    continue
                if c.footnote is not None and not any(f.id == c.footnote for f in doc.footnotes):
                    self.add(
                        kind,
                        at + loc + ("footnote",),
                        f"{c.document} has no footnote {c.footnote!r}",
                        code="document",
                    )
                    continue
                if c.quote and not quote_in(doc, c.paragraph, c.footnote, c.quote):
                    part = (
                        f"paragraph {c.paragraph}"
                        if c.paragraph is not None
                        else f"footnote {c.footnote}"
                        if c.footnote
                        else "the document"
                    )
                    self.add(
                        kind,
                        at + loc + ("quote",),
                        f"quote not found in {part} of {c.document}",
                        code="quote",
                    )
            if isinstance(obj, Evidence):
                doc = self.doc(obj.document)
                if doc is None:
                    self.add(
                        kind,
                        at + ("document",),
                        f"no such document in the project: {obj.document!r}",
                        code="document",
                        hint="ingest its volume or fix the id",
                    )
                    continue
                res = check_span(doc, obj.paragraph, obj.footnote, obj.start, obj.end, obj.quote)
                if not res.ok:
                    field = (
                        "paragraph"
                        if obj.paragraph is not None and "no paragraph" in res.message
                        else ("footnote" if "no footnote" in res.message else "quote")
                    )
                    self.add(kind, at + (field,), res.message, code="quote", hint=res.hint)

    # -- claims -------------------------------------------------------------------------------
    def check_claims(self) -> None:
        for i, s in enumerate(self.case.hypothesis_sets):
            at = self.where("hypotheses", i)
            if len(s.hypotheses) < 2:
                self.add(
                    "hypotheses",
                    at + ("hypotheses",),
                    "a hypothesis set needs at least two rivals",
                    code="prior",
                    severity="warning",
                )
            priors = [h.prior for h in s.hypotheses]
            if any(p is not None for p in priors):
                if any(p is None for p in priors):
                    self.add(
                        "hypotheses",
                        at + ("hypotheses",),
                        "some rivals have priors and some do not",
                        code="prior",
                        severity="warning",
                    )
                else:
                    total = sum(p for p in priors if p is not None)
                    if abs(total - 1.0) > 1e-6:
                        self.add(
                            "hypotheses",
                            at + ("hypotheses",),
                            f"priors sum to {total:g}, not 1 (rivals must be exhaustive)",
                            code="prior",
                            severity="warning",
                        )
            for j, h in enumerate(s.hypotheses):
                has = any(
                    (e.target == s.id and e.hypothesis == h.id)
                    or h.id in e.assessments
                    or e.target == h.id
                    for e in self.case.evidence
                )
                loc = at + ("hypotheses", j)
                if not has and not h.unevidenced:
                    self.add(
                        "hypotheses",
                        loc + ("id",),
                        f"hypothesis {h.id!r} has no evidence and is not marked unevidenced",
                        code="evidence",
                        hint="attach evidence or set unevidenced: true",
                    )
                elif has and h.unevidenced:
                    self.add(
                        "hypotheses",
                        loc + ("unevidenced",),
                        f"hypothesis {h.id!r} is marked unevidenced but has evidence",
                        code="evidence",
                        severity="warning",
                    )

    def run(self) -> list[Problem]:
        self.check_ids()
        self.check_references()
        self.check_dates()
        self.check_documents()
        self.check_claims()
        order = {"error": 0, "warning": 1}
        return sorted(
            self.out, key=lambda p: (order[p.severity], p.path, p.line or 0, p.field or "")
        )


def validate_case(folder: str | Path, lookup: Lookup | None) -> list[Problem]:
    """All problems in a case folder, errors first, each with file, line and field.

    ``lookup(doc_key)`` returns the corpus ``Document`` or None; pass None to skip the
    document and quote checks (a warning says so). A folder that does not exist raises
    ``CaseError``; everything else is reported as a ``Problem``.

    >>> problems = validate_case("cases/japan-us", store.document)   # doctest: +SKIP
    >>> [str(p) for p in problems if p.severity == "error"]           # doctest: +SKIP
    []
    """
    return _Checker(parse_case(folder), lookup).run()
