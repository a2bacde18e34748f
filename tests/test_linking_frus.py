"""Linking on the real volume with the built-in case, checked against a direct XML scan."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from allytrace import service
from allytrace.case.files import load_case
from allytrace.dates import FuzzyDate

pytestmark = pytest.mark.integration
TEI = {"t": "http://www.tei-c.org/ns/1.0"}
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"

# Written out by hand from reading the volume, independently of the linker's alias rules.
DIRECT = {
    "security-subcommittee": re.compile(r"\bsecurity\s+sub-?committee\b|\bSCC\s+Subcommittee\b", re.I),
    "policy-planning-talks": re.compile(
        r"\bpolicy\s+planning\s+(?:talks|consultation)\b|\bU\.S\.-Japan\s+Planning\s+talks\b", re.I),
}


@pytest.fixture(scope="module")
def xml_docs(frus_path):
    tree = etree.parse(str(frus_path))
    out = {}
    for div in tree.xpath("//t:div[@type='document']", namespaces=TEI):
        text = " ".join(" ".join(div.itertext()).split())
        when = div.xpath("t:dateline//t:date/@when", namespaces=TEI)
        out[f"frus1964-68v29p2/{div.get(XML_ID)}"] = (text, when[0][:10] if when else None)
    return out


@pytest.mark.parametrize("entity", sorted(DIRECT))
def test_mentions_equal_direct_scan_and_are_dated(case_project, xml_docs, entity):
    rep = service.mentions(case_project, entity)
    found = {d.key: d for d in rep.documents}
    expected = {key: len(DIRECT[entity].findall(text)) for key, (text, _) in xml_docs.items()
                if DIRECT[entity].search(text)}
    assert set(found) == set(expected) and expected
    for key, n in expected.items():
        assert found[key].count == n, key
        assert found[key].date == xml_docs[key][1]  # dated as the XML dates it (None: editorial note)
    dated = sorted(xml_docs[k][1] for k in expected if xml_docs[k][1])
    assert (rep.first.date, rep.last.date) == (dated[0], dated[-1])


def test_mention_offsets_point_at_the_surface_text(case_project):
    rows = case_project.db.execute(
        "SELECT d.key, m.paragraph, m.start, m.end, m.surface FROM mentions m JOIN documents d"
        " ON d.rowid = m.doc WHERE m.paragraph >= 0 ORDER BY random() LIMIT 300").fetchall()
    assert rows
    for key, para, start, end, surface in rows:
        assert case_project.corpus.document(key).paragraphs[para].text[start:end] == surface


def test_no_acronym_hit_out_of_window_or_context(case_project):
    case = load_case(case_project.case_dir())
    rules = {(e.id, a.text): a for e in case.entities() for a in e.acronyms}
    rows = case_project.db.execute(
        "SELECT d.key, d.volume_id, d.seq, m.paragraph, m.start, m.end, m.entity, m.surface"
        " FROM mentions m JOIN documents d ON d.rowid = m.doc WHERE m.method = 'acronym'").fetchall()
    assert rows, "the built-in case links some acronyms"
    dates = {k: d for k, d in case_project.db.execute("SELECT key, date FROM documents")}
    order = case_project.db.execute("SELECT key, date FROM documents ORDER BY volume_id, seq").fetchall()
    for key, vol, seq, para, start, end, entity, surface in rows:
        rule = rules[(entity, surface)]
        date = dates[key] or next(d for k, d in reversed(order[:seq]) if d)  # undated: last dated before
        d = FuzzyDate.parse(date)
        assert d.overlaps(rule.window.earliest(), rule.window.latest()), (key, surface)
        doc = case_project.corpus.document(key)
        text = (doc.paragraphs[para].text if para >= 0 else
                doc.heading if para == -1 else
                case_project.db.execute("SELECT t.notes FROM document_texts t JOIN documents d ON d.rowid = t.rowid"
                                        " WHERE d.key = ?", (key,)).fetchone()[0])
        near = text[max(0, start - 300): end + 300].lower()
        assert any(re.search(rf"(?<!\w){re.escape(c.lower())}", near) for c in rule.context), (key, surface)
    # "SSC" never stands for the 1967 subcommittee before 1967, whatever the context.
    early = [r for r in rows if r[7] == "SSC" and (dates[r[0]] or "9999") < "1967"]
    assert early == []


def test_screen_keeps_every_alias_match_of_one_alternation(case_project, frus_path):
    """Over the whole volume, the Aho–Corasick screen loses none of the matches that one
    regex alternating over every alias of the built-in case finds, and adds none that fold
    to another name."""
    from allytrace.linking.gazetteer import _loose, fold
    from allytrace.sources.frus import read_volume
    from allytrace.sources.records import Volume

    gaz = service.gazetteer(case_project)
    every = re.compile(r"(?<!\w)(?:" + "|".join(_loose(a) for a in sorted(gaz.forms, key=len, reverse=True))
                       + r")(?!\w)", re.I)
    texts = [t for d in read_volume(frus_path) if not isinstance(d, Volume)
             for t in [d.heading, d.notes_text, *(p.text for p in d.paragraphs)]]
    found = 0
    for text in texts:
        spans = {(s, e): key for s, e, key in gaz.alias_matches(text)}
        for m in every.finditer(text):
            assert spans.get(m.span()) == fold(m.group(0)), (m.group(0), text[:80])
            found += 1
    assert found > 2000
