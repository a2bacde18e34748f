"""Turning records into safe HTML: the template environment and its filters.

Every string that comes from a document, a case file or a request is text, never markup.
Jinja2's autoescape handles the templates; the few places that build markup in Python
(highlighted snippets, paragraphs with entity links) escape each piece of text first and
only then add tags of their own (``<mark>``, ``<a>``), so no source string can open a tag.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from ..store.search import HL_END, HL_START

# Control characters other than tab and newline have no business in HTML.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def marks(snippet: str | None) -> Markup:
    """Escape a snippet, then turn its highlight markers into ``<mark>`` elements.

    >>> str(marks("a \\x02<b>\\x03 c"))
    'a <mark>&lt;b&gt;</mark> c'
    """
    if not snippet:
        return Markup("")
    out: list[str] = []
    open_ = False
    for part in re.split(f"([{HL_START}{HL_END}])", snippet):
        if part == HL_START and not open_:
            out.append("<mark>")
            open_ = True
        elif part == HL_END and open_:
            out.append("</mark>")
            open_ = False
        elif part not in (HL_START, HL_END):
            out.append(str(escape(_CONTROL.sub("", part))))
    if open_:
        out.append("</mark>")
    return Markup("".join(out))


def doc_url(key: str, **params: Any) -> str:
    """``/doc/frus1964-68v29p2/d87`` (path segments quoted; never a scheme)."""
    url = "/doc/" + "/".join(quote(part, safe="") for part in key.split("/"))
    q = {k: v for k, v in params.items() if v not in (None, "")}
    return url + (f"?{urlencode(q)}" if q else "")


def entity_url(entity_id: str) -> str:
    return "/entity/" + quote(entity_id, safe="")


def query_url(path: str, params: dict[str, Any], **changes: Any) -> str:
    """``path`` with ``params`` updated by ``changes`` (None drops a key)."""
    merged = {**params, **changes}
    q = {k: v for k, v in merged.items() if v not in (None, "")}
    return path + (f"?{urlencode(q)}" if q else "")


def human_date(value: Any) -> str:
    if value is None:
        return ""
    return value.human() if hasattr(value, "human") else str(value)


def precision(value: Any) -> str:
    return getattr(value, "precision", "") or ""


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def signed(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:+.{digits}f}"


# -- paragraphs with entity links and person tooltips -------------------------------------


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # entity | person
    ref: str  # entity id or person id
    title: str
    css: str = ""


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def person_spans(text: str, persons: Iterable[Any]) -> list[Span]:
    """Where the document's persons are named by surname, for identity tooltips.

    FRUS marks persons by ``persName`` but the reader keeps only who is named, not where;
    the surname as printed in the volume's persons list ("Rusk, Dean" → Rusk; "Satō" also
    matches "Sato") is close enough for a tooltip, and a tooltip is all it drives.
    """
    folded = _fold(text)
    spans: list[Span] = []
    for p in persons:
        surname = _fold(p.name.split(",")[0].strip())
        if len(surname) < 3 or not surname[0].isupper():
            continue
        title = f"{p.name} — {p.description}" if p.description else p.name
        for m in re.finditer(rf"(?<!\w){re.escape(surname)}(?!\w)", folded):
            spans.append(Span(m.start(), m.end(), "person", p.id, title))
    return spans


def linked_text(text: str, spans: Sequence[Span], labels: dict[str, tuple[str, str]] | None = None) -> Markup:
    """Escaped text with entity links and person tooltips; every run carries its offset.

    ``data-o`` on each run is the offset of its first character in ``text``, so a selection in
    the browser maps back to exact offsets in the paragraph (what evidence records).
    Overlaps resolve to the earlier, then longer span; entities win over persons.
    """
    if len(_fold(text)) != len(text):  # folding changed lengths (rare): drop person spans
        spans = [s for s in spans if s.kind != "person"]
    chosen: list[Span] = []
    until = -1
    order = sorted(spans, key=lambda s: (s.start, s.kind != "entity", -(s.end - s.start)))
    for s in order:
        if s.start < until or s.end <= s.start or s.end > len(text):
            continue
        chosen.append(s)
        until = s.end
    out: list[str] = []
    pos = 0

    def run(a: int, b: int) -> None:
        if b > a:
            out.append(f'<span data-o="{a}">{escape(_CONTROL.sub(" ", text[a:b]))}</span>')

    for s in chosen:
        run(pos, s.start)
        piece = escape(_CONTROL.sub(" ", text[s.start:s.end]))
        if s.kind == "entity":
            out.append(
                f'<a class="ent {escape(s.css)}" data-o="{s.start}" data-entity="{escape(s.ref)}" '
                f'href="{escape(entity_url(s.ref))}" title="{escape(s.title)}">{piece}</a>'
            )
        else:
            out.append(
                f'<span class="person" data-o="{s.start}" data-person="{escape(s.ref)}" '
                f'title="{escape(s.title)}" tabindex="0">{piece}</span>'
            )
        pos = s.end
    run(pos, len(text))
    return Markup("".join(out))


def build_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("allytrace.web", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "svg", "xml"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        marks=marks, human=human_date, precision=precision,
        percent=percent, signed=signed,
    )
    env.globals.update(doc_url=doc_url, entity_url=entity_url, query_url=query_url)
    return env
