"""The TEI reader, on the synthetic volume and (integration) the real FRUS volume."""

from __future__ import annotations

import pytest
from lxml import etree

from allytrace.sources.frus import parse_source_note, read_volume
from allytrace.sources.records import Document, Volume

TEI = {"t": "http://www.tei-c.org/ns/1.0"}


def _read(path):
    items = read_volume(path)
    volume = next(items)
    docs = list(items)
    assert isinstance(volume, Volume) and all(isinstance(d, Document) for d in docs)
    return volume, docs


def test_volume_metadata_persons_terms(mini_path):
    vol, docs = _read(mini_path)
    assert vol.id == "frus-test-v1"
    assert vol.volume_number == "Volume XC" and vol.volume_title == "Testland"
    assert vol.editors == ["Ada Editor"] and vol.general_editors == ["Grace General"]
    assert vol.published == "2001" and vol.subseries == "1964–1968"
    assert [(p.id, p.name, p.description) for p in vol.persons][1] == (
        "p_SE1", "Satō, Eisaku", "Prime Minister of Japan from November 1964")
    assert [(t.term, t.expansion) for t in vol.terms] == [
        ("SCC", "Security Consultative Committee"), ("JDA", "Japan Defense Agency")]
    assert len(vol.sha256) == 64


def test_documents_kinds_dates_and_senders(mini_path):
    _, docs = _read(mini_path)
    by = {d.id: d for d in docs}
    assert [d.id for d in docs] == ["d1", "d2", "d3", "d4", "d5"]
    assert by["d1"].kind == "editorial-note" and by["d1"].date is None
    assert by["d4"].kind == "withheld" and by["d4"].paragraphs == []
    assert by["d2"].kind == "document"
    assert str(by["d2"].date) == "1967-03-15" and by["d2"].date.time == "17:00:00Z"
    assert by["d3"].date.precision == "range" and not by["d3"].date.within
    assert by["d4"].date.within and by["d4"].date_text == "undated, early 1968"
    assert by["d5"].date.precision == "month"
    assert by["d2"].sender == ["the Embassy in Japan"] and by["d2"].recipient == ["the Department of State"]
    assert by["d4"].sender == ["Rusk"] and by["d4"].recipient == ["Sato"]
    assert by["d2"].place == "Tokyo"


def test_source_notes(mini_path):
    _, docs = _read(mini_path)
    by = {d.id: d for d in docs}
    s = by["d2"].source
    assert s.classification == "Secret; Exdis"
    assert s.archive == "National Archives, RG 59, POL 1 JAPAN-US"
    assert s.drafter == "Richard L. Sneider"
    assert by["d4"].source.classification == "Top Secret; Eyes Only"
    assert by["d1"].source is None


def test_paragraph_text_offsets_pages_and_notes(mini_path):
    _, docs = _read(mini_path)
    d2 = docs[1]
    texts = [p.text for p in d2.paragraphs]
    # Whitespace is normalised, the footnote is not in the text, nested list items follow.
    assert texts[0] == ("1. Sato raised the Security Subcommittee with the Ambassador. "
                        "He wanted consultations at working level.")
    assert texts[1:4] == ["2. Points raised:", "nuclear umbrella;", "China's bomb."]
    assert "Bases | $10 million" in texts
    assert texts[-1] == "Johnson"
    for p in d2.paragraphs:
        assert d2.text[p.start:p.end] == p.text
    assert d2.paragraphs[0].page == "1" and d2.paragraphs[1].page == "2"
    assert d2.pages == ["1", "2"]
    notes = {f.id: f for f in d2.footnotes}
    assert notes["d2fn1"].is_source and notes["d2fn1"].paragraph is None
    assert notes["d2fn2"].paragraph == 0
    refs = [(c.volume, c.document) for c in d2.crossrefs]
    assert refs == [("frus-test-v1", "d3"), ("frus1961-63v22", "d383")]
    assert d2.persons == ["p_SE1"]
    assert docs[2].persons == ["p_RD1", "p_MR1"]


def test_source_note_parser_edge_cases():
    s = parse_source_note("Source: Johnson Library, White House Central Files, Confidential File, CO 141. "
                          "Secret. Drafted by Rusk, cleared by Green.")
    assert s.classification == "Secret"
    assert s.archive.endswith("Confidential File, CO 141")
    assert s.drafter == "Rusk"
    assert parse_source_note("Source: Somewhere. No classification marking.").classification == \
        "No classification marking"


@pytest.mark.integration
def test_real_volume_matches_xml(frus_path):
    vol, docs = _read(frus_path)
    tree = etree.parse(str(frus_path))
    divs = tree.xpath("//t:div[@type='document']", namespaces=TEI)
    assert len(docs) == len(divs) == 140
    assert vol.id == "frus1964-68v29p2"
    assert len(vol.persons) == len(tree.xpath("//t:persName[@xml:id]", namespaces=TEI))
    assert len(vol.terms) == len(tree.xpath("//t:term[@xml:id]", namespaces=TEI))
    for doc, div in zip(docs, divs):
        assert doc.id == div.get("{http://www.w3.org/XML/1998/namespace}id")
        assert doc.heading, doc.id
        when = div.xpath("t:dateline//t:date/@when", namespaces=TEI)
        if when:
            assert str(doc.date) == when[0].split("T")[0]
        notes = div.xpath("t:head/t:note[@type='source']", namespaces=TEI)
        if notes:
            assert doc.source is not None
            assert doc.source.text == " ".join("".join(notes[0].itertext()).split())
            assert doc.source.archive and not doc.source.archive.lower().startswith("source")
        for p in doc.paragraphs:
            assert doc.text[p.start:p.end] == p.text
    assert sum(1 for d in docs if d.kind == "editorial-note") == 18
    assert sum(1 for d in docs if d.date_text) == 122
