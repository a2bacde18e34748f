"""Bayesian process tracing: posteriors over rival hypotheses from assessed evidence.

The method follows Fairfield and Charman, *Social Inquiry and Bayesian Inference* (2022):
a set of mutually exclusive rival hypotheses, taken as exhaustive by assumption; explicit
priors; and for every evidence item, how expected it is under *each* rival, P(E | H_i).
Bayes' rule then gives

    P(H_i | E_1 … E_n)  ∝  P(H_i) · Π_k P(E_k | H_i)

(the product assumes the items are conditionally independent given each hypothesis; items
the analyst marks as dependent are reported, see ``dependence`` below). The arithmetic is
done in log space, so hundreds of small likelihoods neither underflow nor lose precision,
and the result does not depend on the order in which items are added.

Each item's *weight of evidence* is reported in decibans, 10·log10 of a likelihood ratio
(Good's unit, after Turing): +10 dB multiplies the odds by 10, +3 dB roughly doubles them.
Pairwise weights (H_i against H_j) add up across items exactly, in any order; "against the
rest" weights mix the rivals by their prior probabilities.

An analyst may give a Van Evera test type instead of a number. The default table
(:data:`DEFAULT_TESTS`) says what each type means as a pair P(E | H), P(E | ¬H) for a
*passed* test; a failed test observes the complement. The type is assigned relative to
one hypothesis H; every rival without an assessment of its own receives P(E | ¬H) — if
all rivals share one likelihood q, then P(E | ¬H) = q whatever their priors, so this is
the only assignment consistent with the test as stated. See ``docs/process-tracing.md``.

Example::

    >>> hs = [Hypothesis("h1"), Hypothesis("h2"), Hypothesis("h3")]
    >>> hoop_failed = EvidenceItem("e1", [Assessment("h1", test="hoop", passed=False)])
    >>> r = infer(hs, [hoop_failed])
    >>> round(r.posteriors["h1"], 4), round(r.items[0].vs_rest["h1"], 1)
    (0.0476, -10.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..errors import AllytraceError

TestType = Literal["hoop", "smoking-gun", "doubly-decisive", "straw-in-the-wind"]
Dependence = Literal["product", "strongest"]

#: Tolerance when the analyst's priors "sum to 1".
PRIOR_TOLERANCE = 1e-6


class InferenceError(AllytraceError):
    """Assessments or priors that cannot be turned into a posterior (the message says why)."""


# -- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hypothesis:
    """One of the mutually exclusive rivals. ``prior`` None means "no stated prior"."""

    id: str
    label: str = ""
    prior: float | None = None

    @property
    def name(self) -> str:
        return self.label or self.id


@dataclass(frozen=True)
class Assessment:
    """How expected an evidence item is under one hypothesis.

    ``likelihood`` is P(E | H) for the evidence as recorded; ``test`` is a Van Evera test
    type, used when no likelihood is given (and, either way, to supply P(E | ¬H) to rivals
    that have no assessment of their own). ``passed`` says whether the test's prediction was
    borne out: a failed hoop test is ``Assessment(h, test="hoop", passed=False)``.
    ``passed`` only qualifies a test type: a stated ``likelihood`` is always P(E | H) for the
    evidence as recorded. ``low``/``high`` bound the likelihood for the sensitivity analysis
    (default: a band around it).
    """

    hypothesis: str
    likelihood: float | None = None
    test: TestType | None = None
    rationale: str = ""
    passed: bool = True
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence with its assessments (one per hypothesis, or a test type)."""

    id: str
    assessments: Sequence[Assessment] = ()
    depends_on: Sequence[str] = ()
    label: str = ""

    def __post_init__(self) -> None:
        # Accept lists from callers but keep the item immutable.
        object.__setattr__(self, "assessments", tuple(self.assessments))
        object.__setattr__(self, "depends_on", tuple(self.depends_on))

    @property
    def name(self) -> str:
        return self.label or self.id


@dataclass(frozen=True)
class TestLikelihoods:
    """A Van Evera test type as probabilities of a *passed* test: P(E | H) and P(E | ¬H)."""

    p_e_h: float  # certitude: how sure H is to leave this trace
    p_e_not_h: float  # 1 − uniqueness: how often the trace appears when H is false

    def __post_init__(self) -> None:
        for name in ("p_e_h", "p_e_not_h"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and 0 < v < 1):
                raise InferenceError(
                    f"test table: {name} = {v!r} is not strictly between 0 and 1",
                    hint="a test type must leave room for both passing and failing",
                )

    def likelihoods(self, passed: bool) -> tuple[float, float]:
        """(P(obs | H), P(obs | ¬H)) for the observation "passed" or "failed"."""
        if passed:
            return self.p_e_h, self.p_e_not_h
        return 1.0 - self.p_e_h, 1.0 - self.p_e_not_h

    def decibans(self, passed: bool = True) -> float:
        a, b = self.likelihoods(passed)
        return decibans(a, b)


#: Default meaning of the four test types (override any of them with ``tests=``).
#: Two levels per axis: a decisive axis uses 0.95 / 0.05, a non-decisive one 0.5; the straw
#: in the wind is a slight tilt. Passed / failed weights (dB, H against ¬H):
#: hoop +2.8 / −10.0; smoking gun +10.0 / −2.8; doubly decisive +12.8 / −12.8;
#: straw in the wind +1.8 / −1.8.
DEFAULT_TESTS: Mapping[str, TestLikelihoods] = {
    "hoop": TestLikelihoods(0.95, 0.50),
    "smoking-gun": TestLikelihoods(0.50, 0.05),
    "doubly-decisive": TestLikelihoods(0.95, 0.05),
    "straw-in-the-wind": TestLikelihoods(0.60, 0.40),
}


def test_table(
    overrides: Mapping[str, TestLikelihoods | tuple[float, float]] | None = None,
) -> dict[str, TestLikelihoods]:
    """The default test table with the user's overrides applied.

    >>> test_table({"hoop": (0.99, 0.5)})["hoop"]
    TestLikelihoods(p_e_h=0.99, p_e_not_h=0.5)
    """
    table = dict(DEFAULT_TESTS)
    for name, value in (overrides or {}).items():
        if name not in DEFAULT_TESTS:
            raise InferenceError(
                f"test table: unknown test type {name!r}",
                hint="use " + ", ".join(DEFAULT_TESTS),
            )
        table[name] = value if isinstance(value, TestLikelihoods) else TestLikelihoods(*value)
    return table


test_table.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
TestLikelihoods.__test__ = False  # type: ignore[attr-defined]


# -- outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caveat:
    """Something the analyst should know about the result (not an error)."""

    code: str  # priors-normalised, priors-filled, zero-prior, dependent-evidence, ...
    message: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Likelihood:
    """P(E | H) as used, and where it came from."""

    value: float
    source: Literal["given", "test", "rival-of-test"]
    basis: str  # e.g. "hoop test for h1, failed"
    low: float | None = None  # the analyst's bounds, if any
    high: float | None = None


@dataclass(frozen=True)
class ItemWeight:
    """One item's likelihoods and weight of evidence."""

    item: str
    label: str
    likelihoods: Mapping[str, Likelihood]
    vs_rest: Mapping[str, float]  # dB, H against the other rivals mixed by their priors
    vs_rival: Mapping[str, float]  # dB, each H against the result's reference rival
    cluster: tuple[str, ...] = ()  # the dependent items it belongs with (itself included)

    def p(self, hypothesis: str) -> float:
        return self.likelihoods[hypothesis].value

    def decibans(self, hypothesis: str, against: str) -> float:
        """Weight of this item for ``hypothesis`` against ``against`` (pairwise, in dB)."""
        return decibans(self.p(hypothesis), self.p(against))

    @property
    def strength(self) -> float:
        """The largest pairwise weight between any two rivals, in dB (≥ 0)."""
        logs = [math.log10(lk.value) for lk in self.likelihoods.values()]
        return 10.0 * (max(logs) - min(logs))


@dataclass(frozen=True)
class Inference:
    """Posteriors and weights for one hypothesis set."""

    hypotheses: tuple[Hypothesis, ...]
    priors: Mapping[str, float]  # normalised
    posteriors: Mapping[str, float]
    leader: str  # the hypothesis with the highest posterior (first listed on a tie)
    rival: str  # the reference rival for pairwise weights (runner-up unless chosen)
    items: tuple[ItemWeight, ...]  # the items that entered the product, in input order
    excluded: tuple[str, ...]  # items left out: unassessed, or dropped by "strongest"
    clusters: tuple[tuple[str, ...], ...]  # groups of items marked dependent
    dependence: Dependence
    tests: Mapping[str, TestLikelihoods]
    total_vs_rest: Mapping[str, float]  # dB: posterior log-odds − prior log-odds, H vs ¬H
    total_vs_rival: Mapping[str, float]  # dB: sum of the items' vs_rival weights
    caveats: tuple[Caveat, ...] = ()
    tied: bool = False  # True when the leader shares the top posterior with a rival

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(h.id for h in self.hypotheses)

    def hypothesis(self, hid: str) -> Hypothesis:
        for h in self.hypotheses:
            if h.id == hid:
                return h
        raise InferenceError(f"unknown hypothesis {hid!r}", hint="use " + ", ".join(self.ids))

    def item(self, item_id: str) -> ItemWeight:
        for it in self.items:
            if it.item == item_id:
                return it
        raise InferenceError(f"item {item_id!r} is not among the items used")

    def decibans(self, hypothesis: str, against: str) -> float:
        """Total evidence weight for ``hypothesis`` against ``against`` (sum over items)."""
        self.hypothesis(hypothesis)  # unknown ids fail with a clear message
        self.hypothesis(against)
        return float(sum(it.decibans(hypothesis, against) for it in self.items))


@dataclass(frozen=True)
class Step:
    """The state after adding evidence up to and including ``item`` (step 0: the priors)."""

    index: int
    item: str | None
    label: str
    posteriors: Mapping[str, float]
    weight: Mapping[str, float]  # dB of this item vs the rest *given the items before it*


# -- arithmetic ---------------------------------------------------------------------------


def decibans(p_e_h: float, p_e_other: float) -> float:
    """Weight of evidence in decibans: 10·log10 of the likelihood ratio.

    >>> decibans(0.5, 0.05)
    10.0
    """
    return 10.0 * (math.log10(p_e_h) - math.log10(p_e_other))


def _log(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(x)


def normalise_log(logp: np.ndarray) -> np.ndarray:
    """Probabilities from unnormalised log-probabilities along the last axis (log-sum-exp)."""
    logp = np.asarray(logp, dtype=float)
    top = np.max(logp, axis=-1, keepdims=True)
    w = np.exp(logp - top)
    return w / np.sum(w, axis=-1, keepdims=True)


def posterior_vector(priors: np.ndarray, loglik: np.ndarray) -> np.ndarray:
    """Posterior from a prior vector (n,) and log-likelihoods (items, n) — or batches of both."""
    return normalise_log(_log(np.asarray(priors, dtype=float)) + np.sum(loglik, axis=-2))


def _logsumexp(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float)
    if x.size == 0 or np.all(np.isneginf(x)):
        return -math.inf
    top = float(np.max(x))
    return top + math.log(float(np.sum(np.exp(x - top))))


def _log10_odds_vs_rest(logp: np.ndarray, i: int) -> float:
    """log10 of p_i / (1 − p_i) from (unnormalised) log-probabilities, exact near 0 and 1."""
    return (float(logp[i]) - _logsumexp(np.delete(logp, i))) / math.log(10)


def _weight_vs_rest(log_before: np.ndarray, log_after: np.ndarray) -> list[float]:
    """dB per hypothesis: the change in its log-odds against the rest (0 where undefined)."""
    out = []
    for i in range(len(log_before)):
        if math.isinf(log_before[i]) or math.isinf(_logsumexp(np.delete(log_before, i))):
            out.append(0.0)  # a prior of 0 or 1 cannot move: no weight to report
        else:
            change = _log10_odds_vs_rest(log_after, i) - _log10_odds_vs_rest(log_before, i)
            out.append(10.0 * change)
    return out


# -- priors -------------------------------------------------------------------------------


def resolve_priors(hypotheses: Sequence[Hypothesis]) -> tuple[dict[str, float], list[Caveat]]:
    """Normalised priors and caveats: uniform when none is given; missing ones share the rest.

    >>> resolve_priors([Hypothesis("a", prior=0.6), Hypothesis("b", prior=0.6)])[0]
    {'a': 0.5, 'b': 0.5}
    """
    _check_hypotheses(hypotheses)
    caveats: list[Caveat] = []
    given = {h.id: h.prior for h in hypotheses if h.prior is not None}
    for hid, p in given.items():
        if not (isinstance(p, (int, float)) and math.isfinite(p) and 0 <= p <= 1):
            raise InferenceError(f"hypothesis {hid}: prior {p!r} is not a probability in [0, 1]")
    ids = [h.id for h in hypotheses]
    if not given:
        priors = {hid: 1.0 / len(ids) for hid in ids}
    elif len(given) < len(ids):
        missing = [hid for hid in ids if hid not in given]
        rest = 1.0 - sum(given.values())
        if rest <= PRIOR_TOLERANCE:
            raise InferenceError(
                f"priors of {', '.join(given)} sum to {sum(given.values()):.3g} and leave nothing"
                f" for {', '.join(missing)}",
                hint="give every hypothesis a prior, or none (uniform)",
            )
        priors = {hid: given.get(hid, rest / len(missing)) for hid in ids}
        caveats.append(Caveat(
            "priors-filled",
            f"no prior for {', '.join(missing)}: they share the remaining {rest:.3g} equally",
            tuple(missing),
        ))
    else:
        total = sum(given.values())
        if total <= 0:
            raise InferenceError("every prior is 0", hint="at least one rival must be possible")
        priors = {hid: given[hid] / total for hid in ids}
        if abs(total - 1.0) > PRIOR_TOLERANCE:
            caveats.append(Caveat(
                "priors-normalised",
                f"the priors sum to {total:.4g}, not 1; they were divided by {total:.4g}",
            ))
    zero = [hid for hid, p in priors.items() if p == 0]
    if zero:
        caveats.append(Caveat(
            "zero-prior",
            f"prior 0 for {', '.join(zero)}: no evidence can make it possible again",
            tuple(zero),
        ))
    return priors, caveats


def _check_hypotheses(hypotheses: Sequence[Hypothesis]) -> None:
    ids = [h.id for h in hypotheses]
    if len(ids) < 2:
        raise InferenceError(
            "a hypothesis set needs at least two rivals",
            hint="add the rival explanations (at least 'some other cause')",
        )
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise InferenceError(f"duplicate hypothesis id(s): {', '.join(dup)}")


# -- likelihoods --------------------------------------------------------------------------


def resolve_likelihoods(
    item: EvidenceItem,
    hypothesis_ids: Sequence[str],
    tests: Mapping[str, TestLikelihoods] | None = None,
) -> tuple[dict[str, Likelihood], list[Caveat]]:
    """P(E | H) for every hypothesis, from explicit likelihoods and test types.

    A hypothesis's own assessment wins: its ``likelihood`` if given, else its test type's
    P(E | H) (or 1 − P(E | H) for a failed test). A hypothesis without an assessment takes
    the P(E | ¬H) (or 1 − P(E | ¬H)) of the test types given for the others; if those
    disagree, their mean, with a caveat. With no test type to go by, it is an error.

    >>> lk, _ = resolve_likelihoods(
    ...     EvidenceItem("e", [Assessment("h1", test="smoking-gun")]), ["h1", "h2"])
    >>> lk["h1"].value, lk["h2"].value, lk["h2"].source
    (0.5, 0.05, 'rival-of-test')
    """
    table = tests if tests is not None else DEFAULT_TESTS
    known = set(hypothesis_ids)
    caveats: list[Caveat] = []
    own: dict[str, Likelihood] = {}
    implied: list[tuple[float, str]] = []  # (P(obs | ¬H), basis) from each test type
    for a in item.assessments:
        where = f"evidence {item.id}, hypothesis {a.hypothesis}"
        if a.hypothesis not in known:
            raise InferenceError(
                f"{where}: not a hypothesis of this set", hint="use " + ", ".join(hypothesis_ids)
            )
        if a.hypothesis in own:
            raise InferenceError(f"{where}: assessed twice")
        profile = None
        if a.test is not None:
            profile = table.get(a.test)
            if profile is None:
                raise InferenceError(
                    f"{where}: unknown test type {a.test!r}", hint="use " + ", ".join(table)
                )
        outcome = "passed" if a.passed else "failed"
        low, high = _bounds(a, where)
        if a.likelihood is not None:
            _check_probability(a.likelihood, where)
            if low is not None and not (low <= a.likelihood <= high):
                raise InferenceError(
                    f"{where}: likelihood {a.likelihood} is outside [{low}, {high}]"
                )
            own[a.hypothesis] = Likelihood(float(a.likelihood), "given", "stated", low, high)
        elif profile is not None:
            value = profile.likelihoods(a.passed)[0]
            own[a.hypothesis] = Likelihood(value, "test", f"{a.test} test, {outcome}", low, high)
        if profile is not None:
            implied.append(
                (profile.likelihoods(a.passed)[1], f"{a.test} test for {a.hypothesis}, {outcome}")
            )
    missing = [hid for hid in hypothesis_ids if hid not in own]
    if missing:
        if not implied:
            raise InferenceError(
                f"evidence {item.id}: no likelihood for {', '.join(missing)}",
                hint="give P(E | H) for every rival, or a test type that implies it",
            )
        values = sorted({v for v, _ in implied})
        value = float(np.mean([v for v, _ in implied]))
        basis = "; ".join(b for _, b in implied)
        if len(values) > 1:
            caveats.append(Caveat(
                "ambiguous-rivals",
                f"evidence {item.id}: the test types imply different likelihoods for"
                f" {', '.join(missing)} ({', '.join(f'{v:g}' for v in values)}); their mean"
                f" {value:.3g} is used — give these rivals their own likelihoods",
                (item.id,),
            ))
        for hid in missing:
            own[hid] = Likelihood(value, "rival-of-test", basis)
    return {hid: own[hid] for hid in hypothesis_ids}, caveats


def _check_probability(v: object, where: str) -> None:
    if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 < v <= 1):
        raise InferenceError(
            f"{where}: likelihood {v!r} is not in (0, 1]",
            hint="a likelihood of 0 would rule the hypothesis out for good; use a small number",
        )


def _bounds(a: Assessment, where: str) -> tuple[float | None, float | None]:
    if a.low is None and a.high is None:
        return None, None
    if a.low is None or a.high is None:
        raise InferenceError(f"{where}: give both low and high, or neither")
    _check_probability(a.low, where)
    _check_probability(a.high, where)
    if a.low > a.high:
        raise InferenceError(f"{where}: low {a.low} is above high {a.high}")
    return float(a.low), float(a.high)


# -- dependence ---------------------------------------------------------------------------


def dependency_clusters(
    evidence: Sequence[EvidenceItem],
) -> tuple[list[tuple[str, ...]], list[Caveat]]:
    """Groups of items linked by ``depends_on`` (either direction), in input order.

    >>> dependency_clusters([EvidenceItem("a"), EvidenceItem("b", depends_on=["a"]),
    ...                      EvidenceItem("c")])[0]
    [('a', 'b')]
    """
    order = [e.id for e in evidence]
    parent = {i: i for i in order}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    caveats: list[Caveat] = []
    for e in evidence:
        for d in e.depends_on:
            if d == e.id:
                continue
            if d not in parent:
                caveats.append(Caveat(
                    "unknown-dependency",
                    f"evidence {e.id} depends on {d!r}, which is not among the items assessed",
                    (e.id,),
                ))
                continue
            ra, rb = find(e.id), find(d)
            if ra != rb:
                parent[rb] = ra
    groups: dict[str, list[str]] = {}
    for i in order:
        groups.setdefault(find(i), []).append(i)
    clusters = [tuple(g) for g in groups.values() if len(g) > 1]
    return clusters, caveats


# -- inference ----------------------------------------------------------------------------


def infer(
    hypotheses: Sequence[Hypothesis],
    evidence: Sequence[EvidenceItem],
    *,
    tests: Mapping[str, TestLikelihoods | tuple[float, float]] | None = None,
    dependence: Dependence = "product",
    rival: str | None = None,
) -> Inference:
    """Posterior probabilities of the rivals given the evidence, with each item's weight.

    ``tests`` overrides entries of :data:`DEFAULT_TESTS`. ``dependence="product"`` multiplies
    every item's likelihoods and warns about items marked dependent; ``"strongest"`` keeps
    only the strongest item of each dependent cluster (largest pairwise weight), a
    conservative choice that cannot double-count what the items share. ``rival`` is the
    reference hypothesis for the pairwise weights ``vs_rival`` (default: the runner-up, so
    the leader's ``vs_rival`` is its weight against its closest competitor).

    >>> r = infer([Hypothesis("h1", prior=0.3), Hypothesis("h2", prior=0.7)],
    ...           [EvidenceItem("e", [Assessment("h1", test="smoking-gun")])])
    >>> round(r.posteriors["h1"], 4), r.leader, r.items[0].vs_rival["h1"]
    (0.8108, 'h1', 10.0)
    """
    if dependence not in ("product", "strongest"):
        raise InferenceError(
            f"unknown dependence option {dependence!r}", hint="use product or strongest"
        )
    table = test_table(tests)
    priors, caveats = resolve_priors(hypotheses)
    ids = [h.id for h in hypotheses]
    if rival is not None and rival not in priors:
        raise InferenceError(f"unknown rival {rival!r}", hint="use " + ", ".join(ids))
    seen: set[str] = set()
    for e in evidence:
        if e.id in seen:
            raise InferenceError(f"duplicate evidence id {e.id!r}")
        seen.add(e.id)

    excluded: list[str] = []
    resolved: list[tuple[EvidenceItem, dict[str, Likelihood]]] = []
    for e in evidence:
        if not any(a.likelihood is not None or a.test is not None for a in e.assessments):
            excluded.append(e.id)
            caveats.append(Caveat(
                "unassessed", f"evidence {e.id} has no likelihoods or test types: left out", (e.id,)
            ))
            continue
        lk, cav = resolve_likelihoods(e, ids, table)
        resolved.append((e, lk))
        caveats.extend(cav)

    clusters, cav = dependency_clusters([e for e, _ in resolved])
    caveats.extend(cav)
    cluster_of = {i: c for c in clusters for i in c}
    if clusters:
        names = "; ".join(", ".join(c) for c in clusters)
        if dependence == "product":
            caveats.append(Caveat(
                "dependent-evidence",
                f"items marked dependent ({names}): their joint likelihood is not the product of"
                " their likelihoods, so multiplying them counts what they share more than once"
                " — assess them as one item, or use dependence='strongest'",
                tuple(i for c in clusters for i in c),
            ))
        else:
            strength = {e.id: _strength(lk) for e, lk in resolved}
            keep = {max(c, key=lambda i: (strength[i], -c.index(i))) for c in clusters}
            dropped = [i for c in clusters for i in c if i not in keep]
            resolved = [(e, lk) for e, lk in resolved if e.id not in dropped]
            excluded.extend(dropped)
            caveats.append(Caveat(
                "dependence-strongest",
                f"items marked dependent ({names}): only the strongest of each group is used;"
                f" left out: {', '.join(dropped)}",
                tuple(dropped),
            ))

    prior_vec = np.array([priors[h] for h in ids])
    loglik = np.array([[math.log(lk[h].value) for h in ids] for _, lk in resolved]).reshape(
        len(resolved), len(ids)
    )
    post_vec = posterior_vector(prior_vec, loglik)
    posteriors = {h: float(p) for h, p in zip(ids, post_vec)}
    order = sorted(range(len(ids)), key=lambda i: (-post_vec[i], i))
    leader = ids[order[0]]
    tied = bool(post_vec[order[1]] >= post_vec[order[0]] * (1 - 1e-12))
    ref = rival or ids[order[1]]

    items = tuple(
        ItemWeight(
            item=e.id,
            label=e.name,
            likelihoods=lk,
            vs_rest={h: _vs_rest(lk, ids, prior_vec, i) for i, h in enumerate(ids)},
            vs_rival={h: decibans(lk[h].value, lk[ref].value) for h in ids},
            cluster=cluster_of.get(e.id, ()),
        )
        for e, lk in resolved
    )
    log_prior = _log(prior_vec)
    total_vs_rest = dict(zip(ids, _weight_vs_rest(log_prior, log_prior + loglik.sum(axis=0))))
    total_vs_rival = {h: float(sum(it.vs_rival[h] for it in items)) for h in ids}
    return Inference(
        hypotheses=tuple(hypotheses),
        priors=priors,
        posteriors=posteriors,
        leader=leader,
        rival=ref,
        items=items,
        excluded=tuple(excluded),
        clusters=tuple(clusters),
        dependence=dependence,
        tests=table,
        total_vs_rest=total_vs_rest,
        total_vs_rival=total_vs_rival,
        caveats=tuple(caveats),
        tied=tied,
    )


def _strength(lk: Mapping[str, Likelihood]) -> float:
    logs = [math.log10(x.value) for x in lk.values()]
    return 10.0 * (max(logs) - min(logs))


def _vs_rest(
    lk: Mapping[str, Likelihood], ids: Sequence[str], weights: np.ndarray, i: int
) -> float:
    """dB of H_i against the mixture of its rivals, weighted by ``weights`` (uniform if all 0)."""
    w = np.delete(np.asarray(weights, dtype=float), i)
    if w.sum() <= 0:
        w = np.ones_like(w)
    others = np.array([lk[h].value for j, h in enumerate(ids) if j != i])
    return decibans(lk[ids[i]].value, float(np.dot(w, others) / w.sum()))


def trajectory(result: Inference, order: Sequence[str] | None = None) -> tuple[Step, ...]:
    """Posteriors as the items are added one by one, in ``order`` (default: as listed).

    Step 0 holds the priors. The last step equals ``result.posteriors`` whatever the order;
    the per-step weights (each item against the rest, given the items before it) sum to
    ``result.total_vs_rest``.

    >>> r = infer([Hypothesis("a"), Hypothesis("b")],
    ...           [EvidenceItem("e1", [Assessment("a", 0.8), Assessment("b", 0.2)])])
    >>> [round(s.posteriors["a"], 2) for s in trajectory(r)]
    [0.5, 0.8]
    """
    by_id = {it.item: it for it in result.items}
    seq = list(order) if order is not None else [it.item for it in result.items]
    if sorted(seq) != sorted(by_id):
        raise InferenceError(
            "the order must list each item used exactly once",
            hint="items used: " + ", ".join(by_id),
        )
    ids = list(result.ids)
    current = _log(np.array([result.priors[h] for h in ids]))
    steps = [Step(0, None, "prior", dict(result.priors), {h: 0.0 for h in ids})]
    for k, item_id in enumerate(seq, start=1):
        it = by_id[item_id]
        after = current + np.array([math.log(it.p(h)) for h in ids])
        weight = dict(zip(ids, _weight_vs_rest(current, after)))
        posteriors = dict(zip(ids, map(float, normalise_log(after))))
        steps.append(Step(k, item_id, it.label, posteriors, weight))
        current = after
    return tuple(steps)


__all__ = [
    "DEFAULT_TESTS",
    "Assessment",
    "Caveat",
    "EvidenceItem",
    "Hypothesis",
    "Inference",
    "InferenceError",
    "ItemWeight",
    "Likelihood",
    "Step",
    "TestLikelihoods",
    "TestType",
    "decibans",
    "dependency_clusters",
    "infer",
    "normalise_log",
    "posterior_vector",
    "resolve_likelihoods",
    "resolve_priors",
    "test_table",
    "trajectory",
]
