"""Citations: Chicago notes, BibTeX, RIS and CSL-JSON, on synthetic records and the real volume."""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path

import pytest

from allytrace.dates import FuzzyDate
from allytrace.report.citations import (
    bibliography_entry,
    bibtex,
    bibtex_escape,
    chicago_note,
    cite_key,
    csl_items,
    csl_json,
    document_url,
    ris,
    short_note,
)
from allytrace.sources.records import Document, Volume

REPO = Path(__file__).resolve().parents[1]


def shared_frus() -> Path:
    base = os.environ.get("ALLYTRACE_SHARED_DATA")
    data = Path(base) if base else REPO.parent / "shared" / "data"
    return data / "frus"


REAL = shared_frus() / "frus1964-68v29p2.xml"
needs_real = pytest.mark.skipif(
    not REAL.is_file(), reason=f"FRUS sample volume not found at {REAL}"
)

URL_D87 = "https://history.state.gov/historicaldocuments/frus1964-68v29p2/d87"


@pytest.fixture
def volume() -> Volume:
    return Volume(
        id="frus1964-68v29p2",
        title="Foreign Relations of the United States, 1964–1968, Volume XXIX, Part 2, Japan",
        subseries="1964–1968",
        volume_number="Volume XXIX, Part 2",
        volume_title="Japan",
        editors=["Karen L. Gatz"],
        general_editors=["Edward C. Keefer"],
        publisher="United States Government Printing Office",
        pub_place="Washington",
        published="2006",
    )


def doc(number: str = "87", heading: str | None = None, **kw) -> Document:
    heading = heading if heading is not None else f"{number}. Memorandum From Rostow to Johnson"
    kw.setdefault("kind", "document")
    return Document("frus1964-68v29p2", f"d{number}", number, heading, **kw)


# -- Chicago ---------------------------------------------------------------------------------


def test_chicago_note_follows_the_office_of_the_historian_form(volume):
    d = doc(place="Washington", date_text="March 3, 1967", date=FuzzyDate.parse("1967-03-03"))
    assert chicago_note(volume, d) == (
        "Memorandum From Rostow to Johnson, Washington, March 3, 1967, in Foreign Relations of "
        "the United States, 1964–1968, Volume XXIX, Part 2, Japan, ed. Karen L. Gatz "
        "(Washington: Government Printing Office, 2006), Document 87, " + URL_D87 + "."
    )


def test_chicago_note_abbreviated_matches_the_brief_example(volume):
    note = chicago_note(volume, doc(heading="87. Editorial Note"), abbreviate=True)
    assert note == (
        "Editorial Note, in Foreign Relations of the United States, 1964–1968, vol. XXIX, pt. 2, "
        "Japan, ed. Karen L. Gatz (Washington: Government Printing Office, 2006), Document 87, "
        + URL_D87 + "."
    )


def test_general_editor_is_left_out_and_several_editors_are_eds(volume):
    volume.editors = ["Karen L. Gatz", "Edward Smith", "Jane Doe"]
    note = chicago_note(volume, doc())
    assert "eds. Karen L. Gatz, Edward Smith, and Jane Doe (" in note
    assert "Keefer" not in note


def test_access_date_and_markup(volume):
    note = chicago_note(volume, doc(), accessed=date(2011, 10, 27), markup="markdown")
    assert note.endswith(f"Document 87, accessed October 27, 2011, {URL_D87}.")
    titles = "*Foreign Relations of the United States, 1964–1968*, Volume XXIX, Part 2, *Japan*"
    assert titles in note
    htm = chicago_note(volume, doc(heading="87. Talks on R&D <draft>"), markup="html")
    assert "R&amp;D &lt;draft&gt;" in htm and f'<a href="{URL_D87}">' in htm
    assert "<i>Japan</i>" in htm


def test_no_date_is_invented(volume):
    d = doc(date=FuzzyDate.parse("1967-03"))
    assert ", March 1967, in " in chicago_note(volume, d)
    assert short_note(volume, d).startswith("Memorandum From Rostow to Johnson, March 1967, FRUS")
    assert chicago_note(volume, doc(date=None)).startswith("Memorandum From Rostow to Johnson, in ")
    d = doc(date=FuzzyDate.parse("[1967-03..1967-05]"))
    assert "between March 1967 and May 1967" in chicago_note(volume, d)


def test_short_note_and_bibliography(volume):
    d = doc(date=FuzzyDate.parse("1967-03-03"), place="Washington", date_text="March 3, 1967")
    assert short_note(volume, d) == (
        "Memorandum From Rostow to Johnson, March 3, 1967, FRUS, 1964–1968, vol. XXIX, pt. 2, "
        "doc. 87."
    )
    assert bibliography_entry(volume) == (
        "Foreign Relations of the United States, 1964–1968. Volume XXIX, Part 2, Japan. Edited by "
        "Karen L. Gatz. Washington: Government Printing Office, 2006. "
        "https://history.state.gov/historicaldocuments/frus1964-68v29p2."
    )
    entry = bibliography_entry(volume, d)
    assert entry.startswith("Memorandum From Rostow to Johnson. Washington, March 3, 1967. In ")
    assert "edited by Karen L. Gatz, Document 87. Washington: Government Printing Office, 2006." \
        in entry
    assert entry.endswith(URL_D87 + ".")


def test_keys_and_urls(volume):
    assert cite_key(volume, doc()) == "frus1964-68v29p2-d87"
    assert document_url(volume, doc()) == URL_D87


# -- BibTeX ----------------------------------------------------------------------------------


def parse_bibtex(text: str) -> list[dict[str, str]]:
    """A small strict reader: entries, keys and brace-delimited fields, braces balanced."""
    entries = []
    pos = 0
    head = re.compile(r"\s*@(\w+)\{([^,\s{}]+),\n")
    field = re.compile(r"\s*(\w+) = \{")
    while pos < len(text) and text[pos:].strip():
        m = head.match(text, pos)
        assert m, f"no entry head at {text[pos:pos + 40]!r}"
        entry = {"ENTRYTYPE": m.group(1), "ID": m.group(2)}
        pos = m.end()
        while True:
            f = field.match(text, pos)
            assert f, f"no field at {text[pos:pos + 40]!r}"
            depth, i = 1, f.end()
            while depth:
                c = text[i]
                if c == "\\":  # an escaped character never counts as a brace
                    i += 2
                    continue
                depth += {"{": 1, "}": -1}.get(c, 0)
                i += 1
            entry[f.group(1)] = text[f.end() : i - 1]
            pos = i
            if text.startswith(",\n", pos):
                pos += 2
                continue
            assert text.startswith("\n}\n", pos), repr(text[pos : pos + 10])
            pos += 3
            break
        entries.append(entry)
    return entries


def unescaped_specials(value: str) -> list[str]:
    return re.findall(r"(?<!\\)[&%$#_]", value)


def test_bibtex_fields_and_escapes(volume):
    nasty = doc(
        heading="87. Paper on 50% cost-sharing & R_D {draft} #2 ~ ^ \\x",
        date=FuzzyDate.parse("1967-03"),
        place="Washington",
        date_text="March 1967",
    )
    volume.editors = ["Roger Hilsman, Jr.", "Smith and Wesson Group"]
    text = bibtex([(volume, nasty), (volume, doc("88")), (volume, nasty)])
    entries = parse_bibtex(text)
    assert [e["ID"] for e in entries] == ["frus1964-68v29p2-d87", "frus1964-68v29p2-d88"]
    e = entries[0]
    assert e["ENTRYTYPE"] == "incollection"
    for name, value in e.items():
        if name != "url":
            assert not unescaped_specials(value), (name, value)
    assert e["title"] == (
        r"{Paper on 50\% cost-sharing \& R\_D \{draft\} \#2 \textasciitilde{} "
        r"\textasciicircum{} \textbackslash{}x}"
    )
    assert e["booktitle"] == "{" + volume.title + "}"
    assert e["editor"] == "Hilsman, Jr., Roger and {Group, Smith and Wesson}"
    assert e["year"] == "2006"
    assert e["origdate"] == "1967-03"  # month precision, no day invented
    assert e["url"] == URL_D87
    assert e["publisher"] == "United States Government Printing Office"
    assert e["address"] == "Washington"
    assert e["note"] == "Document 87; Washington, March 1967"


def test_bibtex_escape():
    assert bibtex_escape("a{b}c") == r"a\{b\}c"
    assert bibtex_escape("x\\y") == r"x\textbackslash{}y"
    assert bibtex_escape("日本 – “quoted”") == "日本 – “quoted”"


# -- RIS -------------------------------------------------------------------------------------


def parse_ris(text: str) -> list[list[tuple[str, str]]]:
    records, current = [], None
    for line in text.split("\r\n"):
        if not line:
            continue
        m = re.match(r"^([A-Z][A-Z0-9])  - (.*)$", line)
        assert m, repr(line)
        tag, value = m.groups()
        if tag == "TY":
            assert current is None, "TY inside a record"
            current = [(tag, value)]
        else:
            assert current is not None, f"{tag} outside a record"
            current.append((tag, value))
            if tag == "ER":
                records.append(current)
                current = None
    assert current is None, "record without ER"
    return records


def test_ris_records(volume):
    items = [
        (volume, doc(date=FuzzyDate.parse("1967-03-03"))),
        (volume, doc("88", date=FuzzyDate.parse("1967-03"))),
        (volume, doc("89", date=FuzzyDate.parse("1958/1960"))),
        (volume, doc("90")),
    ]
    records = parse_ris(ris(items))
    assert len(records) == 4
    for rec in records:
        assert rec[0] == ("TY", "CHAP") and rec[-1] == ("ER", "")
    fields = [dict(r) for r in records]
    assert fields[0]["DA"] == "1967/03/03/"
    assert fields[1]["DA"] == "1967/03//"
    assert fields[2]["DA"] == "1958///1958–1960"
    assert "DA" not in fields[3]
    assert fields[0]["ID"] == "frus1964-68v29p2-d87" and fields[0]["UR"] == URL_D87
    assert fields[0]["ED"] == "Gatz, Karen L." and fields[0]["PY"] == "2006"
    assert fields[0]["TI"] == "Memorandum From Rostow to Johnson"


def test_ris_values_stay_on_one_line(volume):
    rec = parse_ris(ris([(volume, doc(heading="87. Two\nlines\r\nhere"))]))[0]
    assert dict(rec)["TI"] == "Two lines here"


# -- CSL-JSON --------------------------------------------------------------------------------

# The shape of the CSL 1.0 input schema (citation-style-language/schema, csl-data.json) for
# the variables allytrace writes: unknown keys are refused as the schema does.
_NAME = {
    "type": "object",
    "properties": {k: {"type": "string"} for k in ("family", "given", "suffix", "literal")},
    "additionalProperties": False,
}
_DATE = {
    "type": "object",
    "properties": {
        "date-parts": {
            "type": "array",
            "items": {
                "type": "array",
                "items": {"type": ["string", "number"]},
                "minItems": 1,
                "maxItems": 3,
            },
            "minItems": 1,
            "maxItems": 2,
        },
        "circa": {"type": ["string", "number", "boolean"]},
        "literal": {"type": "string"},
        "raw": {"type": "string"},
    },
    "additionalProperties": False,
}
CSL_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "id": {"type": ["string", "number"]},
            "type": {"enum": ["document", "report"]},
            "title": {"type": "string"},
            "container-title": {"type": "string"},
            "collection-title": {"type": "string"},
            "number": {"type": ["string", "number"]},
            "editor": {"type": "array", "items": _NAME},
            "collection-editor": {"type": "array", "items": _NAME},
            "publisher": {"type": "string"},
            "publisher-place": {"type": "string"},
            "issued": _DATE,
            "URL": {"type": "string"},
            "custom": {"type": "object"},
        },
        "required": ["type", "id"],
        "additionalProperties": False,
    },
}


@pytest.mark.parametrize(
    "edtf, parts, circa",
    [
        ("1967-03-03", [[1967, 3, 3]], False),
        ("1967-03", [[1967, 3]], False),
        ("1967", [[1967]], False),
        ("1958/1960", [[1958], [1960]], False),
        ("[1967-03..1967-05]", [[1967, 3], [1967, 5]], False),
        ("1958~", [[1958]], True),
    ],
)
def test_csl_date_parts_match_precision(volume, edtf, parts, circa):
    item = csl_items([(volume, doc(date=FuzzyDate.parse(edtf)))])[0]
    assert item["issued"]["date-parts"] == parts
    assert item["issued"].get("circa", False) is circa


def test_csl_json_shape(volume):
    jsonschema = pytest.importorskip("jsonschema")
    items = [(volume, doc(date=FuzzyDate.parse("1967-03-03"))), (volume, doc("88"))]
    data = json.loads(csl_json(items))
    jsonschema.validate(data, CSL_SCHEMA)
    first = data[0]
    assert first["id"] == "frus1964-68v29p2-d87" and first["type"] == "document"
    assert first["title"] == "Memorandum From Rostow to Johnson"
    assert first["container-title"] == volume.title
    assert first["editor"] == [{"family": "Gatz", "given": "Karen L."}]
    assert first["URL"] == URL_D87
    assert first["custom"]["volume-published"] == "2006"
    assert "issued" not in data[1]  # no date in the source, none in the export


# -- the real volume -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    from allytrace.sources.frus import read_volume

    items = read_volume(REAL)
    vol = next(items)
    return vol, list(items)


@needs_real
@pytest.mark.integration
def test_d1_chicago_citation(real):
    vol, docs = real
    d1 = docs[0]
    assert d1.id == "d1"
    note = chicago_note(vol, d1)
    assert note == (
        "Editorial Note, in Foreign Relations of the United States, 1964–1968, Volume XXIX, "
        "Part 2, Japan, ed. Karen L. Gatz (Washington: Government Printing Office, 2006), "
        "Document 1, https://history.state.gov/historicaldocuments/frus1964-68v29p2/d1."
    )
    assert "Keefer" not in note  # the General Editor is not cited


@needs_real
@pytest.mark.integration
def test_real_volume_exports(real):
    vol, docs = real
    items = [(vol, d) for d in docs]
    entries = parse_bibtex(bibtex(items))
    assert len(entries) == len(docs)
    assert len({e["ID"] for e in entries}) == len(docs)
    for e, d in zip(entries, docs):
        assert e["url"] == f"https://history.state.gov/historicaldocuments/{vol.id}/{d.id}"
        for name, value in e.items():
            if name != "url":
                assert not unescaped_specials(value), (e["ID"], name, value)
        if d.date:
            assert e["origdate"] == str(d.date)
    records = parse_ris(ris(items))
    assert len(records) == len(docs)
    data = json.loads(csl_json(items))
    for item, d in zip(data, docs):
        if d.date:
            want = len(d.date.start.split("-"))
            assert [len(p) for p in item["issued"]["date-parts"]][0] == want
        else:
            assert "issued" not in item
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(data, CSL_SCHEMA)
    d140 = docs[-1]
    assert chicago_note(vol, d140).startswith(
        "Telegram From the Embassy in Japan to the Department of State, Tokyo, January 11, 1969,"
    )
