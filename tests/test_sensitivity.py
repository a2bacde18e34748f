"""Sensitivity analysis: which items and priors a process-tracing verdict hinges on."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allytrace.analysis.bayes import Assessment, EvidenceItem, Hypothesis, InferenceError, infer
from allytrace.analysis.sensitivity import odds_band, sensitivity

H2 = [Hypothesis("h1", "Chinese bomb"), Hypothesis("h2", "Burden-sharing")]


def approx(x: float, rel: float = 1e-9):
    return pytest.approx(x, rel=rel, abs=1e-12)


def pivotal_case():
    # Uniform priors. "gun": smoking gun for h1 (0.5 vs 0.05, +10 dB for h1).
    # "s1", "s2": straws in the wind for h2 (0.6 vs 0.4, −1.76 dB each for h1).
    # Likelihood ratio h1:h2 = (0.5·0.4·0.4) / (0.05·0.6·0.6) = 0.08 / 0.018 = 40/9 = 4.444
    # → P(h1 | E) = 4.444 / 5.444 = 40/49 = 0.816327; h1 leads on the strength of "gun" alone.
    return infer(H2, [
        EvidenceItem("gun", [Assessment("h1", test="smoking-gun")], label="Secret cable"),
        EvidenceItem("s1", [Assessment("h2", test="straw-in-the-wind")]),
        EvidenceItem("s2", [Assessment("h2", test="straw-in-the-wind")]),
    ])


def test_odds_band_by_hand():
    # odds(0.5) = 1 → 1/2 and 2 → probabilities 1/3 and 2/3.
    assert odds_band(0.5) == (approx(1 / 3), approx(2 / 3))
    # odds(0.95) = 19 → 9.5 and 38 → 9.5/10.5 = 0.904762, 38/39 = 0.974359.
    assert odds_band(0.95) == (approx(9.5 / 10.5), approx(38 / 39))
    # A likelihood of 1 is banded as 0.999 (odds 999 → 499.5): low 499.5/500.5, high stays 1.
    assert odds_band(1.0) == (approx(499.5 / 500.5), 1.0)
    assert odds_band(0.5, 3) == (approx(0.25), approx(0.75))
    with pytest.raises(InferenceError):
        odds_band(0.5, 1.0)


def test_removing_the_pivotal_item_flips_the_verdict():
    r = pivotal_case()
    assert r.leader == "h1" and r.posteriors["h1"] == approx(40 / 49)
    s = sensitivity(r)
    assert s.leader == "h1" and s.posterior == approx(40 / 49)
    gun, s1, s2 = s.items
    # Without the gun: 0.4·0.4 = 0.16 against 0.6·0.6 = 0.36 → P(h1) = 0.16 / 0.52 = 0.307692.
    assert gun.posterior_without == approx(0.16 / 0.52)
    assert gun.flips_without and gun.winner_without == "h2" and gun.hinges
    # Without one straw: 0.5·0.4 = 0.2 against 0.05·0.6 = 0.03 → 0.2 / 0.23, h1 stronger.
    assert s1.posterior_without == approx(0.2 / 0.23)
    assert not s1.flips_without
    assert s.hinges_on == ("gun",)
    assert not s.robust
    assert gun.weight == approx(10.0)


def test_item_ranges_are_the_exact_extremes():
    s = sensitivity(pivotal_case())
    gun = s.items[0]
    # Worst for h1: P(E|h1) at the low end of its band (1/3), P(E|h2) at the high end of
    # 0.05's band (odds 1/19 × 2 = 2/19 → 2/21). Ratio h1:h2 = (1/3 · 0.16) / (2/21 · 0.36)
    # = 0.053333 / 0.034286 = 1.5556 → P(h1) = 1.5556 / 2.5556 = 0.608696: h1 still leads.
    worst = (1 / 3 * 0.16) / (2 / 21 * 0.36)
    assert gun.posterior_min == approx(worst / (1 + worst))
    assert not gun.flips_in_range and gun.winner_at_min == "h1"
    # Best: 2/3 and 0.05/2-in-odds (odds 1/38 → 1/39).
    best = (2 / 3 * 0.16) / (1 / 39 * 0.36)
    assert gun.posterior_max == approx(best / (1 + best))


def test_a_stated_range_that_crosses_over_flips_the_verdict():
    # One item, uniform priors: P(E|h1) = 0.6 stated as somewhere in [0.3, 0.8], P(E|h2) = 0.5.
    # Base: 0.6 / 1.1 = 0.545 (h1). At 0.3: 0.3 / 0.8 = 0.375 → h2 leads. At 0.8: 0.8 / 1.3.
    r = infer(H2, [EvidenceItem("e", [Assessment("h1", 0.6, low=0.3, high=0.8),
                                      Assessment("h2", 0.5)])])
    s = sensitivity(r)
    row = next(x for x in s.rows if x.item == "e" and x.hypothesis == "h1")
    assert (row.low, row.high, row.range_source) == (0.3, 0.8, "stated")
    assert row.posterior_low == approx(0.375) and row.posterior_high == approx(0.8 / 1.3)
    assert row.flips and row.winner_low == "h2" and row.winner_high == "h1"
    assert row.swing == approx(0.8 / 1.3 - 0.375)
    assert s.items[0].flips_in_range and s.hinges_on == ("e",)


def test_tornado_rows_cover_every_likelihood_and_prior_largest_swing_first():
    s = sensitivity(pivotal_case())
    likelihood_rows = [r for r in s.rows if r.parameter == "likelihood"]
    prior_rows = [r for r in s.rows if r.parameter == "prior"]
    assert len(likelihood_rows) == 3 * 2 and len(prior_rows) == 2
    swings = [r.swing for r in s.rows]
    assert swings == sorted(swings, reverse=True)
    assert s.tornado(3) == s.rows[:3]
    # Prior of h1: odds 1 ×/÷ 2 → 1/3 and 2/3; posterior odds = prior odds × 40/9.
    row = next(r for r in prior_rows if r.hypothesis == "h1")
    assert (row.low, row.high) == (approx(1 / 3), approx(2 / 3))
    assert row.posterior_low == approx((0.5 * 40 / 9) / (1 + 0.5 * 40 / 9))
    assert row.posterior_high == approx((2 * 40 / 9) / (1 + 2 * 40 / 9))
    assert row.label == "prior of h1"


def test_break_even_prior_ties_the_rivals():
    r = pivotal_case()
    s = sensitivity(r)
    (be,) = s.break_even
    # Evidence weight h1:h2 = 10·log10(40/9) = 6.478 dB → tie at prior odds 9/40 = 0.225.
    assert be.rival == "h2" and be.weight == approx(10 * math.log10(40 / 9))
    assert be.prior_odds == approx(9 / 40) and be.prior_odds_now == approx(1.0)
    p1 = be.prior_odds / (1 + be.prior_odds)
    tie = infer([Hypothesis("h1", prior=p1), Hypothesis("h2", prior=1 - p1)],
                [EvidenceItem(it.item, [Assessment(h, it.p(h)) for h in r.ids]) for it in r.items])
    assert tie.posteriors["h1"] == approx(0.5)


def test_dirichlet_sweep_matches_the_break_even():
    # With two rivals and a uniform prior p1 ~ U(0, 1), h1 leads iff p1/(1 − p1) > 9/40,
    # i.e. p1 > 9/49 = 0.1837: the verdict should hold in about 1 − 9/49 = 81.6 % of draws.
    s = sensitivity(pivotal_case(), draws=20000, seed=1)
    assert s.priors.verdict_share == pytest.approx(40 / 49, abs=0.015)
    assert s.priors.winners["h1"] == pytest.approx(s.priors.verdict_share)
    assert s.priors.posterior_min < 0.5 < s.priors.posterior_max
    # Deterministic for a seed.
    assert sensitivity(pivotal_case(), draws=500, seed=3).priors == \
        sensitivity(pivotal_case(), draws=500, seed=3).priors
    assert math.isnan(sensitivity(pivotal_case(), draws=0).priors.verdict_share)


def test_overwhelming_evidence_is_robust():
    ev = [EvidenceItem(f"g{i}", [Assessment("h1", test="doubly-decisive")]) for i in range(4)]
    s = sensitivity(infer(H2, ev))
    assert s.robust and s.hinges_on == ()
    assert s.priors.verdict_share > 0.99


def test_tied_verdict_reports_only_rivals_pulling_ahead():
    # No evidence, uniform priors: a tie. Raising the prior of h2 puts h2 ahead; the other
    # direction does not "flip" anything.
    r = infer(H2, [])
    assert r.tied
    s = sensitivity(r, draws=100)
    assert s.tied and s.items == ()
    row = next(x for x in s.rows if x.hypothesis == "h2")
    assert row.flips


# -- properties -----------------------------------------------------------------------------

probability = st.floats(min_value=0.02, max_value=0.98, allow_nan=False)


@st.composite
def cases(draw):
    n = draw(st.integers(2, 4))
    ids = [f"h{i}" for i in range(n)]
    hypotheses = [Hypothesis(h) for h in ids]
    k = draw(st.integers(1, 6))
    evidence = [EvidenceItem(f"e{j}", [Assessment(h, draw(probability)) for h in ids])
                for j in range(k)]
    return hypotheses, evidence


@settings(max_examples=150, deadline=None)
@given(cases())
def test_removal_flags_match_recomputing_without_the_item(case):
    hypotheses, evidence = case
    r = infer(hypotheses, evidence)
    s = sensitivity(r, draws=0)
    for k, item in enumerate(s.items):
        rest = infer(hypotheses, evidence[:k] + evidence[k + 1:])
        p_lead = rest.posteriors[r.leader]
        best_rival = max(p for h, p in rest.posteriors.items() if h != r.leader)
        if r.tied:
            continue
        assert item.flips_without == (not p_lead > best_rival + 1e-9)
        assert item.posterior_without == pytest.approx(p_lead, rel=1e-9, abs=1e-12)
        assert (item.item in s.hinges_on) == item.hinges


@settings(max_examples=150, deadline=None)
@given(cases())
def test_item_corners_bound_every_single_likelihood_variation(case):
    hypotheses, evidence = case
    r = infer(hypotheses, evidence)
    s = sensitivity(r, draws=0)
    by_item = {it.item: it for it in s.items}
    for row in s.rows:
        if row.parameter != "likelihood":
            continue
        item = by_item[row.item]
        for p in (row.posterior_low, row.posterior_high):
            assert item.posterior_min - 1e-12 <= p <= item.posterior_max + 1e-12
        if row.flips:  # a single likelihood that flips implies the item's range flips
            assert item.flips_in_range
        assert row.low <= row.base <= row.high


# -- charts ---------------------------------------------------------------------------------


def test_charts_render_to_svg_and_png(tmp_path):
    from allytrace.report.tracing_charts import (
        posterior_chart,
        save,
        tornado_chart,
        trajectory_chart,
    )

    r = pivotal_case()
    s = sensitivity(r, draws=200)
    charts = {
        "posterior": posterior_chart(r),
        "trajectory": trajectory_chart(r, order=["s1", "s2", "gun"]),
        "tornado": tornado_chart(s, r),
    }
    for name, chart in charts.items():
        spec = chart.to_dict()
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        svg = save(chart, tmp_path / f"{name}.svg")
        assert svg.read_text(encoding="utf-8").lstrip().startswith("<svg")
        png = save(chart, tmp_path / f"{name}.png")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = str(charts["trajectory"].to_dict())
    assert "same in any order" in text  # the order-invariance note is on the chart
