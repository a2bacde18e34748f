"""Plain records that source readers produce and the store consumes.

They hold no behaviour beyond small conveniences: readers fill them, the store writes them.
Paragraph offsets are character offsets into ``Document.text``, which joins the paragraphs
with a blank line; they are stable as long as the reader's whitespace rule is (one space for
any run of whitespace, stripped at both ends of a paragraph).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..dates import FuzzyDate

PARAGRAPH_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Person:
    id: str  # e.g. "p_RD3" as in the volume's persons list
    name: str  # as printed: "Rusk, Dean"
    description: str = ""  # the identity line: "Secretary of State"


@dataclass(frozen=True)
class Term:
    id: str  # "t_SCC1"
    term: str  # "SCC"
    expansion: str = ""  # "Security Consultative Committee"


@dataclass(frozen=True)
class Footnote:
    id: str  # xml:id, e.g. "d5fn2"
    n: str  # the printed mark
    text: str
    paragraph: int | None = None  # index of the paragraph that carries the mark; None = heading
    is_source: bool = False


@dataclass(frozen=True)
class CrossRef:
    target: str  # as written: "#d7", "frus1961-63v22#d383fn4"
    volume: str  # resolved volume id
    document: str | None  # resolved document id, if the target names one
    text: str = ""


@dataclass(frozen=True)
class SourceNote:
    """The source note: where the original is, how it was classified, who drafted it."""

    text: str
    archive: str = ""  # "National Archives and Records Administration, RG 59, ..."
    classification: str = ""  # "Secret; Exdis"
    drafter: str = ""  # "Drafted by ..."


@dataclass(frozen=True)
class Paragraph:
    index: int
    text: str
    start: int  # offset of the first character in Document.text
    page: str | None = None  # printed page on which the paragraph starts

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass
class Document:
    volume_id: str
    id: str  # "d87"
    number: str  # "87" (editorial notes are numbered too)
    heading: str
    kind: str  # "document" | "editorial-note" | "withheld"
    date: FuzzyDate | None = None
    date_text: str = ""
    place: str = ""
    sender: list[str] = field(default_factory=list)
    recipient: list[str] = field(default_factory=list)
    source: SourceNote | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)  # person ids, first mention order
    crossrefs: list[CrossRef] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Stable id: 'frus1964-68v29p2/d87', as history.state.gov names it."""
        return f"{self.volume_id}/{self.id}"

    @property
    def text(self) -> str:
        return PARAGRAPH_SEPARATOR.join(p.text for p in self.paragraphs)

    @property
    def notes_text(self) -> str:
        """The source note, then the other footnotes, one per line (as the corpus stores them)."""
        notes = [self.source.text] if self.source else []
        notes += [f.text for f in self.footnotes if not f.is_source or not self.source]
        return "\n".join(notes)


@dataclass
class Volume:
    id: str  # "frus1964-68v29p2"
    title: str  # complete title
    series: str = "Foreign Relations of the United States"
    subseries: str = ""  # "1964–1968"
    volume_number: str = ""  # "Volume XXIX, Part 2"
    volume_title: str = ""  # "Japan"
    editors: list[str] = field(default_factory=list)
    general_editors: list[str] = field(default_factory=list)
    publisher: str = ""
    pub_place: str = ""
    published: str = ""  # year
    persons: list[Person] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    source_path: str = ""
    sha256: str = ""

    @property
    def url(self) -> str:
        return f"https://history.state.gov/historicaldocuments/{self.id}"
