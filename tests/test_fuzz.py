"""The TEI reader under fuzzing: any bytes give records or one ``SourceError``, nothing else.

Two kinds of input, both from hypothesis (bounded example counts, no deadlines — a watchdog
alarm catches a hang instead, so a loaded machine cannot make the tests flaky):

* the synthetic fixture ``mini-volume.xml`` with its bytes mutated (flips, inserts, deletes,
  duplications, truncation, splices of its own pieces), and
* structured random TEI: volumes built from the FRUS vocabulary (documents, heads, notes,
  persNames, dates with arbitrary attribute values, page breaks, lists, tables, quotes,
  refs) with arbitrary text, escaped or not.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allytrace.errors import SourceError
from allytrace.sources.frus import read_volume
from allytrace.sources.records import Document, Volume

MINI = Path(__file__).resolve().parent / "fixtures" / "mini-volume.xml"
MINI_BYTES = MINI.read_bytes()
HANG_SECONDS = 120  # a watchdog, not a timing assertion: one example takes milliseconds

FUZZ = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@contextmanager
def watchdog(seconds: int = HANG_SECONDS):
    def hung(signum, frame):  # noqa: ANN001
        raise AssertionError(f"the reader hung for more than {seconds} s")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def read_all(data: bytes, tmp: Path) -> list:
    """Read ``data`` as a volume; return the records or raise only SourceError."""
    path = tmp / "fuzz.xml"
    path.write_bytes(data)
    with watchdog():
        try:
            items = list(read_volume(path))
        except SourceError as exc:
            msg = str(exc)
            assert msg.startswith(str(path)) and "\n" not in msg.strip(), msg
            return []
    assert items and isinstance(items[0], Volume)
    assert all(isinstance(d, Document) for d in items[1:])
    for doc in items[1:]:
        # The record invariants the store relies on hold for whatever was read.
        for p in doc.paragraphs:
            assert doc.text[p.start:p.end] == p.text
    return items


# -- mutated bytes of the fixture --------------------------------------------------------------
_mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, len(MINI_BYTES) - 1), st.integers(1, 255)),
    st.tuples(st.just("insert"), st.integers(0, len(MINI_BYTES)), st.binary(min_size=1, max_size=24)),
    st.tuples(st.just("insert-markup"), st.integers(0, len(MINI_BYTES)),
              st.sampled_from([b"<", b">", b"&", b"</div>", b"<div type=\"document\">", b"<!--", b"]]>",
                               b"<![CDATA[", b"&amp;", b"&#0;", b"&#x110000;", b"\x00", b"\xff\xfe",
                               b"<?pi x?>", b"<!DOCTYPE x>", b"xml:id=\"d1\"", b"when=\"1967-02-30\"",
                               b'<date when="x"/>', b"<note type=\"source\">", b"\"", b"'"])),
    st.tuples(st.just("delete"), st.integers(0, len(MINI_BYTES) - 1), st.integers(1, 200)),
    st.tuples(st.just("duplicate"), st.integers(0, len(MINI_BYTES) - 1), st.integers(1, 400)),
    st.tuples(st.just("truncate"), st.integers(0, len(MINI_BYTES)), st.just(0)),
)


def mutate(data: bytes, ops: list[tuple]) -> bytes:
    buf = bytearray(data)
    for kind, pos, arg in ops:
        pos = min(pos, len(buf))
        if kind == "flip" and pos < len(buf):
            buf[pos] ^= arg
        elif kind in ("insert", "insert-markup"):
            buf[pos:pos] = arg
        elif kind == "delete":
            del buf[pos:pos + arg]
        elif kind == "duplicate":
            buf[pos:pos] = buf[pos:pos + arg]
        elif kind == "truncate":
            del buf[pos:]
    return bytes(buf)


@FUZZ
@given(ops=st.lists(_mutation, min_size=1, max_size=6))
def test_mutated_fixture_gives_records_or_source_error(ops, tmp_path_factory):
    read_all(mutate(MINI_BYTES, ops), tmp_path_factory.mktemp("fuzz"))


def test_mutation_harness_sees_the_intact_fixture(tmp_path):
    """The fuzz target itself works: the unmutated fixture reads to five documents."""
    items = read_all(MINI_BYTES, tmp_path)
    assert len(items) == 6


# -- structured random TEI ---------------------------------------------------------------------
TEI_NS = "http://www.tei-c.org/ns/1.0"
# Mostly characters XML allows (so that most volumes parse and reach the document builder),
# now and then any character at all.
_valid_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), max_codepoint=0x2FFFF),
                      max_size=30)
_any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFFF), max_size=30)


@st.composite
def _text_strategy(draw) -> str:  # noqa: ANN001
    return draw(_any_text if draw(st.integers(0, 40)) == 0 else _valid_text)


_text = _text_strategy()
_ncname = st.sampled_from(["d1", "d2", "d3", "p_SE1", "p_RD1", "t_SCC1", "x", "d2fn1"])
_attr_value = st.one_of(
    _text,
    st.sampled_from(["1967-03-15", "1967-03-15T17:00:00Z", "1967-02-30", "1967", "1967-13", "",
                     "-0001-01-01", "99999-01-01", "1967-03-15T25:61:00", "#d1", "#p_SE1", "#nope",
                     "frus1961-63v22#d383fn4", "https://history.state.gov/historicaldocuments/x/d9",
                     "http://x/historicaldocuments/", "source", "from", "to", "document"]),
)
_inline_tags = ["hi", "persName", "gloss", "ref", "note", "lb", "pb", "date", "placeName", "term", "foreign"]
_block_tags = ["p", "list", "item", "table", "row", "cell", "quote", "head", "dateline", "opener",
               "closer", "signed", "div", "lg", "l", "listBibl", "bibl", "frus:attachment"]
_attr_names = ["when", "from", "to", "notBefore", "notAfter", "type", "n", "corresp", "target",
               "xml:id", "rend"]


def _attrs(draw) -> str:  # noqa: ANN001
    names = draw(st.lists(st.sampled_from(_attr_names), max_size=3, unique=True))
    out = []
    for name in names:
        value = draw(_ncname if name == "xml:id" and draw(st.integers(0, 9)) else _attr_value)
        out.append(f" {name}={quoteattr(value)}")
    return "".join(out)


@st.composite
def _node(draw, depth: int = 0) -> str:  # noqa: ANN001
    if depth > 5 or draw(st.integers(0, 3)) == 0:
        t = draw(_text)
        return escape(t) if draw(st.integers(0, 40)) else t  # now and then, raw (maybe malformed)
    tag = draw(st.sampled_from(_inline_tags + _block_tags))
    attrs = _attrs(draw)
    if draw(st.integers(0, 5)) == 0:
        return f"<{tag}{attrs}/>"
    children = draw(st.lists(_node(depth + 1), max_size=4))
    return f"<{tag}{attrs}>{''.join(children)}</{tag}>"


@st.composite
def _document(draw, n: int) -> str:  # noqa: ANN001
    doc_id = draw(st.one_of(st.just(f"d{n}"), st.just("d1"), _ncname)) if draw(st.integers(0, 20)) else draw(_text)
    head = draw(_node(3))
    body = "".join(draw(st.lists(_node(1), max_size=5)))
    date = ""
    if draw(st.booleans()):
        date = f"<dateline><placeName>{escape(draw(_text))}</placeName> <date{_attrs(draw)}>x</date></dateline>"
    return (f'<div type="document" n="{n}" xml:id={quoteattr(doc_id)}><head>{head}</head>'
            f"{date}{body}</div>")


@st.composite
def tei_volume(draw) -> str:  # noqa: ANN001
    vid = "frus-fuzz" if draw(st.integers(0, 20)) else draw(st.one_of(st.just(""), _text))
    persons = "".join(
        f'<item><persName xml:id="p_{i}">{escape(draw(_text))}</persName>, {escape(draw(_text))}</item>'
        for i in range(draw(st.integers(0, 3)))
    )
    docs = "".join(draw(_document(i + 1)) for i in range(draw(st.integers(0, 4))))
    front = f'<front><div xml:id="persons"><list>{persons}</list></div></front>' if draw(st.booleans()) else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<TEI xmlns="{TEI_NS}" '
            f'xmlns:frus="http://history.state.gov/frus/ns/1.0" xml:id={quoteattr(vid)}>'
            f"<teiHeader><fileDesc><titleStmt><title type=\"complete\">{escape(draw(_text))}</title>"
            f"</titleStmt></fileDesc></teiHeader><text>{front}<body>{docs}</body></text></TEI>")


@settings(FUZZ, max_examples=120)  # each example is a whole random volume: fewer of them
@given(volume=tei_volume())
def test_random_tei_gives_records_or_source_error(volume, tmp_path_factory):
    read_all(volume.encode("utf-8", errors="surrogatepass"), tmp_path_factory.mktemp("tei"))


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1", "utf-8-sig"])
def test_fixture_in_other_encodings(encoding, tmp_path):
    text = MINI_BYTES.decode("utf-8")
    data = text.encode(encoding, errors="replace")
    read_all(data, tmp_path)
