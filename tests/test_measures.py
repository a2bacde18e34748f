"""The alliance measures on the built-in Japan–U.S. case, 1951–1978, and their coding rules.

Values are asserted year by year (or period by period) so that a change in the case, the
rules or the code shows up as a failure; one test recomputes the 1968 secretarial index by
hand from named case items.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from allytrace.analysis.measures import MeasureResult, RulesError, load_rules
from allytrace.analysis.measures import evidence as E
from allytrace.analysis.measures.initiative import initiative
from allytrace.analysis.measures.power_events import case_events, chart_marks
from allytrace.analysis.measures.rules import DEFAULT_FILE
from allytrace.analysis.measures.secretarial import secretarial_index
from allytrace.analysis.measures.substantiality import substantiality_index
from allytrace.analysis.measures.typology import typology
from allytrace.case.builtin import _root
from allytrace.case.files import load_case
from allytrace.dates import FuzzyDate
from allytrace.errors import AllytraceError, CaseError
from testdata import ATOP_DIR

YEARS = list(range(1951, 1979))


@pytest.fixture(scope="module")
def builtin_dir() -> Path:
    return Path(str(_root().joinpath("japan-us")))


@pytest.fixture(scope="module")
def case(builtin_dir):
    return load_case(builtin_dir)


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.fixture
def case_copy(tmp_path, builtin_dir) -> Path:
    folder = tmp_path / "japan-us"
    shutil.copytree(builtin_dir, folder)
    return folder


def _by_year(result: MeasureResult, column: str) -> dict[int, float]:
    return dict(zip(result.table["year"], result.table[column], strict=True))


def _same(got: float, want: float | None) -> bool:
    if want is None:
        return isinstance(got, float) and math.isnan(got)
    return got == pytest.approx(want)


# --- dates and sides -------------------------------------------------------------------------


def test_presence_is_three_valued():
    d = FuzzyDate.parse
    assert E.presence(d("1964-09-21"), None, 1964, 1978) == "certain"
    assert E.presence(d("1964-09-21"), None, 1963, 1978) is None
    assert E.presence(d("1957-08-06"), d("1960"), 1960, 1978) == "certain"
    assert E.presence(d("1957-08-06"), d("1960"), 1961, 1978) is None
    # A standing item that began some time in 1955–1978 surely exists only by 1978.
    assert E.presence(d("[1955..1978]"), None, 1960, 1978) == "possible"
    assert E.presence(d("[1955..1978]"), None, 1978, 1978) == "certain"
    # An episodic one (an exercise) is never certain in any one of those years.
    assert E.presence(d("[1955..1978]"), None, 1978, 1978, episodic=True) == "possible"
    assert E.presence(d("1970"), None, 1971, 1978, episodic=True) is None


def test_sides_follow_the_actor_tree(case):
    assert E.side_of(case, "msdf") == "japan"  # msdf -> jsdf -> jda: side on msdf itself
    assert E.side_of(case, "policy-planning-council") == "united-states"
    assert E.member_sides(case) == ["japan", "united-states"]
    assert E.has_both_members(case, ["jsdf", "usfj"])
    assert not E.has_both_members(case, ["united-states"])


# --- secretarial index ----------------------------------------------------------------------

SECRETARIAL_CHANNELS = (
    {y: None for y in range(1951, 1957)}
    | {y: 0.0 for y in range(1957, 1964)}
    | {1964: 0.5, 1965: 0.5, 1966: 0.5, 1967: 2 / 3}
    | {y: 0.75 for y in range(1968, 1979)}
)
SECRETARIAL_MEETINGS = {1960: 0.0, 1964: 1.0, 1965: 0.0, 1966: 1.0, 1967: 1.0, 1968: 0.75,
                        1976: 0.0, 1978: 0.0}


def test_secretarial_index_1951_1978(case, rules):
    res = secretarial_index(case, rules)
    assert list(res.table["year"]) == YEARS
    channels = _by_year(res, "index_channels")
    for year in YEARS:
        assert _same(channels[year], SECRETARIAL_CHANNELS[year]), year
    meetings = _by_year(res, "index_meetings")
    for year in YEARS:
        assert _same(meetings[year], SECRETARIAL_MEETINGS.get(year)), year
    # The headline follows the configured basis (channels).
    assert res.table["index"].equals(res.table["index_channels"])
    assert _by_year(res, "unknown")[1951] == 1 and _by_year(res, "ministerial")[1960] == 2
    assert "+ policy-planning-talks (working)" in _by_year(res, "changes")[1964]


def test_secretarial_1968_recomputed_by_hand(case, rules):
    """W / (W + M) for 1968 from the case items themselves, without the measure's code."""
    counted_as = {"ministerial": "M", "senior-official": "W", "working-level": "W",
                  "military-to-military": "W"}
    out_of_scope = {"ryukyus-consultative-committee", "balance-of-payments-subcommittee"}
    bodies = {"M": set(), "W": set()}
    for inst in case.institutions:
        if inst.outcome != "created" or inst.id in out_of_scope or inst.level is None:
            continue
        start = inst.established.latest().year
        end = inst.ended.earliest().year if inst.ended else 1978
        if start <= 1968 <= end:
            bodies[counted_as[inst.level]].add(inst.id)
    assert bodies == {
        "M": {"security-consultative-committee"},
        "W": {"policy-planning-talks", "security-subcommittee", "us-japan-study-conference"},
    }
    by_id = {i.id: i for i in case.institutions}
    meetings = {"M": set(), "W": set()}
    for ev in case.events:
        if ev.kind == "meeting" and ev.date.earliest().year == ev.date.latest().year == 1968:
            meetings[counted_as[by_id[ev.institution].level]].add(ev.id)
    assert meetings == {
        "M": {"scc-ninth-meeting-1968"},
        "W": {"security-subcommittee-june-1968", "security-subcommittee-september-1968",
              "policy-planning-talks-june-1968"},
    }
    res = secretarial_index(case, rules)
    row = res.table.set_index("year").loc[1968]
    assert row["index_channels"] == len(bodies["W"]) / (len(bodies["W"]) + len(bodies["M"]))
    assert row["index_meetings"] == len(meetings["W"]) / (len(meetings["W"]) + len(meetings["M"]))
    # The trace names exactly these items for 1968, each with its citations.
    traced = res.evidence[res.evidence["key"] == "1968"]
    named = set(traced[traced["role"].str.startswith(("channel: working", "channel: min",
                                                      "meeting"))]["item"])
    assert named == bodies["M"] | bodies["W"] | meetings["M"] | meetings["W"]
    assert traced.set_index("item").loc["scc-ninth-meeting-1968", "citations"] == \
        "worldjpn-19681223"
    assert "frus1964-68v29p2/d124 d124fn2" in traced.set_index("item").loc[
        "policy-planning-talks-june-1968", "citations"]


def test_secretarial_levels_are_a_coding_rule(case, tmp_path):
    own = tmp_path / "measures.yaml"
    own.write_text(
        "secretarial:\n  levels: {ministerial: ministerial, senior-official: ministerial,\n"
        "           working-level: working, military-to-military: exclude}\n  basis: meetings\n",
        encoding="utf-8",
    )
    res = secretarial_index(case, load_rules(own))
    row = res.table.set_index("year").loc[1968]
    # SCC and SSC now ministerial; the Study Conference left out: 1 / (1 + 2).
    assert row["index_channels"] == pytest.approx(1 / 3)
    assert row["index"] == row["index_meetings"] == pytest.approx(1 / 4)
    assert "senior-official" in res.definition[3].split("M (ministerial) counts:")[1]


def test_meeting_naming_an_unknown_body_is_an_error(case_copy, rules):
    path = case_copy / "events.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("institution: security-subcommittee\n",
                                 "institution: security-subcomittee\n", 1), encoding="utf-8")
    with pytest.raises(CaseError, match="security-subcomittee"):
        secretarial_index(load_case(case_copy), rules)
    from allytrace.case.validate import validate_case

    problems = [str(p) for p in validate_case(case_copy, None) if p.severity == "error"]
    assert any("unknown institution 'security-subcomittee'" in p for p in problems)


# --- substantiality -------------------------------------------------------------------------


def test_substantiality_1951_1978(case, rules):
    res = substantiality_index(case, rules)
    low, high = _by_year(res, "index_low"), _by_year(res, "index_high")
    for year in YEARS:
        want_low = 0.0 if year < 1955 else (0.5 if year < 1978 else 2 / 3)
        want_high = 0.0 if year < 1955 else (5 / 6 if year < 1978 else 1.0)
        assert low[year] == pytest.approx(want_low), year
        assert high[year] == pytest.approx(want_high), year
    t = res.table.set_index("year")
    assert t.loc[1955, "plans_by"] == "cjoep" and t.loc[1955, "officialness"] == "informal"
    assert t.loc[1978, "officialness_by"] == "guidelines-1978"
    assert t.loc[1960, "exercises"] == "possible"
    assert "dod-reduction-package-1968 left out" in " ".join(res.notes)


def test_substantiality_weights_come_from_the_rules(case, tmp_path):
    own = tmp_path / "measures.yaml"
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    start = text.index("substantiality:")
    section = text[start:text.index("\ntypology:")]
    own.write_text(section.replace("      weight: 1\n      officialness:",
                                   "      weight: 2\n      officialness:"), encoding="utf-8")
    res = substantiality_index(case, load_rules(own))
    assert _by_year(res, "index_low")[1960] == pytest.approx((1 + 0 + 2 * 0.5) / 4)
    assert "weight 0.5" in " ".join(res.definition)


# --- typology -------------------------------------------------------------------------------


def test_typology_per_period(case, rules):
    res = typology(case, rules)
    t = res.table.set_index("period")
    assert list(t.index) == ["1951-1954", "1955-1959", "1960-1975", "1976-1978"]
    assert list(t["class"]) == ["asymmetric", "hybrid", "hybrid", "hybrid"]
    assert list(t["rule"]) == ["asymmetric-things", "hybrid-itayama", "hybrid-itayama",
                               "hybrid-itayama"]
    assert set(t["exchange"]) == {"security-autonomy"}
    assert list(t["form"]) == ["people-to-things", "both", "both", "both"]
    assert set(t["defence_scope"]) == {"japan"} and set(t["basing_scope"]) == {"far-east"}
    assert list(t["defence_binding"]) == ["no", "no", "yes", "yes"]
    assert t.loc["1955-1959", "also_matched"] == "asymmetric-exchange, reviewer-geographic"
    # The evidence names the treaty articles with their citations.
    ev = res.evidence[(res.evidence["key"] == "1976-1978")].set_index("detail")
    art5 = next(d for d in ev.index if d.startswith("art. V:"))
    assert "frus1964-68v29p2/d106 ¶17" in ev.loc[art5, "citations"]


def test_changing_a_rule_changes_the_class_and_names_the_rule(case, tmp_path):
    """Move the reviewer's geographic rule to the top in a project file."""
    own = tmp_path / "measures.yaml"
    own.write_text(
        "typology:\n"
        "  interests: {defence: security, basing: autonomy}\n"
        "  defence_kinds: [defence]\n"
        "  basing_kinds: [basing]\n"
        "  cooperation: {kinds: [plan, planning-group, exercise, war-game, guidelines],"
        " both_members: true}\n"
        "  territories: {japan: japan}\n"
        "  rules:\n"
        "    - id: reviewer-geographic\n"
        "      when: {one_sided_defence: 'yes'}\n"
        "      class: asymmetric\n"
        "    - id: hybrid-itayama\n"
        "      when: {form: both}\n"
        "      class: hybrid\n",
        encoding="utf-8",
    )
    rules = load_rules(own)
    assert rules.sources["typology"] == str(own)
    assert rules.sources["secretarial"] == str(DEFAULT_FILE)  # other sections: defaults
    t = typology(case, rules).table.set_index("period")
    assert set(t["class"]) == {"asymmetric"}
    assert set(t["rule"]) == {"reviewer-geographic"}
    assert t.loc["1955-1959", "tested"] == "one_sided_defence = yes"
    assert t.loc["1955-1959", "also_matched"] == "hybrid-itayama"


def test_no_matching_rule_gives_the_fallback(case, tmp_path):
    own = tmp_path / "measures.yaml"
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    section = text[text.index("typology:"):text.index("\ninitiative:")]
    own.write_text(section.replace("fallback: unclassified", "fallback: not classified"),
                   encoding="utf-8")
    rules = load_rules(own)
    only = rules.typology.model_copy(update={"rules": rules.typology.rules[:1]})
    t = typology(case, rules.model_copy(update={"typology": only})).table
    assert set(t["class"]) == {"not classified"} and set(t["rule"]) == {"(fallback)"}


# --- initiative -----------------------------------------------------------------------------


def test_initiative_by_period_and_item(case, rules):
    res = initiative(case, rules)
    t = res.table.set_index("period")
    sides = ["japan", "united-states", "joint", "unknown"]
    assert t.loc["1951-1954", sides].tolist() == [0, 0, 0, 1]
    assert t.loc["1955-1959", sides].tolist() == [0, 0, 1, 1]
    assert t.loc["1960-1975", sides].tolist() == [2, 2, 1, 1]
    assert t.loc["1976-1978", sides].tolist() == [1, 0, 0, 1]
    assert t.loc["period uncertain", ["japan", "unknown"]].tolist() == [1, 4]
    assert t["total"].sum() == 16
    items = res.extra["items"].set_index("id")
    # Unknowns stay unknown: the Guidelines' initiative is disputed, the talks' not recorded.
    assert items.loc["guidelines-1978", "side"] == "unknown"
    assert items.loc["policy-planning-talks", "side"] == "unknown"
    assert items.loc["subcommittee-for-defense-cooperation", "side"] == "japan"
    assert items.loc["military-commission-proposal", "period"] == "period uncertain"
    assert "ryukyus-consultative-committee" not in items.index


def test_side_from_proposers_only_when_they_agree(case_copy, rules):
    path = case_copy / "plans.yaml"
    text = path.read_text(encoding="utf-8")
    # Remove the recorded side of the bases review; its proposers are both U.S. agencies.
    path.write_text(text.replace("    proposers: [us-embassy-tokyo, cincpac]\n    proposed_by: "
                                 "united-states\n", "    proposers: [us-embassy-tokyo, cincpac]\n"),
                    encoding="utf-8")
    items = initiative(load_case(case_copy), rules).extra["items"].set_index("id")
    assert items.loc["us-bases-review-1968", ["side", "basis"]].tolist() == [
        "united-states", "from proposers"]
    off = rules.initiative.model_copy(update={"side_from_proposers": False})
    items = initiative(load_case(case_copy), rules.model_copy(update={"initiative": off})
                       ).extra["items"].set_index("id")
    assert items.loc["us-bases-review-1968", "side"] == "unknown"


# --- power ----------------------------------------------------------------------------------


def test_power_events_come_from_the_case(case_copy, rules):
    events, _ = case_events(load_case(case_copy), rules)
    assert set(events["id"]) >= {"security-subcommittee", "policy-planning-talks",
                                 "security-treaty-1960", "guidelines-1978"}
    assert "npt" not in set(events["id"])  # excluded by scope
    marks = dict((label, date) for date, label in chart_marks(events, True))
    assert marks["SSC"] == "1967-05-25" and marks["1960 Treaty + SCC"] == "1960"
    # A new body in the case appears on the chart without touching the code.
    path = case_copy / "institutions.yaml"
    path.write_text(path.read_text(encoding="utf-8") + (
        "\n  - id: test-forum\n    kind: talks\n    name: {en: Test Forum}\n"
        "    established: 1971-03\n    level: working-level\n"
        "    citations: [{source: shibata2025}]\n"), encoding="utf-8")
    events, _ = case_events(load_case(case_copy), rules)
    assert events.set_index("id").loc["test-forum", "date"] == "1971-03"


@pytest.mark.integration
def test_power_chart_has_the_case_events(case, rules):
    from allytrace.analysis.measures.power_events import power_diffusion

    res = power_diffusion(case, rules)
    text = str(res.chart)
    for label in ("SSC", "Policy Planning Talks", "SDC", "Guidelines", "China"):
        assert label in text
    assert res.extra["series"]["source"].str.len().gt(0).all()


# --- ATOP beside practice --------------------------------------------------------------------


@pytest.mark.integration
def test_atop_text_beside_practice(case, rules):
    if not (ATOP_DIR / "atop-alliance-level.csv").is_file():
        pytest.skip(f"ATOP data not found at {ATOP_DIR}")
    from allytrace.analysis import atop as A
    from allytrace.analysis.measures.atop_practice import atop_comparison

    res = atop_comparison(case, rules, A.load_atop(ATOP_DIR))
    t = res.table.set_index("atopid")
    assert t.loc[3220, "index"] == 2 and t.loc[3375, "index"] == 3
    assert t.loc[3220, "pct_all"] == pytest.approx(86.67, abs=0.01)
    side = res.extra["text_vs_practice"].set_index(["atopid", "variable"])
    assert side.loc[(3220, "milcon"), "atop_code"] == 0
    assert side.loc[(3220, "milcon"), "practice"] == "present"
    assert side.loc[(3220, "milcon"), "first_year"] == 1955
    assert side.loc[(3375, "milcon"), "practice_ids"].startswith("cjoep")
    assert side.loc[(3375, "intcom"), "practice"] == "not coded"
    assert set(res.extra["peers"]["atopid"]) == set(A.US_PEERS)
    assert int(res.extra["distribution"]["alliances"].sum()) == 724


# --- the rules file ---------------------------------------------------------------------------


def test_default_rules_are_complete():
    rules = load_rules()
    assert rules.sources["typology"] == str(DEFAULT_FILE)
    assert [p.id for p in rules.periods] == ["1951-1954", "1955-1959", "1960-1975", "1976-1978"]
    assert rules.excluded("npt")


@pytest.mark.parametrize(
    "text, line, field, message",
    [
        ("secretarial:\n  levels: [\n", 3, None, "invalid YAML"),
        ("periods:\n  - {id: a, start: 1951, end: 1960}\n  - {id: b, start: 1955, edn: 1970}\n",
         3, "periods[1].edn", "unknown field"),
        ("typology:\n  interests: {}\n  defence_kinds: []\n  basing_kinds: []\n"
         "  cooperation: {}\n  rules:\n    - id: r\n      when: {sope: japan}\n      class: x\n",
         8, "typology.rules[0].when.sope", "unknown indicator 'sope'"),
        ("substantiality:\n  framework: {kinds: [plan]}\n  components:\n    plans:\n"
         "      label: plans\n      weight: 0\n      kinds: [plan]\n",
         6, "substantiality.components.plans.weight", "greater than 0"),
    ],
)
def test_bad_rules_are_one_line_errors_with_file_and_line(tmp_path, text, line, field, message):
    own = tmp_path / "measures.yaml"
    own.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(own)
    err = info.value
    assert isinstance(err, AllytraceError)
    assert (err.path, err.line) == (str(own), line)
    assert err.field == field
    assert message in str(err)
    assert "\n" not in str(err)
    assert str(err).startswith(f"{own}:{line}:")
