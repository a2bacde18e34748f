"""Build scaled benchmark corpora from the real FRUS sample volume.

A corpus at scale N is N volume files, ``frus-bench-0001.xml`` … ``frus-bench-NNNN.xml``. Each
is the real volume byte for byte except for

* its volume id (the TEI root's ``xml:id`` and the ``idno[@type='frus']``), so every document
  key is new (``frus-bench-0042/d87``), and
* its dates: the year of every ``@when``/``@from``/``@to``/``@notBefore``/``@notAfter`` is
  moved forward by a multiple of four years (which keeps 29 February valid), so that date
  filters and trends see a corpus spread over a century rather than 140 distinct days.

So the scaled corpus keeps the real volume's shape: document lengths, markup density, the
persons and terms lists, footnotes, source notes, cross-references, vocabulary.

    python bench/generate.py --scale 100            # → bench/work/corpus/frus-bench-0001.xml …

Generated files live under ``bench/work/`` (git-ignored). They are never committed, and
neither is any copy of the real volume.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
SHARED = Path(os.environ.get("ALLYTRACE_SHARED_DATA", ROOT.parent / "shared" / "data"))
SAMPLE = SHARED / "frus" / "frus1964-68v29p2.xml"

# The year of a date attribute: when="1964-01-10", notBefore="1967", from="1968-02".
_DATE_YEAR = re.compile(rb'\b(?:when|from|to|notBefore|notAfter)="(\d{4})(?=[-"T])')
_YEAR_STEP = 4  # leap years stay leap years (1964 + 4k up to 2063; 2000 is a leap year)
_YEAR_CYCLE = 25  # shifts of 0, 4, … 96 years, then round again


class Template:
    """The sample volume cut at every place a generated copy differs from it."""

    def __init__(self, data: bytes) -> None:
        self.sample_id = _volume_id(data)
        # Positions to rewrite, in order: (start, end, kind, value).
        edits: list[tuple[int, int, str, bytes]] = []
        for m in _DATE_YEAR.finditer(data):
            edits.append((m.start(1), m.end(1), "year", m.group(1)))
        ident = self.sample_id.encode()
        for m in re.finditer(rb'(?:xml:id="|<idno type="frus">)(' + re.escape(ident) + rb')[<"]', data):
            edits.append((m.start(1), m.end(1), "id", m.group(1)))
        edits.sort()
        self.pieces: list[bytes] = []
        self.slots: list[tuple[str, bytes]] = []
        pos = 0
        for start, end, kind, value in edits:
            self.pieces.append(data[pos:start])
            self.slots.append((kind, value))
            pos = end
        self.pieces.append(data[pos:])
        self.documents = data.count(b'type="document"')

    def render(self, volume_id: str, year_shift: int) -> bytes:
        out = [self.pieces[0]]
        vid = volume_id.encode()
        for (kind, value), piece in zip(self.slots, self.pieces[1:]):
            out.append(vid if kind == "id" else b"%04d" % (int(value) + year_shift))
            out.append(piece)
        return b"".join(out)


def _volume_id(data: bytes) -> str:
    m = re.search(rb'<TEI\b[^>]*\bxml:id="([^"]+)"', data)
    if not m:
        raise SystemExit("the sample volume has no TEI/@xml:id")
    return m.group(1).decode()


def volume_id(i: int) -> str:
    return f"frus-bench-{i:04d}"


def generate(scale: int, out_dir: Path, sample: Path = SAMPLE, *, quiet: bool = False) -> list[Path]:
    """Write (or reuse) ``scale`` volumes in ``out_dir``; returns their paths in order.

    A file already there with the expected size is reused, so growing a corpus from 100× to
    1000× writes only the new 900 volumes.
    """
    if not sample.is_file():
        raise SystemExit(f"{sample}: sample volume not found (set ALLYTRACE_SHARED_DATA)")
    template = Template(sample.read_bytes())
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(1, scale + 1):
        vid = volume_id(i)
        path = out_dir / f"{vid}.xml"
        shift = _YEAR_STEP * ((i - 1) % _YEAR_CYCLE)
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(template.render(vid, shift))
            tmp.replace(path)
        paths.append(path)
        if not quiet and i % 100 == 0:
            print(f"  generated {i}/{scale}", file=sys.stderr)
    return paths


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, required=True, help="number of volume copies")
    ap.add_argument("--out", type=Path, default=WORK / "corpus", help="output folder")
    ap.add_argument("--sample", type=Path, default=SAMPLE, help="the real volume to replicate")
    args = ap.parse_args(argv)
    paths = generate(args.scale, args.out, args.sample)
    total = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} volumes, {total / 1e6:.1f} MB in {args.out}")


if __name__ == "__main__":
    main()
