"""Sensitivity of a process-tracing verdict: which likelihoods, items and priors it hinges on.

Likelihoods and priors in qualitative Bayesian work are judgements, not measurements
(Fairfield and Charman 2022 stress this); a verdict deserves trust only as far as it
survives reasonable disagreement about them. This module takes an :class:`Inference` and
reports, for the leading hypothesis (the *verdict* is the argmax of the posteriors):

- **one at a time** (the tornado table): each likelihood P(E_k | H_j) over its plausible
  range — the analyst's ``low``/``high`` when stated, else a band of ×/÷ ``odds_factor`` in
  odds (default 2: 0.5 becomes 1/3 … 2/3; 0.95 becomes 0.905 … 0.974) — and each prior's
  odds ×/÷ ``prior_factor`` with the other priors rescaled; the leader's posterior at both
  ends and whether the verdict flips;
- **per item**: all of an item's likelihoods at once at their least and most favourable
  ends for the leader (the leader's posterior is monotone in each likelihood, so these
  corners are the exact extremes over the item's range, and the least favourable corner is
  the best chance for every rival at once), and the item removed altogether;
- **priors**: a sweep of ``draws`` priors from a Dirichlet(α, …, α) distribution (α = 1:
  uniform over all priors) — the share under which the verdict holds — and, for each rival,
  the break-even prior odds at which the evidence leaves it tied with the leader.

Everything is returned as dataclasses; nothing is printed.

Example::

    >>> from allytrace.analysis.bayes import Assessment, EvidenceItem, Hypothesis, infer
    >>> hs = [Hypothesis("h1"), Hypothesis("h2")]
    >>> ev = [EvidenceItem("gun", [Assessment("h1", test="smoking-gun")]),
    ...       EvidenceItem("straw", [Assessment("h2", test="straw-in-the-wind")])]
    >>> s = sensitivity(infer(hs, ev))
    >>> s.leader, s.hinges_on
    ('h1', ('gun',))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .bayes import Inference, InferenceError, normalise_log

#: Likelihoods of exactly 1 are treated as 1 − ODDS_EPS when building an odds band.
ODDS_EPS = 1e-3
#: Posteriors closer than this count as a tie (the verdict no longer holds).
TIE = 1e-9


@dataclass(frozen=True)
class TornadoRow:
    """One parameter varied alone over its range: the leader's posterior at both ends."""

    parameter: Literal["likelihood", "prior"]
    item: str | None  # None for a prior
    hypothesis: str
    label: str  # "e3 · P(E | h2)" or "prior of h2"
    base: float  # the parameter's value in the analysis
    low: float
    high: float
    range_source: Literal["stated", "band"]
    posterior_low: float  # the leader's posterior with the parameter at ``low``
    posterior_high: float
    winner_low: str
    winner_high: str
    flips: bool  # the verdict does not hold at one end or the other

    @property
    def swing(self) -> float:
        return abs(self.posterior_high - self.posterior_low)


@dataclass(frozen=True)
class ItemSensitivity:
    """One item: all its likelihoods varied together, and the item removed."""

    item: str
    label: str
    weight: float  # dB of this item for the leader against the reference rival
    posterior_min: float  # leader's posterior, the item's likelihoods at their worst for it
    posterior_max: float  # … at their best for it
    winner_at_min: str
    flips_in_range: bool
    posterior_without: float  # leader's posterior without this item
    winner_without: str
    flips_without: bool

    @property
    def hinges(self) -> bool:
        """The verdict depends on this item: its plausible range or its removal flips it."""
        return self.flips_in_range or self.flips_without


@dataclass(frozen=True)
class BreakEven:
    """How sceptical a prior would have to be, against the leader, to tie it with a rival."""

    rival: str
    weight: float  # dB of all the evidence for the leader against this rival
    prior_odds: float  # prior odds leader:rival at which the posteriors are equal
    prior_odds_now: float  # the prior odds leader:rival used (inf if the rival's prior is 0)


@dataclass(frozen=True)
class PriorSweep:
    """The verdict under many priors drawn from a symmetric Dirichlet distribution."""

    draws: int
    alpha: float
    seed: int
    verdict_share: float  # share of draws under which the leader still leads
    winners: dict[str, float]  # share of draws each hypothesis leads
    posterior_min: float  # the leader's posterior across the draws
    posterior_median: float
    posterior_max: float


@dataclass(frozen=True)
class Sensitivity:
    """What the verdict hinges on."""

    leader: str
    posterior: float  # the leader's posterior in the analysis
    tied: bool
    rows: tuple[TornadoRow, ...]  # the tornado table, largest swing first
    items: tuple[ItemSensitivity, ...]  # in the analysis's order
    break_even: tuple[BreakEven, ...]
    priors: PriorSweep
    odds_factor: float
    prior_factor: float
    hinges_on: tuple[str, ...]  # items whose range or removal flips the verdict

    def tornado(self, top: int | None = None) -> tuple[TornadoRow, ...]:
        """The ``top`` rows with the largest swing (all rows by default)."""
        return self.rows if top is None else self.rows[:top]

    @property
    def robust(self) -> bool:
        """No single parameter, item or removal flips the verdict."""
        return not self.hinges_on and not any(r.flips for r in self.rows)


def odds_band(p: float, factor: float = 2.0) -> tuple[float, float]:
    """A probability's range when its odds are divided and multiplied by ``factor``.

    >>> [round(x, 4) for x in odds_band(0.5)]
    [0.3333, 0.6667]
    >>> odds_band(1.0)[1]
    1.0
    """
    if not factor > 1:
        raise InferenceError(f"odds factor {factor!r} must be above 1")
    if not 0 <= p <= 1:
        raise InferenceError(f"{p!r} is not a probability")
    if p == 0:
        return 0.0, 0.0
    q = min(p, 1.0 - ODDS_EPS)
    odds = q / (1.0 - q)
    lo = (odds / factor) / (1.0 + odds / factor)
    hi = (odds * factor) / (1.0 + odds * factor)
    return min(lo, p), max(hi, p)


def _log(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):  # a prior of 0 is log 0 = −inf, on purpose
        return np.log(x)


def _prior_scaled(priors: np.ndarray, j: int, new: float) -> np.ndarray:
    """Priors with p_j set to ``new`` and the others rescaled to keep their proportions."""
    out = priors.astype(float).copy()
    rest = 1.0 - priors[j]
    out[j] = new
    if rest > 0:
        mask = np.arange(len(out)) != j
        out[mask] = priors[mask] * (1.0 - new) / rest
    return out


def sensitivity(
    result: Inference,
    *,
    odds_factor: float = 2.0,
    prior_factor: float = 2.0,
    draws: int = 2000,
    alpha: float = 1.0,
    seed: int = 0,
) -> Sensitivity:
    """Vary each likelihood, each item and the priors; report what the verdict hinges on.

    Works on the items the inference used (under ``dependence="strongest"`` the dropped
    items are not varied). ``draws=0`` skips the Dirichlet sweep.
    """
    if draws < 0 or not alpha > 0:
        raise InferenceError("draws must be ≥ 0 and alpha > 0")
    ids = list(result.ids)
    n = len(ids)
    lead = ids.index(result.leader)
    priors = np.array([result.priors[h] for h in ids], dtype=float)
    log_prior = _log(priors)
    items = result.items
    loglik = np.array([[math.log(it.p(h)) for h in ids] for it in items]).reshape(len(items), n)
    tied = result.tied

    def post(ll: np.ndarray, lp: np.ndarray = log_prior) -> np.ndarray:
        return normalise_log(lp + ll.sum(axis=0))

    def holds(p: np.ndarray) -> bool:
        best_rival = float(np.delete(p, lead).max())
        if tied:  # no verdict to begin with: "flips" means a rival pulls ahead
            return not best_rival > p[lead] + TIE
        return bool(p[lead] > best_rival + TIE)

    def winner(p: np.ndarray) -> str:
        return ids[int(np.argmax(p))]

    base = post(loglik)

    # one at a time: likelihoods
    rows: list[TornadoRow] = []
    bounds: list[list[tuple[float, float]]] = []
    for k, it in enumerate(items):
        row_bounds = []
        for j, h in enumerate(ids):
            lk = it.likelihoods[h]
            if lk.low is not None and lk.high is not None:
                lo, hi, source = lk.low, lk.high, "stated"
            else:
                lo, hi = odds_band(lk.value, odds_factor)
                source = "band"
            row_bounds.append((lo, hi))
            ends = []
            for v in (lo, hi):
                ll = loglik.copy()
                ll[k, j] = math.log(v)
                ends.append(post(ll))
            rows.append(TornadoRow(
                "likelihood", it.item, h, f"{it.item} · P(E | {h})", lk.value, lo, hi, source,
                float(ends[0][lead]), float(ends[1][lead]), winner(ends[0]), winner(ends[1]),
                not (holds(ends[0]) and holds(ends[1])),
            ))
        bounds.append(row_bounds)

    # one at a time: priors (odds ×/÷ prior_factor, the others keep their proportions)
    for j, h in enumerate(ids):
        if not 0 < priors[j] < 1:
            continue
        lo, hi = odds_band(float(priors[j]), prior_factor)
        ends = [post(loglik, _log(_prior_scaled(priors, j, v))) for v in (lo, hi)]
        rows.append(TornadoRow(
            "prior", None, h, f"prior of {h}", float(priors[j]), lo, hi, "band",
            float(ends[0][lead]), float(ends[1][lead]), winner(ends[0]), winner(ends[1]),
            not (holds(ends[0]) and holds(ends[1])),
        ))
    order = sorted(range(len(rows)), key=lambda i: (-rows[i].swing, i))
    rows = [rows[i] for i in order]

    # per item: joint corners and removal
    per_item: list[ItemSensitivity] = []
    for k, it in enumerate(items):
        worst, best = loglik.copy(), loglik.copy()
        for j in range(n):
            lo, hi = bounds[k][j]
            worst[k, j] = math.log(lo if j == lead else hi)
            best[k, j] = math.log(hi if j == lead else lo)
        p_worst, p_best = post(worst), post(best)
        p_without = post(np.delete(loglik, k, axis=0))
        per_item.append(ItemSensitivity(
            item=it.item,
            label=it.label,
            weight=it.decibans(result.leader, result.rival) if result.rival != result.leader
            else 0.0,
            posterior_min=float(p_worst[lead]),
            posterior_max=float(p_best[lead]),
            winner_at_min=winner(p_worst),
            flips_in_range=not holds(p_worst),
            posterior_without=float(p_without[lead]),
            winner_without=winner(p_without),
            flips_without=not holds(p_without),
        ))

    # priors: break-even odds and a Dirichlet sweep
    break_even = []
    for j, h in enumerate(ids):
        if j == lead:
            continue
        w = result.decibans(result.leader, h)
        now = math.inf if priors[j] == 0 else float(priors[lead] / priors[j])
        break_even.append(BreakEven(h, w, 10.0 ** (-w / 10.0), now))

    if draws:
        rng = np.random.default_rng(seed)
        sample = rng.dirichlet(np.full(n, alpha), size=draws)
        sweep = normalise_log(_log(sample) + loglik.sum(axis=0))
        best_rival = np.delete(sweep, lead, axis=1).max(axis=1)
        held = sweep[:, lead] > best_rival + TIE
        wins = np.argmax(sweep, axis=1)
        prior_sweep = PriorSweep(
            draws, alpha, seed, float(held.mean()),
            {h: float(np.mean(wins == j)) for j, h in enumerate(ids)},
            float(sweep[:, lead].min()), float(np.median(sweep[:, lead])),
            float(sweep[:, lead].max()),
        )
    else:
        p = float(base[lead])
        prior_sweep = PriorSweep(0, alpha, seed, math.nan, {}, p, p, p)

    hinges = tuple(s.item for s in per_item if s.hinges)
    return Sensitivity(
        leader=result.leader,
        posterior=float(base[lead]),
        tied=tied,
        rows=tuple(rows),
        items=tuple(per_item),
        break_even=tuple(break_even),
        priors=prior_sweep,
        odds_factor=odds_factor,
        prior_factor=prior_factor,
        hinges_on=hinges,
    )


__all__ = [
    "BreakEven",
    "ItemSensitivity",
    "PriorSweep",
    "Sensitivity",
    "TornadoRow",
    "odds_band",
    "sensitivity",
]
