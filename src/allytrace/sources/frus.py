"""Reader for FRUS volumes in TEI P5, as the Office of the Historian publishes them.

``read_volume(path)`` streams a volume: it yields the ``Volume`` (header, persons and terms
lists) as soon as the front matter is read, then one ``Document`` per
``div[@type='document']``, clearing each from memory once it is yielded.

The parser is hardened: it never loads a DTD, never expands entities, never touches the
network, and refuses any ``<!DOCTYPE>`` that declares entities before libxml2 sees it, so XXE
and "billion laughs" payloads fail with one clear line instead of a hang or a leak.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from lxml import etree

from ..dates import DateError, from_tei
from ..errors import SourceError
from .records import (
    PARAGRAPH_SEPARATOR,
    CrossRef,
    Document,
    Footnote,
    Paragraph,
    Person,
    SourceNote,
    Term,
    Volume,
)

TEI = "http://www.tei-c.org/ns/1.0"
# The most XML the reader holds in memory at once: everything read since the last document
# (or header, or front matter) was freed. The largest FRUS documents are well under 1 MiB;
# the bound keeps a hostile file from building a tree of gigabytes (a tree takes up to ~30
# times the bytes of dense markup, so this is at most ~0.5 GiB).
MAX_PENDING_BYTES = 16 * 1024 * 1024
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


def _t(name: str) -> str:
    return f"{{{TEI}}}{name}"


_NOTE, _PB, _LB, _ROW, _HEAD, _P = _t("note"), _t("pb"), _t("lb"), _t("row"), _t("head"), _t("p")
_DIV, _QUOTE, _GLOSS, _PERSNAME, _REF = _t("div"), _t("quote"), _t("gloss"), _t("persName"), _t("ref")
_DATE, _PLACENAME, _OPENER, _TERM = _t("date"), _t("placeName"), _t("opener"), _t("term")

# Elements whose content is a paragraph of their own wherever they stand.
_NESTED_BLOCKS = {_t("p"), _t("list"), _t("table")}
# Elements at document level that hold blocks rather than text.
_CONTAINERS = {_t("div"), _t("list"), _t("table"), _t("quote"), _t("listBibl"), _t("lg")}
_SKIP_AT_DOC_LEVEL = {_t("head"), _t("dateline")}

# A marking starts a sentence of the note ("... POL 19 JAPAN. Secret; Exdis."), which keeps
# archive names such as "Confidential File, CO 141" out of it.
_CLASSIFICATION = re.compile(
    r"(?:^|(?<=\.\s))(Top Secret|Secret|Confidential|Limited Official Use|Official Use Only|Unclassified"
    r"|No classification marking)\b[^.]*"
)
_DRAFTED = re.compile(r"\bDrafted (?:by|in) (.+?)(?:;|,? (?:and )?(?:cleared|approved)|(?<=[a-z]{2})\.(?:\s|$))")


# The whitespace that str.split() breaks on within ASCII, besides the single space.
_ASCII_BREAKS = ("  ", "\n", "\t", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")


def norm(text: str) -> str:
    """The whitespace rule that makes offsets stable: runs become one space, ends stripped."""
    # Most ASCII pieces are already normal; isascii() is O(1) and each `in` a memchr, so
    # checking first saves splitting ~60% of the texts into words (a third of norm's cost).
    if text.isascii() and text[:1] != " " and text[-1:] != " ":
        for ws in _ASCII_BREAKS:
            if ws in text:
                break
        else:
            return text
    # str.split() without arguments splits on the same whitespace as \s+ and is ~4x faster.
    return " ".join(text.split())


def _alltext(el: etree._Element) -> str:
    """All the text inside ``el`` (not its tail): ``"".join(el.itertext())``, done in C."""
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def parse_source_note(text: str) -> SourceNote:
    """Split a FRUS source note into archive, classification and drafter.

    >>> s = parse_source_note("Source: National Archives, RG 59, POL JAPAN-US. Secret; Exdis. Drafted by Sneider.")
    >>> s.archive, s.classification, s.drafter
    ('National Archives, RG 59, POL JAPAN-US', 'Secret; Exdis', 'Sneider')
    """
    text = norm(text)
    body = text.strip("[]").strip()
    if body.lower().startswith(("source:", "source,")):  # "Source," is a typo in some volumes
        body = body[7:].strip()
    archive, classification = body, ""
    m = _CLASSIFICATION.search(body)
    if m:
        classification = m.group(0).strip().rstrip(";,")
        archive = body[: m.start()].strip().rstrip(".;, ")
    else:
        archive = body.split(". ")[0].rstrip(".")
    d = _DRAFTED.search(body)
    return SourceNote(
        text=text, archive=archive, classification=classification, drafter=d.group(1) if d else ""
    )


def _volume_of(target: str, volume_id: str) -> tuple[str, str | None]:
    """Resolve a ref target to (volume, document id or None)."""
    if target.startswith(("http://", "https://")):
        m = re.search(r"historicaldocuments/([^/#]+)(?:/(d\d+))?", target)
        return (m.group(1), m.group(2)) if m else ("", None)
    vol, _, frag = target.partition("#")
    vol = vol or volume_id
    m = re.match(r"(d\d+)", frag)
    return vol, (m.group(1) if m else None)


class _DocumentBuilder:
    """Walks one ``div[@type='document']`` and fills a Document."""

    def __init__(self, volume: Volume, persons: dict[str, Person], start_page: str | None):
        self.volume = volume
        self.persons = persons
        self.page = start_page
        self.paragraphs: list[Paragraph] = []
        self.footnotes: list[Footnote] = []
        self.pages: list[str] = [start_page] if start_page else []
        self.offset = 0

    # -- text ------------------------------------------------------------------------------
    def _inline(self, el: etree._Element, deferred: list[etree._Element], para: int | None) -> str:
        parts = [el.text or ""]
        for child in el:
            tag = child.tag
            if tag == _NOTE:
                self._footnote(child, para)
            elif tag == _PB:
                self._page(child)
            elif tag == _LB:
                parts.append(" ")
            elif tag in _NESTED_BLOCKS:
                deferred.append(child)
            elif isinstance(tag, str):
                parts.append(self._inline(child, deferred, para))
            parts.append(child.tail or "")
        return "".join(parts)

    def _page(self, pb: etree._Element) -> None:
        n = pb.get("n")
        if n:
            self.page = n
            if n not in self.pages:
                self.pages.append(n)

    def _footnote(self, note: etree._Element, para: int | None) -> None:
        # A footnote's nested lists and notes are flattened into its one text.
        text = norm(_alltext(note))
        self.footnotes.append(
            Footnote(
                id=note.get(XML_ID) or "",
                n=note.get("n") or "",
                text=text,
                paragraph=para,
                is_source=note.get("type") == "source",
            )
        )

    def _emit(self, text: str, page: str | None) -> None:
        text = norm(text)
        if not text:
            return
        if self.paragraphs:
            self.offset += len(PARAGRAPH_SEPARATOR)
        self.paragraphs.append(Paragraph(len(self.paragraphs), text, self.offset, page))
        self.offset += len(text)

    def _block(self, el: etree._Element) -> None:
        page = self.page
        deferred: list[etree._Element] = []
        if el.tag == _ROW:
            cells = [norm(self._inline(c, deferred, len(self.paragraphs))) for c in el]
            text = " | ".join(c for c in cells)
        else:
            text = self._inline(el, deferred, len(self.paragraphs))
        self._emit(text, page)
        for sub in deferred:
            self._walk_block_or_container(sub)

    def _walk_block_or_container(self, el: etree._Element) -> None:
        if el.tag in _CONTAINERS and el.tag != _QUOTE or (
            el.tag == _QUOTE and el.find(_P) is not None
        ):
            self.walk(el)
        else:
            self._block(el)

    def walk(self, el: etree._Element, top: bool = False) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if top and tag in _SKIP_AT_DOC_LEVEL:
                continue
            if tag == _PB:
                self._page(child)
            elif tag == _NOTE:
                self._footnote(child, None)
            elif tag == _HEAD and not top:
                self._block(child)
            else:
                self._walk_block_or_container(child)

    # -- document --------------------------------------------------------------------------
    def build(self, div: etree._Element) -> Document:
        doc_id = div.get(XML_ID) or ""
        head = div.find(_t("head"))
        heading = ""
        sender: list[str] = []
        recipient: list[str] = []
        if head is not None:
            # Footnotes in the heading (the source note among them) belong to no paragraph.
            heading = norm(self._inline(head, [], None))
            for el in head.iter(_t("gloss"), _t("persName")):
                role = el.get("type")
                if role in ("from", "to"):
                    (sender if role == "from" else recipient).append(norm(_alltext(el)))
        date = None
        date_text = place = ""
        dateline = div.find(_t("dateline"))
        date_el = next(dateline.iter(_DATE), None) if dateline is not None else None
        if date_el is None:
            date_el = div.find(f"{_t('opener')}//{_t('date')}")
        if dateline is not None:
            place_el = next(dateline.iter(_PLACENAME), None)
            place = norm(_alltext(place_el)) if place_el is not None else ""
        if date_el is not None:
            date_text = norm(_alltext(date_el))
            try:
                date = from_tei(
                    date_el.get("when"),
                    date_el.get("from"),
                    date_el.get("to"),
                    date_el.get("notBefore"),
                    date_el.get("notAfter"),
                )
            except DateError as exc:
                raise SourceError(
                    self.volume.source_path,
                    f"document {doc_id}: bad date attribute ({exc})",
                    line=date_el.sourceline,
                    hint="fix the <date> attributes to ISO form",
                ) from None
        self.walk(div, top=True)

        source = None
        for fn in self.footnotes:
            if fn.is_source:
                source = parse_source_note(fn.text)
                break
        if source is None:
            for fn in self.footnotes:
                if fn.text.startswith("[Source:") or fn.text.startswith("Source:"):
                    source = parse_source_note(fn.text)
                    break

        persons: list[str] = []
        crossrefs: list[CrossRef] = []
        for el in div.iter(_PERSNAME, _REF):
            if el.tag == _PERSNAME:
                pid = (el.get("corresp") or "").lstrip("#")
                if pid and pid in self.persons and pid not in persons:
                    persons.append(pid)
            else:
                target = el.get("target") or ""
                if target:
                    vol, d = _volume_of(target, self.volume.id)
                    crossrefs.append(CrossRef(target, vol, d, norm(_alltext(el))))

        if "editorial note" in heading.lower():
            kind = "editorial-note"
        elif not self.paragraphs:
            kind = "withheld"
        else:
            kind = "document"
        return Document(
            volume_id=self.volume.id,
            id=doc_id,
            number=div.get("n") or "",
            heading=heading,
            kind=kind,
            date=date,
            date_text=date_text,
            place=place,
            sender=sender,
            recipient=recipient,
            source=source,
            paragraphs=self.paragraphs,
            footnotes=self.footnotes,
            persons=persons,
            crossrefs=crossrefs,
            pages=self.pages,
        )


def _check_prolog(path: Path) -> None:
    """Refuse empty files and any DTD before the parser runs (defence in depth)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(64 * 1024)
    except OSError as exc:
        raise SourceError(path, f"cannot read file ({exc.strerror})") from None
    if not head.strip():
        raise SourceError(path, "file is empty", hint="give a FRUS TEI volume (.xml)")
    probe = head
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        probe = head.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
    if b"<!DOCTYPE" in probe or b"<!ENTITY" in probe:
        line = probe[: probe.find(b"<!")].count(b"\n") + 1
        raise SourceError(
            path,
            "refusing a document type declaration (DTDs and entities are never loaded; "
            "FRUS volumes have none)",
            line=line,
            hint="remove the <!DOCTYPE> block if the file is trusted",
        )


def _syntax_error(path: Path, exc: etree.XMLSyntaxError) -> SourceError:
    msg = norm(str(exc.msg or exc))  # libxml2 ends some messages with a newline: one line
    line = exc.lineno or None
    low = msg.lower()
    if "utf-8" in low or "encoding" in low or "char" in low and "range" in low:
        return SourceError(
            path,
            f"not valid UTF-8 or declared encoding ({msg.split(',')[0]})",
            line=line,
            hint="convert the file to UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)",
        )
    if "entity" in low:
        return SourceError(path, f"entity not allowed ({msg})", line=line, hint="entities are never expanded")
    if "premature end" in low or "extra content" in low or "eof" in low or "not properly terminated" in low:
        return SourceError(path, f"truncated or malformed XML ({msg})", line=line, hint="download the volume again")
    return SourceError(path, f"malformed XML ({msg})", line=line, hint="check the file is a complete TEI volume")


def read_volume(
    path: str | Path, *, progress: Callable[[int], None] | None = None
) -> Iterator[Volume | Document]:
    """Stream a FRUS TEI volume: first the ``Volume``, then each ``Document`` in order.

    >>> items = read_volume("frus1964-68v29p2.xml")        # doctest: +SKIP
    >>> volume = next(items); docs = list(items)           # doctest: +SKIP

    Raises ``SourceError`` (one line: file, line, what to do) for anything that is not a
    well-formed FRUS TEI volume. ``progress`` is called with the number of bytes read so far.
    """
    path = Path(path)
    _check_prolog(path)
    digest = hashlib.sha256()
    volume: Volume | None = None
    persons: dict[str, Person] = {}
    page: str | None = None
    doc_start_page: str | None = None
    emitted = False

    class _Hashing:
        """File wrapper that hashes exactly the bytes the parser reads.

        It also bounds memory: the reader frees each document (and the header and front
        matter) once read, so the tree in memory only ever holds what came since the last
        of those. More than ``MAX_PENDING_BYTES`` of it — a hostile or broken file, say a
        single "document" of a gigabyte of small elements — is refused before it is built.
        """

        def __init__(self, fh):  # type: ignore[no-untyped-def]
            self.fh = fh
            self.freed_at = 0

        def read(self, n: int = -1) -> bytes:
            b = self.fh.read(n)
            digest.update(b)
            pos = self.fh.tell()
            if progress is not None:
                progress(pos)
            if pos - self.freed_at > MAX_PENDING_BYTES:
                raise SourceError(
                    path,
                    f"more than {MAX_PENDING_BYTES >> 20} MiB of XML without a document boundary "
                    "(refusing to hold it in memory)",
                    hint="FRUS documents are far smaller; check that the file is a FRUS TEI volume",
                )
            return b

    tags = [_t("TEI"), _t("teiHeader"), _t("div"), _t("pb"), _t("front")]
    with path.open("rb") as fh:
        source = _Hashing(fh)
        ctx = etree.iterparse(
            source,
            events=("start", "end"),
            tag=tags,
            load_dtd=False,
            no_network=True,
            resolve_entities=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        root_seen = False
        try:
            for event, el in _guard(ctx, path):
                if not root_seen:
                    root_seen = True
                    if event != "start" or el.tag != _t("TEI"):
                        raise SourceError(
                            path,
                            f"not a FRUS TEI volume: root element is <{etree.QName(el).localname}>"
                            f" in namespace {etree.QName(el).namespace or 'none'}",
                            line=el.sourceline,
                            hint="give a TEI P5 volume from the FRUS repository",
                        )
                    vid = el.get(XML_ID) or ""
                    volume = Volume(id=vid, title="", source_path=str(path))
                    continue
                assert volume is not None
                if event == "start":
                    if el.tag == _t("div") and el.get("type") == "document":
                        if not emitted:
                            emitted = True
                            yield _finish_volume(volume, path)
                        doc_start_page = page
                    continue
                tag = el.tag
                if tag == _PB:
                    page = el.get("n") or page
                elif tag == _t("teiHeader"):
                    _read_header(el, volume)
                    el.clear()
                    source.freed_at = fh.tell()
                elif tag == _t("front"):
                    if not emitted:
                        emitted = True
                        yield _finish_volume(volume, path)
                    el.clear()
                    source.freed_at = fh.tell()
                elif tag == _t("div"):
                    kind = el.get("type")
                    xid = el.get(XML_ID)
                    if xid == "persons":
                        volume.persons = _read_persons(el)
                        persons.update((p.id, p) for p in volume.persons)
                    elif xid == "terms":
                        volume.terms = _read_terms(el)
                    elif kind == "document":
                        if not emitted:
                            emitted = True
                            yield _finish_volume(volume, path)
                        yield _DocumentBuilder(volume, persons, doc_start_page).build(el)
                        el.clear(keep_tail=True)
                        parent = el.getparent()
                        if parent is not None:
                            while el.getprevious() is not None:
                                del parent[0]
                        source.freed_at = fh.tell()
        finally:
            del ctx
    if volume is None:
        # The tag filter hid a foreign root element; name it in the error.
        raise SourceError(
            path,
            f"not a FRUS TEI volume: root element is {_root_name(path)}",
            hint="give a TEI P5 volume from the FRUS repository",
        )
    if not emitted:
        yield _finish_volume(volume, path)
    volume.sha256 = digest.hexdigest()


def _root_name(path: Path) -> str:
    ctx = etree.iterparse(str(path), events=("start",), load_dtd=False, no_network=True,
                          resolve_entities=False)
    try:
        for _, el in ctx:
            q = etree.QName(el)
            return f"<{q.localname}> in namespace {q.namespace}" if q.namespace else f"<{q.localname}>"
    except etree.XMLSyntaxError:
        pass
    return "?"


def _guard(ctx, path: Path):  # type: ignore[no-untyped-def]
    """Turn parser errors raised mid-stream into SourceErrors."""
    it = iter(ctx)
    while True:
        try:
            item = next(it)
        except StopIteration:
            return
        except etree.XMLSyntaxError as exc:
            raise _syntax_error(path, exc) from None
        yield item


def _finish_volume(volume: Volume, path: Path) -> Volume:
    if not volume.id:
        raise SourceError(
            path,
            "not a FRUS volume: the TEI root has no xml:id and the header no idno[@type='frus']",
            hint="give a volume from the FRUS repository",
        )
    if not volume.title:
        volume.title = volume.id
    return volume


def _text(el: etree._Element | None) -> str:
    return norm(_alltext(el)) if el is not None else ""


def _read_header(header: etree._Element, volume: Volume) -> None:
    ts = header.find(f".//{_t('titleStmt')}")
    if ts is not None:
        for title in ts.findall(_t("title")):
            kind, text = title.get("type"), _text(title)
            if kind == "complete":
                volume.title = text
            elif kind == "series":
                volume.series = text
            elif kind == "sub-series":
                volume.subseries = text
            elif kind == "volume-number":
                volume.volume_number = text
            elif kind == "volume":
                volume.volume_title = text
        for ed in ts.findall(_t("editor")):
            (volume.general_editors if ed.get("role") == "general" else volume.editors).append(_text(ed))
    ps = header.find(f".//{_t('publicationStmt')}")
    if ps is not None:
        volume.publisher = _text(ps.find(_t("publisher")))
        volume.pub_place = _text(ps.find(_t("pubPlace")))
        volume.published = _text(ps.find(_t("date")))
        for idno in ps.findall(_t("idno")):
            if idno.get("type") == "frus" and not volume.id:
                volume.id = _text(idno)


def _item_rest(item: etree._Element, key: etree._Element) -> str:
    """The text of a list item after its key element (name or term)."""
    full = norm(_alltext(item))
    keytext = norm(_alltext(key))
    idx = full.find(keytext)
    rest = full[idx + len(keytext):] if idx >= 0 else full
    return rest.lstrip(" ,;:–—-").strip()


def _first_with_id(item: etree._Element, tag: str) -> etree._Element | None:
    """The first ``tag`` element with an xml:id inside ``item`` (an ElementPath query, unparsed)."""
    for el in item.iter(tag):
        if el.get(XML_ID) is not None:
            return el
    return None


def _read_persons(div: etree._Element) -> list[Person]:
    out = []
    for item in div.iter(_t("item")):
        name_el = _first_with_id(item, _PERSNAME)
        if name_el is None:
            continue
        out.append(Person(name_el.get(XML_ID), _text(name_el), _item_rest(item, name_el)))
    return out


def _read_terms(div: etree._Element) -> list[Term]:
    out = []
    for item in div.iter(_t("item")):
        term_el = _first_with_id(item, _TERM)
        if term_el is None:
            continue
        out.append(Term(term_el.get(XML_ID), _text(term_el), _item_rest(item, term_el)))
    return out
