"""Citations for FRUS documents: Chicago notes and bibliography, BibTeX, RIS and CSL-JSON.

Pure functions over ``Volume`` and ``Document`` records; nothing here touches the store.

**Which form, and from where.** The Chicago note follows two published recommendations:

* the Office of the Historian's "Citing the Foreign Relations series"
  (https://history.state.gov/historicaldocuments/citing-frus), which gives the volume part
  and its order: series title, subseries, volume number, volume title, the volume editors
  (*not* the General Editor), city, publisher, year, then the location as a *document number*
  (not a page, because document numbers are the same in print, web and ebook), and asks
  readers of the online edition to append the document's canonical URL:

      Foreign Relations of the United States, 1969–1976, Volume XIX, Part 1, Korea,
      1969–1972, eds. Daniel J. Lawler and Erin R. Mahan (Washington: Government Printing
      Office, 2010), Document 75.

* the Chicago Manual of Style (17th ed., 14.111, and its Q&A on citing a FRUS memo), which
  puts the item itself first for correspondence in a published collection — who to whom,
  the kind of document, place and date — then "in" and the collection, and ends a note with
  the URL (after an access date, when one is given).

So a full note reads::

    Telegram From the Embassy in Japan to the Department of State, Tokyo, January 11, 1969,
    0731Z, in Foreign Relations of the United States, 1964–1968, Volume XXIX, Part 2, Japan,
    ed. Karen L. Gatz (Washington: Government Printing Office, 2006), Document 140,
    https://history.state.gov/historicaldocuments/frus1964-68v29p2/d140.

The FRUS heading already names the kind of document, the sender and the recipient, so it is
the first element as printed (without its number). The date is the dateline as printed; a
date is never invented. ``abbreviate=True`` gives Chicago's abbreviated locators
("vol. XXIX, pt. 2") instead of the Office of the Historian's spelled-out ones.

Machine formats (BibTeX, RIS, CSL-JSON) keep the volume's own data (e.g. the publisher as
the title page gives it) and use the key ``frus1964-68v29p2-d87`` for every record.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, Literal
from urllib.parse import quote

from ..dates import FuzzyDate
from ..sources.records import Document, Volume

Markup = Literal["text", "markdown", "html"]
Item = tuple[Volume, Document]

__all__ = [
    "bibliography_entry",
    "bibtex",
    "chicago_note",
    "cite_key",
    "csl_items",
    "csl_json",
    "document_url",
    "ris",
    "short_note",
]


# -- shared pieces ---------------------------------------------------------------------------


def document_url(volume: Volume, doc: Document) -> str:
    """The canonical history.state.gov address of a document.

    >>> v = Volume(id="frus1964-68v29p2", title="")
    >>> document_url(v, Document("frus1964-68v29p2", "d87", "87", "", "document"))
    'https://history.state.gov/historicaldocuments/frus1964-68v29p2/d87'
    """
    return f"{volume.url}/{quote(doc.id, safe='')}"


def cite_key(volume: Volume, doc: Document) -> str:
    """The stable key used in every export: ``frus1964-68v29p2-d87``.

    Only characters that BibTeX, RIS and CSL accept unquoted are kept.

    >>> v = Volume(id="frus1964-68v29p2", title="")
    >>> cite_key(v, Document(v.id, "d87", "87", "", "document"))
    'frus1964-68v29p2-d87'
    """
    return re.sub(r"[^A-Za-z0-9_.:-]+", "-", f"{volume.id}-{doc.id}").strip("-")


def _heading(doc: Document) -> str:
    """The heading without its printed number: '87. Memorandum …' -> 'Memorandum …'."""
    heading = doc.heading.strip()
    number = re.escape(doc.number) if doc.number else r"\d+[A-Za-z]?"
    return re.sub(rf"^{number}\.\s+", "", heading).rstrip(" .") or heading


def _doc_number(doc: Document) -> str:
    return doc.number or doc.id.removeprefix("d")


def _us_date(fd: FuzzyDate) -> str:
    """Chicago's (American) date form, exactly as precise as the FuzzyDate.

    >>> _us_date(FuzzyDate.parse("1967-03-03")), _us_date(FuzzyDate.parse("1967-03"))
    ('March 3, 1967', 'March 1967')
    >>> _us_date(FuzzyDate.parse("1958/1960")), _us_date(FuzzyDate.parse("[1967-03..1967-05]"))
    ('1958–1960', 'between March 1967 and May 1967')
    """

    return fd.human(us=True)


def _dateline(doc: Document) -> str:
    """'Tokyo, January 11, 1969, 0731Z': place and date as printed, or as the TEI attributes
    give them when the print has no date text."""
    when = doc.date_text.strip().rstrip(".,;") or (_us_date(doc.date) if doc.date else "")
    return ", ".join(p for p in (doc.place.strip().rstrip(".,"), when) if p)


def _and(names: list[str]) -> str:
    """'A', 'A and B', 'A, B, and C' (Chicago's serial comma)."""
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + ", and " + names[-1]


def _publisher(volume: Volume) -> str:
    # The title page says "United States Government Printing Office"; the Office of the
    # Historian and Chicago cite it as "Government Printing Office".
    return re.sub(r"^(?:United States|U\.\s?S\.)\s+", "", volume.publisher.strip())


def _volume_number(volume: Volume, abbreviate: bool) -> str:
    number = volume.volume_number.strip()
    if abbreviate:
        number = re.sub(r"\bVolume\b", "vol.", number)
        number = re.sub(r"\bPart\b", "pt.", number)
    return number


def _italic(text: str, markup: Markup) -> str:
    if not text:
        return text
    if markup == "markdown":
        return f"*{text}*"
    if markup == "html":
        return f"<i>{text}</i>"
    return text


def _esc(text: str, markup: Markup) -> str:
    return html.escape(text, quote=False) if markup == "html" else text


def _url(url: str, markup: Markup) -> str:
    if markup == "html":
        u = html.escape(url)
        return f'<a href="{u}">{u}</a>'
    return url


def _series_part(volume: Volume, abbreviate: bool, markup: Markup) -> str:
    """'Foreign Relations of the United States, 1964–1968, Volume XXIX, Part 2, Japan'
    with the two titles italic (Chicago sets the volume number in roman)."""
    e = lambda s: _esc(s, markup)  # noqa: E731
    series = ", ".join(p for p in (volume.series, volume.subseries) if p)
    parts = [_italic(e(series), markup)]
    if volume.volume_number:
        parts.append(e(_volume_number(volume, abbreviate)))
    if volume.volume_title:
        parts.append(_italic(e(volume.volume_title), markup))
    if not volume.volume_number and not volume.volume_title and not volume.subseries:
        # A header without the split titles: fall back on the complete title.
        parts = [_italic(e(volume.title), markup)]
    return ", ".join(p for p in parts if p)


def _imprint(volume: Volume) -> str:
    place_pub = ": ".join(p for p in (volume.pub_place, _publisher(volume)) if p)
    return ", ".join(p for p in (place_pub, volume.published or "n.d.") if p)


# -- Chicago ---------------------------------------------------------------------------------


def chicago_note(
    volume: Volume,
    doc: Document,
    *,
    abbreviate: bool = False,
    accessed: date | None = None,
    markup: Markup = "text",
) -> str:
    """The full (first-reference) Chicago note for a FRUS document, ending with its URL.

    >>> v = Volume(id="frus1964-68v29p2", title="", subseries="1964–1968",
    ...            volume_number="Volume XXIX, Part 2", volume_title="Japan",
    ...            editors=["Karen L. Gatz"], publisher="United States Government Printing Office",
    ...            pub_place="Washington", published="2006")
    >>> d = Document("frus1964-68v29p2", "d87", "87", "87. Memorandum From Rostow to Johnson",
    ...              "document", place="Washington", date_text="March 3, 1967")
    >>> print(chicago_note(v, d, abbreviate=True))   # doctest: +NORMALIZE_WHITESPACE
    Memorandum From Rostow to Johnson, Washington, March 3, 1967, in Foreign Relations of the
    United States, 1964–1968, vol. XXIX, pt. 2, Japan, ed. Karen L. Gatz (Washington:
    Government Printing Office, 2006), Document 87,
    https://history.state.gov/historicaldocuments/frus1964-68v29p2/d87.

    ``accessed`` adds Chicago's access date before the URL; ``markup`` italicizes the titles
    for Markdown or HTML.
    """
    e = lambda s: _esc(s, markup)  # noqa: E731
    first = ", ".join(p for p in (e(_heading(doc)), e(_dateline(doc))) if p)
    book = _series_part(volume, abbreviate, markup)
    if volume.editors:
        book += f", {'eds.' if len(volume.editors) > 1 else 'ed.'} {e(_and(volume.editors))}"
    note = f"{first}, in {book} ({e(_imprint(volume))}), Document {e(_doc_number(doc))}"
    if accessed:
        note += f", accessed {_us_date(FuzzyDate(accessed.isoformat()))}"
    return f"{note}, {_url(document_url(volume, doc), markup)}."


def short_note(volume: Volume, doc: Document, *, markup: Markup = "text") -> str:
    """The shortened note for later references, in the usual FRUS abbreviation.

    >>> v = Volume(id="frus1964-68v29p2", title="", subseries="1964–1968",
    ...            volume_number="Volume XXIX, Part 2", volume_title="Japan")
    >>> d = Document("frus1964-68v29p2", "d87", "87", "87. Memorandum From Rostow to Johnson",
    ...              "document", date=FuzzyDate.parse("1967-03-03"))
    >>> short_note(v, d)
    'Memorandum From Rostow to Johnson, March 3, 1967, FRUS, 1964–1968, vol. XXIX, pt. 2, doc. 87.'
    """
    e = lambda s: _esc(s, markup)  # noqa: E731
    when = _us_date(doc.date) if doc.date else ""
    frus = _italic("FRUS", markup) + (f", {e(volume.subseries)}" if volume.subseries else "")
    where = ", ".join(p for p in (frus, e(_volume_number(volume, True))) if p)
    head = ", ".join(p for p in (e(_heading(doc)), e(when)) if p)
    return f"{head}, {where}, doc. {e(_doc_number(doc))}."


def bibliography_entry(
    volume: Volume, doc: Document | None = None, *, markup: Markup = "text"
) -> str:
    """A Chicago bibliography entry: for the volume, or for one document in it.

    Chicago (14.111) lists only the collection in a bibliography unless a single item from it
    is cited; give ``doc`` for that case.

    >>> v = Volume(id="frus1964-68v29p2", title="", subseries="1964–1968",
    ...            volume_number="Volume XXIX, Part 2", volume_title="Japan",
    ...            editors=["Karen L. Gatz"], publisher="United States Government Printing Office",
    ...            pub_place="Washington", published="2006")
    >>> print(bibliography_entry(v))   # doctest: +NORMALIZE_WHITESPACE
    Foreign Relations of the United States, 1964–1968. Volume XXIX, Part 2, Japan. Edited by
    Karen L. Gatz. Washington: Government Printing Office, 2006.
    https://history.state.gov/historicaldocuments/frus1964-68v29p2.
    """
    e = lambda s: _esc(s, markup)  # noqa: E731
    series = _italic(e(", ".join(p for p in (volume.series, volume.subseries) if p)), markup)
    rest = ", ".join(
        p
        for p in (e(volume.volume_number), _italic(e(volume.volume_title), markup))
        if p
    )
    edited = f"Edited by {e(_and(volume.editors))}" if volume.editors else ""
    imprint = e(_imprint(volume))
    if doc is None:
        parts = [series, rest, edited, imprint, _url(volume.url, markup)]
        return ". ".join(p for p in parts if p) + "."
    first = ". ".join(p for p in (e(_heading(doc)), e(_dateline(doc))) if p)
    inside = ", ".join(p for p in (series, rest, edited[:1].lower() + edited[1:]) if p)
    inside += f", Document {e(_doc_number(doc))}"
    parts = [first, f"In {inside}", imprint, _url(document_url(volume, doc), markup)]
    return ". ".join(p for p in parts if p) + "."


# -- names -----------------------------------------------------------------------------------

_SUFFIX = re.compile(r"^(?:Jr\.?|Sr\.?|II|III|IV)$")


def _split_name(name: str) -> dict[str, str]:
    """'Karen L. Gatz' -> family 'Gatz', given 'Karen L.'; 'Roger Hilsman, Jr.' keeps 'Jr.'
    as a suffix; 'Gatz, Karen L.' is already inverted. One word stays a literal."""
    name = " ".join(name.split())
    parts = [p.strip() for p in name.split(",")]
    suffix = ""
    if len(parts) > 1 and _SUFFIX.match(parts[-1]):
        suffix = parts.pop()
    if len(parts) == 2:  # already "Family, Given"
        out = {"family": parts[0], "given": parts[1]}
    else:
        words = ", ".join(parts).split(" ")
        if len(words) < 2:
            return {"literal": name}
        out = {"family": words[-1], "given": " ".join(words[:-1])}
    if suffix:
        out["suffix"] = suffix
    return out


def _inverted(name: str) -> str:
    """'Family, Given' (with ', Suffix' before Given for BibTeX)."""
    n = _split_name(name)
    if "literal" in n:
        return n["literal"]
    middle = f", {n['suffix']}" if n.get("suffix") else ""
    return f"{n['family']}{middle}, {n['given']}"


# -- BibTeX ----------------------------------------------------------------------------------

_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def bibtex_escape(text: str) -> str:
    r"""Escape the characters TeX treats specially; other Unicode is kept (biber and modern
    LaTeX read UTF-8).

    >>> print(bibtex_escape("50% of R&D {costs} #1_a"))
    50\% of R\&D \{costs\} \#1\_a
    """
    return "".join(_BIBTEX_ESCAPES.get(c, c) for c in " ".join(text.split()))


def _bib_names(names: list[str]) -> str:
    # Names are written "Family, Given" so BibTeX need not guess the family name; a name
    # that contains the word "and" is braced so BibTeX does not split it.
    out = []
    for name in names:
        inv = bibtex_escape(_inverted(name))
        out.append(f"{{{inv}}}" if re.search(r"\band\b", inv, re.I) else inv)
    return " and ".join(out)


def _bib_url(url: str) -> str:
    # url fields are read verbatim by biblatex: percent-encode anything that could unbalance
    # braces or start a comment instead of TeX-escaping it.
    return quote(url, safe=":/?=&-._~")


def _edtf(fd: FuzzyDate) -> str:
    """ISO 8601/EDTF form as biblatex reads it: 1967-03-03, 1967-03, 1958/1960, 1967?"""
    core = fd.start if fd.end is None else f"{fd.start}/{fd.end}"
    return core + {"certain": "", "approximate": "~", "uncertain": "?"}[fd.certainty]


def _bibtex_entry(volume: Volume, doc: Document) -> str:
    fields: list[tuple[str, str]] = [
        # Double braces keep the heading's capitals in styles that lowercase titles.
        ("title", "{" + bibtex_escape(_heading(doc)) + "}"),
        ("booktitle", "{" + bibtex_escape(volume.title or volume.id) + "}"),
    ]
    if volume.editors:
        fields.append(("editor", _bib_names(volume.editors)))
    if volume.publisher:
        fields.append(("publisher", bibtex_escape(volume.publisher)))
    if volume.pub_place:
        fields.append(("address", bibtex_escape(volume.pub_place)))
    if volume.published:
        # year = the volume's publication year, which classic BibTeX styles print.
        fields.append(("year", bibtex_escape(volume.published)))
    if doc.date:
        # The document's own date goes in biblatex's origdate, at the precision the source
        # gives: 'date' would override 'year' in biblatex and misdate the publication.
        fields.append(("origdate", _edtf(doc.date)))
    dateline = _dateline(doc)
    note = f"Document {_doc_number(doc)}" + (f"; {dateline}" if dateline else "")
    fields.append(("note", bibtex_escape(note)))
    fields.append(("url", _bib_url(document_url(volume, doc))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@incollection{{{cite_key(volume, doc)},\n{body}\n}}\n"


def _unique(items: Iterable[Item]) -> Iterator[Item]:
    """Each document once, in the order given (a key must not repeat in an export)."""
    seen: set[str] = set()
    for volume, doc in items:
        key = cite_key(volume, doc)
        if key not in seen:
            seen.add(key)
            yield volume, doc


def bibtex(items: Iterable[Item]) -> str:
    r"""BibTeX (biblatex-compatible) ``@incollection`` entries, one per document.

    >>> v = Volume(id="frus1964-68v29p2", title="FRUS, Japan", published="2006")
    >>> print(bibtex([(v, Document(v.id, "d87", "87", "87. R&D", "document"))]))
    @incollection{frus1964-68v29p2-d87,
      title = {{R\&D}},
      booktitle = {{FRUS, Japan}},
      year = {2006},
      note = {Document 87},
      url = {https://history.state.gov/historicaldocuments/frus1964-68v29p2/d87}
    }
    <BLANKLINE>
    """
    return "\n".join(_bibtex_entry(v, d) for v, d in _unique(items))


# -- RIS -------------------------------------------------------------------------------------


def _ris_date(fd: FuzzyDate) -> str:
    """RIS DA: 'YYYY/MM/DD/other'; ranges and uncertain dates keep their start in the
    fields and say the rest in 'other', so nothing is invented."""
    y, m, d = (fd.start.split("-") + ["", ""])[:3]
    other = "" if fd.end is None and fd.certainty == "certain" else _us_date(fd)
    return f"{y}/{m}/{d}/{other}"


def _ris_record(volume: Volume, doc: Document) -> list[str]:
    def line(tag: str, value: str) -> str:
        return f"{tag}  - {' '.join(value.split())}"

    out = [line("TY", "CHAP"), line("ID", cite_key(volume, doc)), line("TI", _heading(doc))]
    out.append(line("T2", volume.title or volume.id))
    if volume.series:
        out.append(line("T3", volume.series))
    out += [line("ED", _inverted(n)) for n in volume.editors]
    if volume.published:
        out.append(line("PY", volume.published))
    if doc.date:
        out.append(line("DA", _ris_date(doc.date)))
    if volume.pub_place:
        out.append(line("CY", volume.pub_place))
    if volume.publisher:
        out.append(line("PB", volume.publisher))
    # No VL: T2 already holds "Volume XXIX, Part 2" and importers would print it twice.
    out.append(line("SE", f"Document {_doc_number(doc)}"))
    dateline = _dateline(doc)
    if dateline:
        out.append(line("N1", dateline))
    out.append(line("UR", document_url(volume, doc)))
    out.append("ER  - ")
    return out


def ris(items: Iterable[Item]) -> str:
    """RIS records (``TY  - CHAP`` … ``ER  - ``), CRLF line ends as the format specifies.

    >>> v = Volume(id="frus1964-68v29p2", title="FRUS")
    >>> text = ris([(v, Document(v.id, "d1", "1", "1. Editorial Note", "editorial-note"))])
    >>> text.splitlines()[0], text.splitlines()[-1]
    ('TY  - CHAP', 'ER  - ')
    """
    lines: list[str] = []
    for v, d in _unique(items):
        lines += _ris_record(v, d)
        lines.append("")
    return "\r\n".join(lines)


# -- CSL-JSON --------------------------------------------------------------------------------


def _csl_date(fd: FuzzyDate) -> dict[str, Any]:
    """CSL date-parts with as many parts as the precision allows; a range has two."""

    def parts(iso: str) -> list[int]:
        return [int(p) for p in iso.split("-")]

    out: dict[str, Any] = {"date-parts": [parts(fd.start)]}
    if fd.end is not None:
        out["date-parts"].append(parts(fd.end))
    if fd.certainty != "certain":
        out["circa"] = True
    return out


def _csl_name(name: str) -> dict[str, str]:
    return _split_name(name)


def csl_items(items: Iterable[Item]) -> list[dict[str, Any]]:
    """CSL-JSON items (type ``document``), in the shape of the CSL 1.0 input schema.

    >>> v = Volume(id="frus1964-68v29p2", title="FRUS")
    >>> d = Document(v.id, "d9", "9", "9. Paper", "document", date=FuzzyDate.parse("1964-10"))
    >>> csl_items([(v, d)])[0]["issued"]
    {'date-parts': [[1964, 10]]}
    """
    out = []
    for volume, doc in _unique(items):
        item: dict[str, Any] = {
            "id": cite_key(volume, doc),
            "type": "document",
            "title": _heading(doc),
            "container-title": volume.title or volume.id,
        }
        if volume.series:
            item["collection-title"] = volume.series
        # No "volume": the container title already holds "Volume XXIX, Part 2", and styles
        # would print it twice ("vol. Volume XXIX, Part 2").
        item["number"] = _doc_number(doc)
        if volume.editors:
            item["editor"] = [_csl_name(n) for n in volume.editors]
        if volume.general_editors:
            item["collection-editor"] = [_csl_name(n) for n in volume.general_editors]
        if volume.publisher:
            item["publisher"] = volume.publisher
        if volume.pub_place:
            item["publisher-place"] = volume.pub_place
        if doc.date:
            item["issued"] = _csl_date(doc.date)
        item["URL"] = document_url(volume, doc)
        # CSL has no variable for the collection's year when 'issued' holds the document's
        # date; the schema's free 'custom' object carries it.
        custom = {"frus-id": doc.key}
        if volume.published:
            custom["volume-published"] = volume.published
        item["custom"] = custom
        out.append(item)
    return out


def csl_json(items: Iterable[Item], *, indent: int | None = 2) -> str:
    """CSL-JSON text (an array of items), UTF-8 kept as is."""
    return json.dumps(csl_items(items), ensure_ascii=False, indent=indent)
