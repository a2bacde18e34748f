"""Where the test data lives (imported by conftest and tests; not a conftest itself, so that
sub-folder conftest files cannot shadow it)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = Path(os.environ.get("ALLYTRACE_SHARED_DATA", ROOT.parent / "shared" / "data"))
FRUS_VOLUME = SHARED_DATA / "frus" / "frus1964-68v29p2.xml"
ATOP_DIR = SHARED_DATA / "atop"
MINI = FIXTURES / "mini-volume.xml"
