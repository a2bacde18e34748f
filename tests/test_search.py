"""Search, KWIC and trends — checked against direct scans of the XML, not the same code path."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from allytrace.analysis.trends import term_trend
from allytrace.errors import QueryError
from allytrace.store.search import Filters, kwic, search, terms_pattern, translate

TEI = {"t": "http://www.tei-c.org/ns/1.0"}
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


def _scan(path):
    """Per document: id, lower-cased word tokens, @when day, persName corresp ids."""
    tree = etree.parse(str(path))
    out = {}
    for div in tree.xpath("//t:div[@type='document']", namespaces=TEI):
        text = " ".join(div.itertext())
        when = div.xpath("t:dateline//t:date/@when", namespaces=TEI)
        persons = {c.lstrip("#") for c in div.xpath(".//t:persName/@corresp", namespaces=TEI)}
        out[div.get(XML_ID)] = (re.findall(r"\w+", text.lower()), when[0][:10] if when else None, persons)
    return out


def _has_phrase(tokens, phrase):
    words = phrase.lower().split()
    n = len(words)
    return any(tokens[i:i + n] == words for i in range(len(tokens) - n + 1))


@pytest.fixture(scope="module")
def scan(frus_path):
    return _scan(frus_path)


@pytest.mark.integration
@pytest.mark.parametrize("phrase", ["Security Subcommittee", "Policy Planning", "nuclear umbrella"])
def test_phrase_search_equals_direct_scan(frus_project, scan, phrase):
    res = search(frus_project.db, f'"{phrase}"', limit=1000)
    got = {h.id for h in res.hits}
    expected = {doc for doc, (tokens, _, _) in scan.items() if _has_phrase(tokens, phrase)}
    assert got == expected and res.total == len(expected) and expected
    for h in res.hits:
        assert h.url == f"https://history.state.gov/historicaldocuments/{h.key}"


@pytest.mark.integration
def test_date_filter_equals_direct_scan(frus_project, scan):
    res = search(frus_project.db, "nuclear", Filters(date_from="1967-01", date_to="1967-12"), limit=1000)
    expected = {
        d for d, (tokens, when, _) in scan.items()
        if "nuclear" in tokens and when and "1967-01-01" <= when <= "1967-12-31"
    }
    assert {h.id for h in res.hits} == expected and expected
    assert all(h.date.startswith("1967") for h in res.hits)


@pytest.mark.integration
def test_person_filter_equals_direct_scan(frus_project, scan):
    sato = frus_project.db.execute("SELECT id FROM persons WHERE name LIKE 'Sato, Eisaku%'").fetchone()[0]
    res = search(frus_project.db, "Okinawa", Filters(person=sato), limit=1000)
    expected = {d for d, (tokens, _, persons) in scan.items() if "okinawa" in tokens and sato in persons}
    assert {h.id for h in res.hits} == expected and expected
    by_name = search(frus_project.db, "Okinawa", Filters(person="Sato, Eisaku"), limit=1000)
    assert {h.id for h in by_name.hits} == expected


@pytest.mark.integration
def test_sort_by_date_is_chronological(frus_project):
    res = search(frus_project.db, "Okinawa", sort="date", limit=1000)
    dates = [h.date for h in res.hits if h.date]
    assert dates == sorted(dates)


def test_boolean_prefix_near(mini_project):
    db = mini_project.db
    ids = lambda q, **f: {h.id for h in search(db, q, Filters(**f), limit=50).hits}  # noqa: E731
    assert ids("Sato AND subcommittee") == {"d2"}
    assert ids("nuclear OR Miki") == {"d2", "d3", "d5"}
    assert ids("nuclear NOT umbrella") == {"d5"}
    assert ids("consult*") == {"d2", "d3"}
    assert ids("NEAR(Sato subcommittee, 3)") == {"d2"}
    assert ids("NEAR(Sato consultations, 2)") == set()
    assert ids("U.S.-Japan") == {"d3"}
    assert ids("heading:memorandum") == {"d3"}
    assert ids("Secret", classification="Exdis") == {"d2"}
    assert ids("", kind="withheld") == {"d4"}
    assert ids("", sender="Embassy") == {"d2"}
    assert ids("", recipient="Sato") == {"d4"}
    assert ids("", date_from="1968-02", date_to="1968-02") == {"d4"}  # within early 1968


def test_snippets_carry_highlights(mini_project):
    hit = search(mini_project.db, '"Security Subcommittee"').hits[0]
    assert "\x02Security Subcommittee\x03" in hit.snippet and hit.date == "1967-03-15"
    assert "\n" not in hit.snippet  # paragraph breaks are shown as ¶


@pytest.mark.parametrize("bad", ['"unclosed', "(a OR b", "a OR", "AND", "", "NEAR(a b, x)", "---"])
def test_bad_queries_raise_query_error(mini_project, bad):
    with pytest.raises(QueryError):
        search(mini_project.db, bad)


def test_bad_date_filter(mini_project):
    with pytest.raises(QueryError, match="bad date"):
        search(mini_project.db, "Sato", Filters(date_from="March 1967"))


def test_translate_quotes_punctuated_words():
    assert translate("U.S.-Japan talks") == '"U.S.-Japan" talks'
    assert translate("NEAR(a b, 5)") == "NEAR(a b, 5)"
    pat = terms_pattern('"policy planning" consult* NOT China')
    assert pat.search("Policy  Planning") and pat.search("consultations") and not pat.search("China")


def test_kwic_lines(mini_project):
    lines = kwic(mini_project.db, "subcommittee")
    assert [(ln.key, ln.match) for ln in lines] == [
        ("frus-test-v1/d2", "Subcommittee"), ("frus-test-v1/d3", "subcommittee")]
    assert lines[0].left.endswith("raised the Security ")
    doc = mini_project.corpus.document(lines[0].key)
    p = doc.paragraphs[lines[0].paragraph].text
    assert p[lines[0].start:lines[0].start + len(lines[0].match)] == lines[0].match


def test_term_trend_counts(mini_project):
    rows = {r.year: r for r in term_trend(mini_project.db, "nuclear OR Sato")}
    assert rows[1967].documents == 2 and rows[1967].matching == 1
    assert rows[1967].occurrences == 2  # "Sato" and "nuclear" in d2
    assert rows[1964].matching == 1 and rows[1964].per_100 == 100.0
