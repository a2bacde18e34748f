"""Process tracing on a case: a hypothesis set and its evidence, turned into an inference.

The case holds authored judgements (priors, likelihoods or Van Evera test types, dependence
between items); this module converts them into the inputs of :mod:`analysis.bayes`, runs the
inference and the sensitivity analysis, and returns one ``Trace`` that reports and the web
workbench render. It adds no judgement of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import NotFoundError
from .bayes import Assessment, EvidenceItem, Hypothesis, Inference, InferenceError, infer
from .sensitivity import Sensitivity, sensitivity


@dataclass
class EvidenceRow:
    """One evidence item as the report shows it: the span, the judgements, its weight."""

    evidence: object  # case.model.Evidence
    weight: object | None  # bayes.ItemWeight, None when the item did not enter the product
    excluded_reason: str | None = None

    @property
    def id(self) -> str:
        return self.evidence.id  # type: ignore[attr-defined]


@dataclass
class Trace:
    set: object  # case.model.HypothesisSet
    inference: Inference
    sensitivity: Sensitivity
    rows: list[EvidenceRow] = field(default_factory=list)

    @property
    def leader(self):  # type: ignore[no-untyped-def]
        return next(h for h in self.set.hypotheses if h.id == self.inference.leader)  # type: ignore[attr-defined]


def evidence_of(case, set_id: str) -> list:  # type: ignore[no-untyped-def]
    """The evidence items that bear on a hypothesis set, in case-file order."""
    hs = case.hypothesis_set(set_id)
    ids = {h.id for h in hs.hypotheses}
    return [e for e in case.evidence if e.target == set_id or e.hypothesis in ids]


def to_bayes(case, set_id: str) -> tuple[list[Hypothesis], list[EvidenceItem]]:  # type: ignore[no-untyped-def]
    """Convert a case's hypothesis set and its evidence into the inference's dataclasses."""
    hs = case.hypothesis_set(set_id)
    if hs is None:
        sets = ", ".join(s.id for s in case.hypothesis_sets)
        raise NotFoundError(f"no hypothesis set {set_id!r}", hint=f"choose one of: {sets}")
    ids = {h.id for h in hs.hypotheses}
    hyps = [Hypothesis(h.id, h.label, h.prior) for h in hs.hypotheses]
    items = []
    for e in evidence_of(case, set_id):
        assessments = [
            Assessment(hid, a.likelihood, a.test, a.rationale or "", a.passed, a.low, a.high)
            for hid, a in e.assessments.items()
            if hid in ids
        ]
        label = (e.note or e.quote)[:90]
        items.append(EvidenceItem(e.id, tuple(assessments), tuple(e.depends_on), label))
    return hyps, items


def trace(case, set_id: str, *, dependence: str = "product", odds_factor: float = 2.0,  # type: ignore[no-untyped-def]
          draws: int = 2000) -> Trace:
    """Posteriors, weights and sensitivity for one hypothesis set of a case."""
    hyps, items = to_bayes(case, set_id)
    if len(hyps) < 2:
        raise InferenceError(f"hypothesis set {set_id!r} has one hypothesis; process tracing needs rivals")
    result = infer(hyps, items, dependence=dependence)  # type: ignore[arg-type]
    sens = sensitivity(result, odds_factor=odds_factor, draws=draws)
    weights = {w.item: w for w in result.items}
    rows = []
    for e in evidence_of(case, set_id):
        reason = None
        if e.id not in weights:
            reason = ("dropped: a stronger item of its dependent cluster counts instead"
                      if e.assessments else "no likelihoods or test types: context only")
        rows.append(EvidenceRow(e, weights.get(e.id), reason))
    return Trace(case.hypothesis_set(set_id), result, sens, rows)
