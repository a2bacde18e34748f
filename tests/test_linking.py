"""Linking: aliases word-bounded and loose, acronyms only in window and context."""

from __future__ import annotations

from allytrace.analysis.mentions import mention_report
from allytrace.case.model import Event, Institution
from allytrace.dates import FuzzyDate
from allytrace.linking.gazetteer import Gazetteer, fold
from allytrace.linking.linker import find_mentions, is_stale, link


def _gaz():
    return Gazetteer.from_entities([
        Institution(id="security-subcommittee", kind="subcommittee",
                    name={"en": "Security Subcommittee", "ja": "日米安全保障高級事務レベル協議",
                          "ja_status": "translation"},
                    aliases={"en": ["SCC Subcommittee", "security sub-committee"]},
                    acronyms=[{"text": "SSC", "context": ["security", "subcommittee"], "window": "1967/1978"}]),
        Institution(id="security-consultative-committee", kind="committee",
                    name={"en": "Security Consultative Committee"},
                    acronyms=[{"text": "SCC", "context": ["security", "consult"], "window": "1960/1990"}]),
        Institution(id="policy-planning-talks", kind="talks", name={"en": "Policy Planning talks"},
                    aliases={"en": ["policy planning consultations"]}),
        Event(id="china-test", kind="nuclear-test", name={"en": "Chinese nuclear test"}, date="1964-10-16"),
    ])


def test_fold_ignores_case_space_hyphen_accent():
    assert fold("Security Sub-committee") == fold("security subcommittee") == "securitysubcommittee"
    assert fold("Satō") == "sato"


def test_aliases_are_loose_and_word_bounded():
    g = _gaz()
    text = ("The security sub-committee and the Security  Subcommittee met; a SecuritySubcommitteeX "
            "does not count, nor does the Policy Planning Council.")
    found, _ = find_mentions(text, g, FuzzyDate.parse("1967-05"))
    assert [(m.entity, m.surface) for m in found] == [
        ("security-subcommittee", "security sub-committee"),
        ("security-subcommittee", "Security  Subcommittee"),
    ]


def test_longest_match_wins_over_nested_acronym():
    found, _ = find_mentions("the SCC Subcommittee on security", _gaz(), FuzzyDate.parse("1967-05-25"))
    assert [(m.entity, m.method) for m in found] == [("security-subcommittee", "alias")]


def test_acronym_needs_window_and_context():
    g = _gaz()
    in_context = "The SSC, the security body, met in May."
    assert [m.entity for m in find_mentions(in_context, g, FuzzyDate.parse("1968"))[0]] == ["security-subcommittee"]
    # Out of the window (before 1967) it is rejected...
    found, rejected = find_mentions(in_context, g, FuzzyDate.parse("1964"))
    assert found == [] and rejected == 1
    # ...and so it is without a context word nearby, or without a date at all.
    assert find_mentions("The SSC met in May.", g, FuzzyDate.parse("1968"))[0] == []
    assert find_mentions(in_context, g, None)[0] == []
    # Case matters for acronyms: "ssc" in lower case is not the acronym.
    assert find_mentions("the ssc security", g, FuzzyDate.parse("1968"))[0] == []


def test_japanese_names_match_as_substrings():
    found, _ = find_mentions("会議は日米安全保障高級事務レベル協議で行われた", _gaz(), None)
    assert [m.entity for m in found] == ["security-subcommittee"]


def test_link_stores_offsets_and_reports(mini_project):
    g = _gaz()
    res = link(mini_project.db, "t", g)
    assert res.documents == 5 and res.mentions >= 3
    rows = mini_project.db.execute(
        "SELECT d.key, m.paragraph, m.start, m.end, m.surface FROM mentions m JOIN documents d"
        " ON d.rowid = m.doc WHERE m.entity = 'security-subcommittee'").fetchall()
    for key, para, start, end, surface in rows:
        doc = mini_project.corpus.document(key)
        assert doc.paragraphs[para].text[start:end] == surface
    rep = mention_report(mini_project.db, "t", "security-subcommittee")
    assert rep.first.key == "frus-test-v1/d2" and rep.by_month == {"1967-03": 1}
    # "U.S.-Japan subcommittee" in d3 is not an alias: no false positive
    assert {d.key for d in rep.documents} == {"frus-test-v1/d2"}
    scc = mention_report(mini_project.db, "t", "security-consultative-committee")
    # d1's "SCC" is in an undated editorial note that precedes every dated document: rejected.
    assert scc.total == 0
    assert not is_stale(mini_project.db, "t", g)
    assert is_stale(mini_project.db, "t", Gazetteer.from_entities([]))


def test_relink_replaces_and_reingest_cascades(mini_project, mini_path):
    link(mini_project.db, "t", _gaz())
    n = mini_project.db.execute("SELECT count(*) FROM mentions").fetchone()[0]
    link(mini_project.db, "t", _gaz())
    assert mini_project.db.execute("SELECT count(*) FROM mentions").fetchone()[0] == n
    mini_project.corpus.ingest(mini_path)
    assert mini_project.db.execute("SELECT count(*) FROM mentions").fetchone()[0] == 0


def _mention_set(db, case="t"):
    return set(db.execute(
        "SELECT d.key, m.paragraph, m.start, m.end, m.entity, m.surface, m.method FROM mentions m"
        " JOIN documents d ON d.rowid = m.doc WHERE m.case_name = ?", (case,)).fetchall())


def test_screened_matching_equals_one_alternation_over_every_alias():
    """The Aho–Corasick screen must not lose a match the plain regex of all aliases finds."""
    import re

    from allytrace.linking.gazetteer import _loose

    g = _gaz()
    every = re.compile(r"(?<!\w)(?:" + "|".join(_loose(a) for a in sorted(g.forms, key=len, reverse=True))
                       + r")(?!\w)", re.I)
    texts = [
        "the Security\nSub-committee, the SCC Subcommittee; xSecurity Subcommittee",
        "POLICY PLANNING TALKS and policy-planning consultations, Policy Planning talksx",
        "İstanbul: the Security Subcommittee met (offsets stay exact after a two-char lower-case)",
        "",
    ]
    for text in texts:
        want = {(m.start(), m.end()) for m in every.finditer(text)}
        got = {(s, e) for s, e, _ in g.alias_matches(text)}
        assert want <= got, text
        for s, e, key in g.alias_matches(text):
            assert fold(text[s:e]) == key


def test_gazetteer_survives_pickling():
    import pickle

    g = _gaz()
    text = "The SSC, the security body, and the security sub-committee; 日米安全保障高級事務レベル協議"
    date = FuzzyDate.parse("1968")
    again = pickle.loads(pickle.dumps(g))
    assert again.digest() == g.digest()
    assert find_mentions(text, again, date) == find_mentions(text, g, date)
    assert len(find_mentions(text, again, date)[0]) == 3


def test_ingest_links_new_documents_of_an_up_to_date_case(tmp_path, mini_path):
    """Adding a volume to a project whose case is linked gives the same mentions as a full
    re-link, written in the ingest's transaction (in-process and through the reader process)."""
    from allytrace.linking.linker import MentionAnnotator
    from allytrace.project import Project
    from allytrace.store.corpus import _ReaderProcess

    for parallel in (False, True):
        project = Project.init(tmp_path / f"p{parallel}")
        link(project.db, "t", _gaz())  # linked while the corpus is empty
        project.corpus.ingest(mini_path, parallel=parallel, annotators=[MentionAnnotator("t", _gaz())])
        during = _mention_set(project.db)
        link(project.db, "t", _gaz())
        assert during and during == _mention_set(project.db)
        project.close()
    _ReaderProcess.shutdown()  # later tests in this worker choose their own reading


def test_service_ingest_keeps_linked_cases_current_and_drops_stale_state(tmp_path, mini_path):
    from allytrace import service
    from allytrace.project import Project

    project = Project.init(tmp_path / "p")
    service.ingest_volume(project, mini_path)
    service.init_case(project, "japan-us")  # links the built-in case
    linked = _mention_set(project.db, "japan-us")
    assert linked
    service.ingest_volume(project, mini_path)  # replaces the volume: mentions cascade, then return
    assert _mention_set(project.db, "japan-us") == linked
    # A case that no longer loads loses its linking state, so that it is re-linked in full later.
    (project.case_dir("japan-us") / "actors.yaml").write_text("actors: [unclosed", encoding="utf-8")
    service.ingest_volume(project, mini_path)
    assert project.db.execute("SELECT count(*) FROM linking_state").fetchone()[0] == 0
    project.close()
