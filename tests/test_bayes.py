"""Bayesian process tracing: hand-worked examples and properties of the posterior arithmetic."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allytrace.analysis.bayes import (
    DEFAULT_TESTS,
    Assessment,
    EvidenceItem,
    Hypothesis,
    InferenceError,
    decibans,
    dependency_clusters,
    infer,
    resolve_likelihoods,
    resolve_priors,
    test_table,
    trajectory,
)
from allytrace.errors import AllytraceError

H3 = [
    Hypothesis("h1", "Chinese bomb"),
    Hypothesis("h2", "Burden-sharing"),
    Hypothesis("h3", "Other"),
]


def approx(x: float, rel: float = 1e-9):
    return pytest.approx(x, rel=rel, abs=1e-12)


def codes(result) -> set[str]:
    return {c.code for c in result.caveats}


# -- hand-worked examples -------------------------------------------------------------------


def test_failed_hoop_test_drives_the_hypothesis_near_zero():
    # Three rivals, uniform priors 1/3 each. The evidence is a hoop test for h1 that h1
    # FAILS: the trace h1 cannot do without is absent. Default hoop: P(E|H) = 0.95,
    # P(E|¬H) = 0.5, so the observation "absent" has
    #   P(obs | h1) = 1 − 0.95 = 0.05,   P(obs | h2) = P(obs | h3) = 1 − 0.5 = 0.5.
    # Unnormalised posteriors: h1 = 1/3·0.05 = 0.01667, h2 = h3 = 1/3·0.5 = 0.16667;
    # sum = 0.35, so P(h1 | E) = 0.01667 / 0.35 = 1/21 = 0.047619, P(h2 | E) = 10/21.
    item = EvidenceItem("e1", [Assessment("h1", test="hoop", passed=False)])
    r = infer(H3, [item])
    assert r.posteriors["h1"] == approx(1 / 21)
    assert r.posteriors["h2"] == approx(10 / 21)
    assert r.posteriors["h3"] == approx(10 / 21)
    assert r.posteriors["h1"] < 0.05
    # Weight: 10·log10(0.05 / 0.5) = 10·(−1) = −10 dB for h1 against the rest.
    w = r.items[0]
    assert w.vs_rest["h1"] == approx(-10.0)
    assert w.likelihoods["h1"].source == "test"
    assert w.likelihoods["h2"].source == "rival-of-test"
    # The odds h1:rest fall from 1:2 to 1:20 — a factor 10, i.e. −10 dB in total.
    assert r.total_vs_rest["h1"] == approx(-10.0)


def test_failed_hoop_with_a_stricter_table_is_near_elimination():
    # The analyst overrides the hoop: P(E|H) = 0.99. Two rivals, uniform priors.
    # P(obs | h1) = 0.01, P(obs | h2) = 0.5 → P(h1 | E) = 0.01 / 0.51 = 0.019608.
    hs = [Hypothesis("h1"), Hypothesis("h2")]
    r = infer(hs, [EvidenceItem("e", [Assessment("h1", test="hoop", passed=False)])],
              tests={"hoop": (0.99, 0.5)})
    assert r.posteriors["h1"] == approx(0.01 / 0.51)
    assert r.tests["hoop"].p_e_h == 0.99
    assert r.tests["smoking-gun"] == DEFAULT_TESTS["smoking-gun"]  # others untouched


def test_failed_hoop_with_stated_likelihoods():
    # Priors 0.6 / 0.4. The analyst states P(E | h1) = 0.02 (h1 all but requires the
    # opposite) and P(E | h2) = 0.7.
    # h1: 0.6·0.02 = 0.012; h2: 0.4·0.7 = 0.28; P(h1 | E) = 0.012 / 0.292 = 0.0410959.
    hs = [Hypothesis("h1", prior=0.6), Hypothesis("h2", prior=0.4)]
    item = EvidenceItem("e", [Assessment("h1", 0.02), Assessment("h2", 0.7)])
    r = infer(hs, [item])
    assert r.posteriors["h1"] == approx(0.012 / 0.292)
    assert r.leader == "h2"
    # 10·log10(0.02 / 0.7) = −15.44 dB
    assert r.items[0].decibans("h1", "h2") == approx(10 * math.log10(0.02 / 0.7))


def test_passed_smoking_gun_gives_a_strong_boost():
    # Priors 0.3 (h1) / 0.7 (h2). Smoking gun for h1, passed: P(E|h1) = 0.5, P(E|h2) = 0.05.
    # h1: 0.3·0.5 = 0.15; h2: 0.7·0.05 = 0.035; P(h1 | E) = 0.15 / 0.185 = 0.810811.
    # Likelihood ratio 10 → +10 dB; prior odds 3:7 become posterior odds 30:7.
    hs = [Hypothesis("h1", prior=0.3), Hypothesis("h2", prior=0.7)]
    r = infer(hs, [EvidenceItem("e", [Assessment("h1", test="smoking-gun")])])
    assert r.posteriors["h1"] == approx(0.15 / 0.185)
    assert r.leader == "h1" and r.rival == "h2"
    assert r.items[0].vs_rival["h1"] == approx(10.0)
    assert r.total_vs_rival["h1"] == approx(10.0)
    assert r.posteriors["h1"] / r.posteriors["h2"] == approx(30 / 7)


def test_failed_smoking_gun_only_weakens():
    # Smoking gun for h1, not found: P(obs|h1) = 1 − 0.5 = 0.5, P(obs|h2) = 1 − 0.05 = 0.95.
    # Uniform priors: P(h1 | E) = 0.5 / 1.45 = 0.344828 (−2.79 dB: weakened, not eliminated).
    hs = [Hypothesis("h1"), Hypothesis("h2")]
    r = infer(hs, [EvidenceItem("e", [Assessment("h1", test="smoking-gun", passed=False)])])
    assert r.posteriors["h1"] == approx(0.5 / 1.45)
    assert r.items[0].vs_rest["h1"] == approx(10 * math.log10(0.5 / 0.95))


def test_doubly_decisive_test_passed_and_failed():
    # Three rivals, uniform. Doubly decisive for h2: P(E|h2) = 0.95, P(E|h1) = P(E|h3) = 0.05.
    # Passed: P(h2 | E) = 0.95 / (0.95 + 0.05 + 0.05) = 0.95 / 1.05 = 0.904762;
    # weight 10·log10(0.95 / 0.05) = 10·log10(19) = 12.79 dB.
    passed = EvidenceItem("e", [Assessment("h2", test="doubly-decisive")])
    r = infer(H3, [passed])
    assert r.posteriors["h2"] == approx(0.95 / 1.05)
    assert r.posteriors["h1"] == approx(0.05 / 1.05)
    assert r.items[0].vs_rest["h2"] == approx(10 * math.log10(19))
    # Failed: P(obs|h2) = 0.05, P(obs|h1) = P(obs|h3) = 0.95 → 0.05 / 1.95 = 0.025641.
    failed = EvidenceItem("e", [Assessment("h2", test="doubly-decisive", passed=False)])
    assert infer(H3, [failed]).posteriors["h2"] == approx(0.05 / 1.95)


def test_straw_in_the_wind_is_slight():
    # P(E|H) = 0.6, P(E|¬H) = 0.4: two rivals uniform → 0.6.
    r = infer(H3[:2], [EvidenceItem("e", [Assessment("h1", test="straw-in-the-wind")])])
    assert r.posteriors["h1"] == approx(0.6)
    assert 0 < r.items[0].vs_rest["h1"] < 2


def test_two_items_combine_by_multiplication():
    # Uniform over three. Item 1: hoop for h1 failed → L = (0.05, 0.5, 0.5).
    # Item 2: smoking gun for h2 passed → L = (0.05, 0.5, 0.05).
    # Products: h1 0.0025, h2 0.25, h3 0.025; sum 0.2775 → h2 = 0.25 / 0.2775 = 0.900901.
    ev = [
        EvidenceItem("hoop", [Assessment("h1", test="hoop", passed=False)]),
        EvidenceItem("gun", [Assessment("h2", test="smoking-gun")]),
    ]
    r = infer(H3, ev)
    assert r.posteriors["h2"] == approx(0.25 / 0.2775)
    assert r.posteriors["h1"] == approx(0.0025 / 0.2775)
    assert r.leader == "h2" and r.rival == "h3"
    # Pairwise h2 against h3: item 1 gives 0 dB (0.5 vs 0.5), item 2 gives +10 dB.
    assert r.decibans("h2", "h3") == approx(10.0)
    assert r.total_vs_rival["h2"] == approx(10.0)


def test_weight_against_the_rest_mixes_the_rivals_by_their_priors():
    # Priors 0.5 / 0.3 / 0.2; likelihoods 0.8 / 0.2 / 0.6.
    # P(E | ¬h1) = (0.3·0.2 + 0.2·0.6) / (0.3 + 0.2) = 0.18 / 0.5 = 0.36
    # → 10·log10(0.8 / 0.36) = +3.468 dB for h1 against the rest.
    hs = [Hypothesis("h1", prior=0.5), Hypothesis("h2", prior=0.3), Hypothesis("h3", prior=0.2)]
    item = EvidenceItem("e", [Assessment("h1", 0.8), Assessment("h2", 0.2), Assessment("h3", 0.6)])
    r = infer(hs, [item])
    assert r.items[0].vs_rest["h1"] == approx(10 * math.log10(0.8 / 0.36))
    # For a single item that is exactly the change in h1's log-odds against the rest:
    # prior odds 1:1; posterior 0.4 : (0.06 + 0.12) = 0.4 : 0.18.
    assert r.total_vs_rest["h1"] == approx(10 * math.log10(0.4 / 0.18))
    # P(E | ¬h2) = (0.5·0.8 + 0.2·0.6) / 0.7 = 0.52 / 0.7
    assert r.items[0].vs_rest["h2"] == approx(10 * math.log10(0.2 / (0.52 / 0.7)))


def test_explicit_likelihood_wins_over_the_test_type_but_the_test_still_sets_rivals():
    item = EvidenceItem("e", [Assessment("h1", 0.9, test="hoop")])
    lk, _ = resolve_likelihoods(item, ["h1", "h2", "h3"])
    assert lk["h1"].value == 0.9 and lk["h1"].source == "given"
    assert lk["h2"].value == 0.5 and lk["h3"].value == 0.5


def test_rival_with_its_own_assessment_keeps_it():
    item = EvidenceItem("e", [Assessment("h1", test="hoop"), Assessment("h3", 0.1)])
    lk, cav = resolve_likelihoods(item, ["h1", "h2", "h3"])
    assert [lk[h].value for h in ("h1", "h2", "h3")] == [0.95, 0.5, 0.1]
    assert not cav


def test_disagreeing_test_types_use_the_mean_and_say_so():
    # hoop for h1 implies 0.5 for rivals; smoking gun for h2 implies 0.05 → h3 gets 0.275.
    item = EvidenceItem("e", [Assessment("h1", test="hoop"), Assessment("h2", test="smoking-gun")])
    lk, cav = resolve_likelihoods(item, ["h1", "h2", "h3"])
    assert lk["h3"].value == approx(0.275)
    assert [c.code for c in cav] == ["ambiguous-rivals"]


def test_test_table_validation():
    assert test_table()["hoop"] == DEFAULT_TESTS["hoop"]
    with pytest.raises(InferenceError, match="unknown test type"):
        test_table({"hooop": (0.9, 0.5)})
    with pytest.raises(InferenceError, match="strictly between"):
        test_table({"hoop": (1.0, 0.5)})
    # The table's own numbers: hoop fails at −10 dB, smoking gun passes at +10 dB.
    assert DEFAULT_TESTS["hoop"].decibans(passed=False) == approx(-10.0)
    assert DEFAULT_TESTS["smoking-gun"].decibans(passed=True) == approx(10.0)
    assert DEFAULT_TESTS["doubly-decisive"].decibans() == approx(-DEFAULT_TESTS[
        "doubly-decisive"].decibans(passed=False))


# -- priors ---------------------------------------------------------------------------------


def test_priors_default_to_uniform():
    priors, cav = resolve_priors(H3)
    assert priors == {"h1": approx(1 / 3), "h2": approx(1 / 3), "h3": approx(1 / 3)}
    assert not cav


def test_priors_that_do_not_sum_to_one_are_normalised_with_a_warning():
    hs = [Hypothesis("a", prior=0.5), Hypothesis("b", prior=0.3), Hypothesis("c", prior=0.3)]
    priors, cav = resolve_priors(hs)
    assert priors["a"] == approx(0.5 / 1.1)
    assert sum(priors.values()) == approx(1.0)
    assert [c.code for c in cav] == ["priors-normalised"]
    assert "1.1" in cav[0].message


def test_priors_summing_to_one_give_no_warning():
    hs = [Hypothesis("a", prior=0.7), Hypothesis("b", prior=0.2), Hypothesis("c", prior=0.1)]
    assert resolve_priors(hs)[1] == []


def test_missing_priors_share_the_remainder():
    hs = [Hypothesis("a", prior=0.5), Hypothesis("b"), Hypothesis("c")]
    priors, cav = resolve_priors(hs)
    assert priors == {"a": 0.5, "b": 0.25, "c": 0.25}
    assert cav[0].code == "priors-filled" and cav[0].items == ("b", "c")
    with pytest.raises(InferenceError, match="leave nothing"):
        resolve_priors([Hypothesis("a", prior=1.0), Hypothesis("b")])


def test_zero_prior_stays_zero_and_is_flagged():
    hs = [Hypothesis("a", prior=0.5), Hypothesis("b", prior=0.5), Hypothesis("c", prior=0.0)]
    r = infer(hs, [EvidenceItem("e", [Assessment("c", test="doubly-decisive")])])
    assert r.posteriors["c"] == 0.0
    assert "zero-prior" in codes(r)
    assert sum(r.posteriors.values()) == approx(1.0)


@pytest.mark.parametrize(
    "hypotheses, message",
    [
        ([Hypothesis("a")], "at least two"),
        ([Hypothesis("a"), Hypothesis("a")], "duplicate"),
        ([Hypothesis("a", prior=0.0), Hypothesis("b", prior=0.0)], "every prior is 0"),
        ([Hypothesis("a", prior=1.5), Hypothesis("b")], "not a probability"),
        ([Hypothesis("a", prior=-0.1), Hypothesis("b", prior=0.5)], "not a probability"),
    ],
)
def test_bad_priors_are_clear_errors(hypotheses, message):
    with pytest.raises(InferenceError, match=message) as err:
        infer(hypotheses, [])
    assert isinstance(err.value, AllytraceError)


# -- bad assessments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "assessments, message",
    [
        ([Assessment("h1", 0.5)], "no likelihood for h2, h3"),
        ([Assessment("hx", 0.5)], "not a hypothesis of this set"),
        ([Assessment("h1", 0.0), Assessment("h2", 0.5), Assessment("h3", 0.5)], r"not in \(0, 1\]"),
        ([Assessment("h1", 1.5), Assessment("h2", 0.5), Assessment("h3", 0.5)], r"not in \(0, 1\]"),
        ([Assessment("h1", test="hoop"), Assessment("h1", 0.5)], "assessed twice"),
        ([Assessment("h1", test="smoking gun")], "unknown test type"),
        ([Assessment("h1", 0.5, low=0.6, high=0.9), Assessment("h2", 0.5), Assessment("h3", 0.5)],
         "outside"),
        ([Assessment("h1", 0.5, low=0.4), Assessment("h2", 0.5), Assessment("h3", 0.5)],
         "both low and high"),
    ],
)
def test_bad_assessments_are_clear_errors(assessments, message):
    with pytest.raises(InferenceError, match=message):
        infer(H3, [EvidenceItem("e", assessments)])


def test_unassessed_items_are_left_out_with_a_caveat():
    ev = [EvidenceItem("e1", [Assessment("h1", test="hoop")]), EvidenceItem("e2", [])]
    r = infer(H3, ev)
    assert [it.item for it in r.items] == ["e1"] and r.excluded == ("e2",)
    assert "unassessed" in codes(r)


def test_duplicate_evidence_and_unknown_rival_fail():
    e = EvidenceItem("e", [Assessment("h1", test="hoop")])
    with pytest.raises(InferenceError, match="duplicate evidence"):
        infer(H3, [e, e])
    with pytest.raises(InferenceError, match="unknown rival"):
        infer(H3, [e], rival="h9")


# -- dependence -----------------------------------------------------------------------------


def _dependent_evidence():
    return [
        EvidenceItem("a", [Assessment("h1", test="smoking-gun")]),  # 10 dB
        EvidenceItem("b", [Assessment("h1", test="straw-in-the-wind")], depends_on=["a"]),
        EvidenceItem("c", [Assessment("h2", test="hoop")]),
        EvidenceItem("d", [Assessment("h1", test="hoop")], depends_on=["b", "zz"]),
    ]


def test_dependency_clusters_are_connected_components():
    clusters, cav = dependency_clusters(_dependent_evidence())
    assert clusters == [("a", "b", "d")]
    assert [c.code for c in cav] == ["unknown-dependency"] and "zz" in cav[0].message


def test_dependent_items_are_multiplied_but_flagged():
    r = infer(H3, _dependent_evidence())
    assert "dependent-evidence" in codes(r)
    warning = next(c for c in r.caveats if c.code == "dependent-evidence")
    assert "not the product" in warning.message and set(warning.items) == {"a", "b", "d"}
    assert r.clusters == (("a", "b", "d"),)
    assert r.item("b").cluster == ("a", "b", "d") and r.item("c").cluster == ()
    assert len(r.items) == 4


def test_strongest_keeps_only_the_strongest_of_a_cluster():
    ev = _dependent_evidence()
    r = infer(H3, ev, dependence="strongest")
    assert [it.item for it in r.items] == ["a", "c"]
    assert set(r.excluded) == {"b", "d"}
    assert "dependence-strongest" in codes(r)
    # Same posterior as if the analyst had listed only a and c.
    plain = infer(H3, [ev[0], ev[2]])
    for h in ("h1", "h2", "h3"):
        assert r.posteriors[h] == approx(plain.posteriors[h])
    # And less confident than the naive product, which counted a, b and d together.
    assert r.posteriors["h1"] < infer(H3, ev).posteriors["h1"]


def test_unknown_dependence_option():
    with pytest.raises(InferenceError, match="dependence"):
        infer(H3, [], dependence="max")  # type: ignore[arg-type]


# -- numerics and trajectory ----------------------------------------------------------------


def test_log_space_survives_hundreds_of_small_likelihoods():
    # 400 items with P(E|h1) = 0.001, P(E|h2) = 0.002: the raw products are ~1e-1200 and
    # underflow to 0 in floating point. In log space the posterior odds are 2^-400 exactly.
    hs = [Hypothesis("h1"), Hypothesis("h2")]
    ev = [EvidenceItem(f"e{i}", [Assessment("h1", 0.001), Assessment("h2", 0.002)])
          for i in range(400)]
    r = infer(hs, ev)
    assert r.posteriors["h1"] == pytest.approx(2.0**-400, rel=1e-9)
    assert r.posteriors["h2"] == 1.0
    assert r.decibans("h2", "h1") == approx(400 * 10 * math.log10(2))
    assert r.total_vs_rest["h2"] == approx(400 * 10 * math.log10(2), rel=1e-9)
    assert not any(math.isnan(v) for v in r.posteriors.values())


def test_trajectory_starts_at_the_priors_and_ends_at_the_posteriors():
    ev = [
        EvidenceItem("hoop", [Assessment("h1", test="hoop", passed=False)], label="No bomb talk"),
        EvidenceItem("gun", [Assessment("h2", test="smoking-gun")]),
    ]
    r = infer(H3, ev)
    steps = trajectory(r)
    assert [s.item for s in steps] == [None, "hoop", "gun"]
    assert steps[0].posteriors == r.priors and steps[1].label == "No bomb talk"
    # After the failed hoop alone: 1/21, 10/21, 10/21 (see the hoop example).
    assert steps[1].posteriors["h1"] == approx(1 / 21)
    for order in (["hoop", "gun"], ["gun", "hoop"]):
        end = trajectory(r, order)[-1].posteriors
        assert all(end[h] == approx(r.posteriors[h]) for h in r.ids)
    with pytest.raises(InferenceError, match="exactly once"):
        trajectory(r, ["gun"])


def test_result_accessors():
    r = infer(H3, [EvidenceItem("e", [Assessment("h1", test="hoop")])])
    assert r.hypothesis("h2").label == "Burden-sharing"
    with pytest.raises(InferenceError):
        r.hypothesis("zz")
    with pytest.raises(InferenceError):
        r.item("zz")
    assert r.items[0].strength == approx(10 * math.log10(0.95 / 0.5))
    assert decibans(0.5, 0.5) == 0.0


# -- properties -----------------------------------------------------------------------------

probability = st.floats(min_value=0.01, max_value=1.0, allow_nan=False)


@st.composite
def cases(draw, min_h: int = 2, max_h: int = 5, max_items: int = 8):
    n = draw(st.integers(min_h, max_h))
    ids = [f"h{i}" for i in range(n)]
    if draw(st.booleans()):
        priors = [draw(st.floats(0.01, 1.0)) for _ in ids]
    else:
        priors = [None] * n
    hypotheses = [Hypothesis(h, prior=p) for h, p in zip(ids, priors)]
    k = draw(st.integers(0, max_items))
    evidence = [
        EvidenceItem(f"e{j}", [Assessment(h, draw(probability)) for h in ids]) for j in range(k)
    ]
    return hypotheses, evidence


def _brute_force(hypotheses, evidence):
    """Bayes' rule the long way, with plain products (no logs) — an independent check."""
    priors, _ = resolve_priors(hypotheses)
    raw = {}
    for h in priors:
        x = priors[h]
        for e in evidence:
            x *= next(a.likelihood for a in e.assessments if a.hypothesis == h)
        raw[h] = x
    total = sum(raw.values())
    return {h: v / total for h, v in raw.items()}


@settings(max_examples=200, deadline=None)
@given(cases())
def test_posteriors_are_normalised_and_match_bayes_rule(case):
    hypotheses, evidence = case
    r = infer(hypotheses, evidence)
    assert sum(r.posteriors.values()) == pytest.approx(1.0, abs=1e-12)
    assert all(0.0 <= p <= 1.0 for p in r.posteriors.values())
    expected = _brute_force(hypotheses, evidence)
    for h, p in expected.items():
        assert r.posteriors[h] == pytest.approx(p, rel=1e-9, abs=1e-15)
    assert r.posteriors[r.leader] == max(r.posteriors.values())


@settings(max_examples=200, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_order_of_evidence_is_irrelevant(case, rnd: random.Random):
    hypotheses, evidence = case
    shuffled = list(evidence)
    rnd.shuffle(shuffled)
    a, b = infer(hypotheses, evidence), infer(hypotheses, shuffled)
    for h in a.ids:
        assert a.posteriors[h] == pytest.approx(b.posteriors[h], rel=1e-9, abs=1e-15)
        assert a.total_vs_rest[h] == pytest.approx(b.total_vs_rest[h], rel=1e-9, abs=1e-9)
    # The cumulative path differs, its end point does not.
    end = trajectory(a, [e.id for e in shuffled])[-1].posteriors
    for h in a.ids:
        assert end[h] == pytest.approx(a.posteriors[h], rel=1e-9, abs=1e-15)


@settings(max_examples=200, deadline=None)
@given(cases(), st.floats(0.01, 1.0), st.integers(0, 8))
def test_a_likelihood_ratio_of_one_changes_nothing(case, c, position):
    hypotheses, evidence = case
    flat = EvidenceItem("flat", [Assessment(h.id, c) for h in hypotheses])
    with_flat = list(evidence)
    with_flat.insert(min(position, len(with_flat)), flat)
    a, b = infer(hypotheses, evidence), infer(hypotheses, with_flat)
    for h in a.ids:
        assert b.posteriors[h] == pytest.approx(a.posteriors[h], rel=1e-9, abs=1e-15)
        assert b.item("flat").vs_rest[h] == pytest.approx(0.0, abs=1e-9)
        assert b.item("flat").vs_rival[h] == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(cases(min_h=2, max_h=2))
def test_decibans_add_up_for_two_hypotheses(case):
    hypotheses, evidence = case
    r = infer(hypotheses, evidence)
    h0, h1 = r.ids
    # Total weight = sum of the items' weights …
    assert r.total_vs_rest[h0] == pytest.approx(
        sum(it.vs_rest[h0] for it in r.items), rel=1e-9, abs=1e-9)
    assert r.decibans(h0, h1) == pytest.approx(r.total_vs_rest[h0], rel=1e-9, abs=1e-9)
    # … and it is exactly the change in log-odds from prior to posterior.
    prior_db = 10 * math.log10(r.priors[h0] / r.priors[h1])
    post_db = 10 * math.log10(r.posteriors[h0] / r.posteriors[h1])
    assert post_db - prior_db == pytest.approx(r.decibans(h0, h1), rel=1e-9, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(cases(min_h=3, max_h=5))
def test_pairwise_decibans_add_up_for_any_number_of_rivals(case):
    hypotheses, evidence = case
    r = infer(hypotheses, evidence)
    for hi in r.ids:
        for hj in r.ids:
            change = 10 * (math.log10(r.posteriors[hi] / r.posteriors[hj])
                           - math.log10(r.priors[hi] / r.priors[hj]))
            assert change == pytest.approx(r.decibans(hi, hj), rel=1e-9, abs=1e-9)
    # Against the rest, per-item weights need not add up with three or more rivals, but the
    # sequential weights along the trajectory always do.
    steps = trajectory(r)
    for h in r.ids:
        assert sum(s.weight[h] for s in steps) == pytest.approx(
            r.total_vs_rest[h], rel=1e-9, abs=1e-9)
