"""Downloads, against local transports and a local HTTP server only: never the internet."""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from allytrace.errors import NetworkError
from allytrace.sources.fetch import DEFAULT_BASE_URL, check_volume_id, fetch_volume
from allytrace.sources.frus import read_volume

REPO = Path(__file__).resolve().parents[1]
VID = "frus1964-68v29p2"
BASE = "https://frus.test/volumes"


def shared_frus() -> Path:
    base = os.environ.get("ALLYTRACE_SHARED_DATA")
    data = Path(base) if base else REPO.parent / "shared" / "data"
    return data / "frus"


REAL = shared_frus() / f"{VID}.xml"


def synthetic_volume(vid: str = VID, documents: int = 300) -> bytes:
    """A small but valid FRUS TEI volume, long enough to arrive in several chunks."""
    docs = "\n".join(
        f'<div type="document" n="{i}" xml:id="d{i}"><head>{i}. Telegram From Tokyo</head>'
        f'<dateline><placeName>Tokyo</placeName>, <date when="1967-03-{i % 28 + 1:02d}">'
        f"March {i % 28 + 1}, 1967</date>.</dateline><p>Paragraph {i} of the security "
        f"subcommittee talks, with “quotes” and 日本語.</p></div>"
        for i in range(1, documents + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="{vid}"><teiHeader><fileDesc>'
        '<titleStmt><title type="complete">Foreign Relations, Test Volume</title></titleStmt>'
        "<publicationStmt><publisher>GPO</publisher></publicationStmt>"
        "</fileDesc></teiHeader><text><body>"
        f'<div type="compilation" xml:id="comp1">{docs}</div></body></text></TEI>\n'
    ).encode()


@pytest.fixture(scope="module")
def payload() -> bytes:
    """The real volume's bytes when the shared data is there, else the synthetic one."""
    return REAL.read_bytes() if REAL.is_file() else synthetic_volume()


# -- a mock server ---------------------------------------------------------------------------


class Server:
    """An httpx.MockTransport handler serving one volume, with switchable behaviour."""

    def __init__(self, files: dict[str, bytes], *, ranges: bool = True, etag: str = '"v1"'):
        self.files = files
        self.ranges = ranges
        self.etag = etag
        self.fail_after: int | None = None  # cut the next body after this many bytes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        name = request.url.path.rsplit("/", 1)[-1]
        if name not in self.files:
            return httpx.Response(404, text="404: Not Found")
        data = self.files[name]
        headers = {"ETag": self.etag, "Content-Type": "text/plain; charset=utf-8"}
        status, start = 200, 0
        rng = request.headers.get("Range")
        if_range = request.headers.get("If-Range")
        if self.ranges and rng and (if_range is None or if_range == self.etag):
            start = int(re.match(r"bytes=(\d+)-$", rng).group(1))
            if start >= len(data):
                return httpx.Response(416, headers={"Content-Range": f"bytes */{len(data)}"})
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        body = data[start:]
        headers["Content-Length"] = str(len(body))
        fail, self.fail_after = self.fail_after, None
        return httpx.Response(status, headers=headers, stream=Body(body, fail))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


class Body(httpx.SyncByteStream):
    """A response body in small chunks that can break part-way, like a dropped connection."""

    def __init__(self, data: bytes, fail_after: int | None):
        self.data, self.fail_after = data, fail_after

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        for i in range(0, len(self.data), 8192):
            chunk = self.data[i : i + 8192]
            if self.fail_after is not None and sent + len(chunk) > self.fail_after:
                yield chunk[: self.fail_after - sent]
                raise httpx.ReadError("connection reset by peer")
            sent += len(chunk)
            yield chunk


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "good", ["frus1861", "frus1964-68v29p2", "frus1919Parisv01", "frus1969-76ve05p1"]
)
def test_good_ids(good):
    assert check_volume_id(good) == good


@pytest.mark.parametrize(
    "bad",
    ["", "frus", "../frus1964", "frus1964/../x", "frus1964.xml", "FRUS1964", "frus1964 68",
     "frus1964-"],
)
def test_bad_ids_make_no_request(bad, tmp_path):
    server = Server({})
    with pytest.raises(NetworkError, match="not a FRUS volume id"):
        fetch_volume(bad, tmp_path, base_url=BASE, client=server.client())
    assert server.requests == []
    assert leftovers(tmp_path) == []


def test_default_base_url_is_the_frus_repository():
    assert DEFAULT_BASE_URL.startswith("https://raw.githubusercontent.com/HistoryAtState/frus/")
    assert DEFAULT_BASE_URL.endswith("/volumes")


# -- downloads -------------------------------------------------------------------------------


def test_download_with_progress(tmp_path, payload):
    server = Server({f"{VID}.xml": payload})
    seen: list[tuple[int, int | None]] = []
    path = fetch_volume(
        VID, tmp_path, base_url=BASE, client=server.client(),
        progress=lambda d, t: seen.append((d, t)),
    )
    assert path == tmp_path / f"{VID}.xml"
    assert path.read_bytes() == payload
    assert leftovers(tmp_path) == [f"{VID}.xml"]
    assert seen[0] == (0, len(payload)) and seen[-1] == (len(payload), len(payload))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    req = server.requests[0]
    assert str(req.url) == f"{BASE}/{VID}.xml"
    assert req.headers["Accept-Encoding"] == "identity"


def test_existing_file_is_kept_unless_forced(tmp_path, payload):
    server = Server({f"{VID}.xml": payload})
    (tmp_path / f"{VID}.xml").write_bytes(payload)
    fetch_volume(VID, tmp_path, base_url=BASE, client=server.client())
    assert server.requests == []
    fetch_volume(VID, tmp_path, base_url=BASE, client=server.client(), force=True)
    assert len(server.requests) == 1


@pytest.mark.parametrize("ranges", [True, False], ids=["range", "no-range"])
def test_interrupted_then_resumed_is_byte_identical(tmp_path, payload, ranges):
    server = Server({f"{VID}.xml": payload}, ranges=ranges)
    cut = len(payload) // 3
    server.fail_after = cut
    with pytest.raises(NetworkError, match="interrupted after") as err:
        fetch_volume(VID, tmp_path, base_url=BASE, client=server.client(), retries=0)
    assert "resume" in str(err.value) and "\n" not in str(err.value)
    part = tmp_path / f"{VID}.xml.part"
    assert part.read_bytes() == payload[:cut]
    assert not (tmp_path / f"{VID}.xml").exists()

    path = fetch_volume(VID, tmp_path, base_url=BASE, client=server.client())
    assert path.read_bytes() == payload
    assert leftovers(tmp_path) == [f"{VID}.xml"]
    resume = server.requests[-1]
    assert resume.headers["Range"] == f"bytes={cut}-"
    assert resume.headers["If-Range"] == '"v1"'


def test_retries_resume_within_one_call(tmp_path, payload):
    server = Server({f"{VID}.xml": payload})
    server.fail_after = 20_000
    path = fetch_volume(VID, tmp_path, base_url=BASE, client=server.client(), retries=1)
    assert path.read_bytes() == payload
    assert [r.headers.get("Range") for r in server.requests] == [None, "bytes=20000-"]


def test_changed_upstream_restarts_instead_of_splicing(tmp_path, payload):
    server = Server({f"{VID}.xml": payload})
    server.fail_after = 10_000
    with pytest.raises(NetworkError):
        fetch_volume(VID, tmp_path, base_url=BASE, client=server.client(), retries=0)
    newer = synthetic_volume(documents=120)
    server.files[f"{VID}.xml"], server.etag = newer, '"v2"'  # If-Range no longer matches
    path = fetch_volume(VID, tmp_path, base_url=BASE, client=server.client())
    assert path.read_bytes() == newer


def test_complete_part_is_not_downloaded_again(tmp_path, payload):
    server = Server({f"{VID}.xml": payload})
    (tmp_path / f"{VID}.xml.part").write_bytes(payload)
    path = fetch_volume(VID, tmp_path, base_url=BASE, client=server.client())
    assert path.read_bytes() == payload
    assert server.requests[0].headers["Range"] == f"bytes={len(payload)}-"


def test_stale_longer_part_restarts(tmp_path):
    small = synthetic_volume(documents=5)
    server = Server({f"{VID}.xml": small})
    (tmp_path / f"{VID}.xml.part").write_bytes(b"x" * (len(small) + 100))
    assert fetch_volume(VID, tmp_path, base_url=BASE, client=server.client()).read_bytes() == small


# -- bad payloads and failures ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        synthetic_volume()[:-200],  # truncated
        b"<html><body>Captive portal</body></html>",  # not TEI
        b"",  # empty
        b'<?xml version="1.0"?><!DOCTYPE TEI [<!ENTITY x "y">]><TEI/>',  # hostile
    ],
    ids=["truncated", "html", "empty", "doctype"],
)
def test_corrupt_payload_is_rejected_and_nothing_kept(tmp_path, body):
    server = Server({f"{VID}.xml": body})
    with pytest.raises(NetworkError, match="not a well-formed FRUS volume") as err:
        fetch_volume(VID, tmp_path, base_url=BASE, client=server.client())
    assert "\n" not in str(err.value)
    assert leftovers(tmp_path) == []


def test_corrupt_payload_keeps_an_older_good_copy(tmp_path, payload):
    good = tmp_path / f"{VID}.xml"
    good.write_bytes(payload)
    server = Server({f"{VID}.xml": b"<TEI broken"})
    with pytest.raises(NetworkError):
        fetch_volume(VID, tmp_path, base_url=BASE, client=server.client(), force=True)
    assert good.read_bytes() == payload
    assert leftovers(tmp_path) == [good.name]


def test_wrong_volume_is_rejected(tmp_path):
    server = Server({f"{VID}.xml": synthetic_volume(vid="frus1961-63v22")})
    with pytest.raises(NetworkError, match="is volume 'frus1961-63v22'"):
        fetch_volume(VID, tmp_path, base_url=BASE, client=server.client())
    assert leftovers(tmp_path) == []


def test_404_names_the_unknown_volume(tmp_path):
    server = Server({})
    with pytest.raises(NetworkError, match="unknown FRUS volume 'frus1999v99'") as err:
        fetch_volume("frus1999v99", tmp_path, base_url=BASE, client=server.client())
    assert "404" in str(err.value)
    assert leftovers(tmp_path) == []


def test_server_error(tmp_path):
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    with pytest.raises(NetworkError, match="HTTP 503"):
        fetch_volume(VID, tmp_path, base_url=BASE, client=client)


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("[Errno -3] Temporary failure in name resolution"),
        httpx.ConnectError("[Errno 101] Network is unreachable"),
        httpx.ConnectTimeout("timed out"),
    ],
    ids=["dns", "unreachable", "timeout"],
)
def test_no_network_says_so_in_one_line(tmp_path, exc):
    def offline(request: httpx.Request) -> httpx.Response:
        raise exc

    client = httpx.Client(transport=httpx.MockTransport(offline))
    with pytest.raises(NetworkError) as err:
        fetch_volume(VID, tmp_path, base_url=BASE, client=client)
    msg = str(err.value)
    assert msg.startswith("no network")
    assert "allytrace ingest PATH" in msg
    assert "\n" not in msg
    assert leftovers(tmp_path) == []


# -- file:// ---------------------------------------------------------------------------------


def test_file_base_url(tmp_path, payload):
    src = tmp_path / "mirror" / "volumes"
    src.mkdir(parents=True)
    (src / f"{VID}.xml").write_bytes(payload)
    dest = tmp_path / "data"
    seen: list[int] = []
    path = fetch_volume(VID, dest, base_url=src.as_uri(), progress=lambda d, t: seen.append(d))
    assert path.read_bytes() == payload and seen[-1] == len(payload)
    with pytest.raises(NetworkError, match="unknown FRUS volume 'frus1999v99'"):
        fetch_volume("frus1999v99", dest, base_url=src.as_uri())


def test_file_base_url_resumes_a_part(tmp_path, payload):
    src = tmp_path / "volumes"
    src.mkdir()
    (src / f"{VID}.xml").write_bytes(payload)
    dest = tmp_path / "data"
    dest.mkdir()
    (dest / f"{VID}.xml.part").write_bytes(payload[:5000])
    assert fetch_volume(VID, dest, base_url=src.as_uri()).read_bytes() == payload


# -- a real HTTP server on 127.0.0.1 ---------------------------------------------------------


@pytest.fixture
def http_server(tmp_path, payload):
    root = tmp_path / "www"
    (root / "volumes").mkdir(parents=True)
    (root / "volumes" / f"{VID}.xml").write_bytes(payload)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep test output clean
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/volumes"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_end_to_end_over_http(tmp_path, payload, http_server):
    dest = tmp_path / "data"
    dest.mkdir()
    # SimpleHTTPRequestHandler ignores Range: the stale partial must be replaced, not extended.
    (dest / f"{VID}.xml.part").write_bytes(payload[:1000])
    path = fetch_volume(VID, dest, base_url=http_server, timeout=10)
    assert path.read_bytes() == payload
    assert leftovers(dest) == [f"{VID}.xml"]
    volume = next(read_volume(path))
    assert volume.id == VID
    with pytest.raises(NetworkError, match="unknown FRUS volume"):
        fetch_volume("frus1999v99", dest, base_url=http_server, timeout=10)


def test_connection_refused_is_no_network(tmp_path):
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(NetworkError, match="^no network.*allytrace ingest PATH"):
        fetch_volume(VID, tmp_path, base_url=f"http://127.0.0.1:{port}/volumes", timeout=5)
