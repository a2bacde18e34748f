"""Quotes against documents: the one rule that keeps evidence honest.

A quote is checked against the text the FRUS reader produces (whitespace runs collapsed to
one space, paragraph ends stripped), at the offsets the evidence gives. When the offsets are
wrong but the words occur exactly once, we say where, so the fix is mechanical.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..sources.records import Document


def span_text(doc: Document, paragraph: int | None, footnote: str | None) -> str | None:
    """The text evidence offsets refer to: a paragraph's text or a footnote's text."""
    if paragraph is not None:
        return doc.paragraphs[paragraph].text if 0 <= paragraph < len(doc.paragraphs) else None
    if footnote is not None:
        return next((f.text for f in doc.footnotes if f.id == footnote), None)
    return None


def occurrences(text: str, quote: str) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of quote in text."""
    out, i = [], text.find(quote)
    while i != -1:
        out.append(i)
        i = text.find(quote, i + 1)
    return out


@dataclass(frozen=True)
class SpanCheck:
    ok: bool
    message: str = ""
    hint: str | None = None
    start: int | None = None  # corrected offsets when the quote occurs exactly once
    end: int | None = None


def check_span(
    doc: Document, paragraph: int | None, footnote: str | None, start: int, end: int, quote: str
) -> SpanCheck:
    """Does ``quote`` equal the paragraph (or footnote) text at ``start:end``?"""
    where = f"paragraph {paragraph}" if paragraph is not None else f"footnote {footnote}"
    text = span_text(doc, paragraph, footnote)
    if text is None:
        if paragraph is not None:
            return SpanCheck(
                False,
                f"{doc.key} has no paragraph {paragraph} "
                f"(it has {len(doc.paragraphs)}: 0–{len(doc.paragraphs) - 1})",
            )
        ids = ", ".join(f.id for f in doc.footnotes) or "none"
        return SpanCheck(False, f"{doc.key} has no footnote {footnote!r} (footnotes: {ids})")
    if text[start:end] == quote:
        return SpanCheck(True)
    hits = occurrences(text, quote)
    if len(hits) == 1:
        s = hits[0]
        return SpanCheck(
            False,
            f"quote does not match {where} at {start}–{end}; "
            f"it occurs once at {s}–{s + len(quote)}",
            hint=f"set start: {s} and end: {s + len(quote)}",
            start=s,
            end=s + len(quote),
        )
    if len(hits) > 1:
        at = ", ".join(f"{s}–{s + len(quote)}" for s in hits[:5])
        return SpanCheck(
            False,
            f"quote does not match {where} at {start}–{end}; it occurs {len(hits)} times (at {at})",
            hint="choose one and fix the offsets",
        )
    squeezed = " ".join(quote.split())
    if squeezed != quote and squeezed in text:
        return SpanCheck(
            False,
            f"quote differs from {where} only in whitespace",
            hint="copy the quote from the normalised text (one space between words)",
        )
    if paragraph is not None:
        for p in doc.paragraphs:
            if p.index != paragraph and quote in p.text:
                s = p.text.find(quote)
                return SpanCheck(
                    False,
                    f"quote is not in {where}; it occurs in paragraph {p.index} "
                    f"at {s}–{s + len(quote)}",
                    hint=f"set paragraph: {p.index}",
                )
    shown = quote if len(quote) <= 60 else quote[:57] + "..."
    return SpanCheck(False, f"quote not found in {where} of {doc.key}: {shown!r}")


def quote_in(doc: Document, paragraph: int | None, footnote: str | None, quote: str) -> bool:
    """For citations, which give no offsets: the quote must occur in the part they name."""
    if paragraph is None and footnote is None:
        return quote in doc.text or any(quote in f.text for f in doc.footnotes)
    text = span_text(doc, paragraph, footnote)
    return text is not None and quote in text
