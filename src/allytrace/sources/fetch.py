"""Download FRUS TEI volumes from the Office of the Historian's public repository.

``fetch_volume("frus1964-68v29p2", "data/")`` fetches ``volumes/<id>.xml`` of the
``HistoryAtState/frus`` repository on GitHub and returns the path of the checked file.

How it stays safe and resumable:

* the volume id is checked before any request, so no odd id reaches a URL or a file name;
* bytes go to ``<id>.xml.part``; a later call resumes it with an HTTP ``Range`` request
  (guarded by ``If-Range`` with the ETag of the first response, so a volume changed
  upstream restarts instead of splicing two versions), and a server that ignores the range
  (``200`` instead of ``206``) restarts the file cleanly;
* the finished file is parsed with the hardened reader (``read_volume``) and only then
  renamed to ``<id>.xml`` atomically: a truncated, corrupt or hostile payload never becomes
  a ``.xml`` file, and an older good copy stays in place;
* every failure is an ``allytrace.errors.NetworkError`` with one readable line; with no
  network it says so and points to ``allytrace ingest PATH``.

Tests and offline use pass ``base_url="file:///some/dir"`` or an ``httpx.Client`` built on
``httpx.MockTransport``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

import httpx

from .. import __version__
from ..errors import NetworkError, SourceError
from .frus import read_volume
from .records import Volume

# "HEAD" is the repository's default branch, whatever it is called (it is "master" today);
# raw.githubusercontent.com resolves it like a branch name.
DEFAULT_BASE_URL = "https://raw.githubusercontent.com/HistoryAtState/frus/HEAD/volumes"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=15.0)
CHUNK_SIZE = 64 * 1024

Progress = Callable[[int, "int | None"], None]

# frus + a four-digit year + letters, digits and hyphens: frus1861, frus1964-68v29p2,
# frus1919Parisv01, frus1969-76ve05p1. No dots or slashes can reach a path or URL.
_VOLUME_ID = re.compile(r"^frus\d{4}[A-Za-z0-9-]{0,60}$")
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")

_OFFLINE_HINT = "use `allytrace ingest PATH` with a local copy of the volume"


def check_volume_id(volume_id: str) -> str:
    """Return the id if it has the FRUS form, else raise ``NetworkError`` (no request made).

    >>> check_volume_id("frus1964-68v29p2")
    'frus1964-68v29p2'
    >>> check_volume_id("../etc/passwd")                    # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    allytrace.errors.NetworkError: not a FRUS volume id: '../etc/passwd' — ids look like ...
    """
    if not isinstance(volume_id, str) or not _VOLUME_ID.match(volume_id) or volume_id[-1] == "-":
        raise NetworkError(
            f"not a FRUS volume id: {volume_id!r}",
            hint="ids look like frus1964-68v29p2 "
            "(see https://history.state.gov/historicaldocuments)",
        )
    return volume_id


def fetch_volume(
    volume_id: str,
    dest_dir: str | os.PathLike[str],
    *,
    base_url: str = DEFAULT_BASE_URL,
    client: httpx.Client | None = None,
    progress: Progress | None = None,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    retries: int = 2,
    force: bool = False,
) -> Path:
    """Download a FRUS volume into ``dest_dir`` and return the path of ``<id>.xml``.

    >>> path = fetch_volume("frus1964-68v29p2", "data/")              # doctest: +SKIP
    >>> fetch_volume("frus1964-68v29p2", "data/",
    ...              progress=lambda done, total: print(done, total))  # doctest: +SKIP

    ``progress(done, total)`` is called with bytes so far and the total (``None`` when the
    server does not say). An interrupted transfer is resumed up to ``retries`` times within
    the call; after that the ``.part`` file stays and the next call resumes it. An existing
    ``<id>.xml`` is returned as is unless ``force`` is true. Raises ``NetworkError``.
    """
    check_volume_id(volume_id)
    dest = Path(dest_dir)
    final = dest / f"{volume_id}.xml"
    if final.exists() and not force:
        return final
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NetworkError(f"cannot create download folder {dest}: {exc.strerror}") from None
    part = dest / f"{volume_id}.xml.part"
    url = f"{base_url.rstrip('/')}/{volume_id}.xml"

    if urlparse(url).scheme == "file":
        _copy_local(volume_id, url, part, progress)
    else:
        own = client is None
        http = client or httpx.Client(
            timeout=timeout,
            follow_redirects=True,
            headers={"User-Agent": f"allytrace/{__version__}"},
        )
        try:
            _download(volume_id, url, part, http, progress, retries)
        finally:
            if own:
                http.close()

    _check_volume(volume_id, part)
    os.replace(part, final)  # atomic within one folder: readers see the old file or the new
    _etag_file(part).unlink(missing_ok=True)
    return final


# -- HTTP ------------------------------------------------------------------------------------


def _etag_file(part: Path) -> Path:
    return part.with_name(part.name + ".etag")


def _download(
    volume_id: str,
    url: str,
    part: Path,
    client: httpx.Client,
    progress: Progress | None,
    retries: int,
) -> None:
    attempt = 0
    while True:
        try:
            _attempt(volume_id, url, part, client, progress)
            return
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise NetworkError(f"cannot fetch from {url}: {_reason(exc)}",
                               hint="give an http(s):// or file:// base URL") from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise NetworkError(
                f"no network: cannot reach {urlparse(url).netloc} to fetch {volume_id} "
                f"({_reason(exc)})",
                hint=_OFFLINE_HINT,
            ) from None
        except httpx.TransportError as exc:
            # Mid-stream failures (reset, read timeout, truncated body): the bytes written so
            # far stay in .part, so another attempt resumes rather than starts over.
            attempt += 1
            if attempt > retries:
                done = part.stat().st_size if part.exists() else 0
                raise NetworkError(
                    f"download of {volume_id} interrupted after {done:,} bytes ({_reason(exc)})",
                    hint="run the same fetch again to resume, or " + _OFFLINE_HINT,
                ) from None


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def _attempt(
    volume_id: str, url: str, part: Path, client: httpx.Client, progress: Progress | None
) -> None:
    offset = part.stat().st_size if part.exists() else 0
    etag_path = _etag_file(part)
    etag = etag_path.read_text().strip() if offset and etag_path.exists() else ""
    # identity: a Range counts bytes of the encoded body, so a gzip-encoded response could
    # not be resumed byte for byte.
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        if etag and not etag.startswith("W/"):  # If-Range takes strong validators only
            headers["If-Range"] = etag

    with client.stream("GET", url, headers=headers) as r:
        if r.status_code == 404:
            raise NetworkError(
                f"unknown FRUS volume {volume_id!r}: {url} answered 404 Not Found",
                hint="check the id at https://history.state.gov/historicaldocuments",
            )
        if r.status_code == 416 and offset:
            # Our .part is as long as (or longer than) the file ("bytes */SIZE"): complete
            # when the sizes agree, stale otherwise.
            size = r.headers.get("Content-Range", "").rpartition("/")[2]
            if size.isdigit() and int(size) == offset:
                if progress:
                    progress(offset, offset)
                return
            part.unlink(missing_ok=True)
            etag_path.unlink(missing_ok=True)
            return _attempt(volume_id, url, part, client, progress)
        if r.status_code >= 400:
            raise NetworkError(
                f"download of {volume_id} failed: {url} answered HTTP {r.status_code}",
                hint="try again later, or " + _OFFLINE_HINT,
            )
        encoded = r.headers.get("Content-Encoding", "identity").lower() not in ("identity", "")
        total: int | None = None
        if r.status_code == 206 and offset:
            m = _CONTENT_RANGE.match(r.headers.get("Content-Range", ""))
            if not m or int(m.group(1)) != offset or encoded:
                # A range we did not ask for: restart rather than guess.
                r.close()
                part.unlink(missing_ok=True)
                etag_path.unlink(missing_ok=True)
                return _attempt(volume_id, url, part, client, progress)
            total = int(m.group(3)) if m.group(3) != "*" else None
            mode = "ab"
        else:
            # 200: a fresh start, or a server that ignored Range or If-Range: rewrite.
            offset = 0
            mode = "wb"
            length = r.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() and not encoded else None
            new_etag = r.headers.get("ETag", "")
            if new_etag:
                etag_path.write_text(new_etag)
            else:
                etag_path.unlink(missing_ok=True)

        with part.open(mode) as fh:
            # No chunk_size: httpx would hold bytes back to fill a chunk, and lose them if the
            # connection drops; written as they arrive, every received byte is resumable.
            done = _write_chunks(fh, r.iter_bytes(), offset, total, progress)
        if total is not None and done < total:
            raise httpx.RemoteProtocolError(f"body ended at {done} of {total} bytes")


def _write_chunks(
    fh: BinaryIO, chunks: Iterable[bytes], done: int, total: int | None, progress: Progress | None
) -> int:
    """Append ``chunks`` to ``fh`` (which already holds ``done`` bytes), reporting progress,
    then fsync; returns the bytes now in the file."""
    if progress:
        progress(done, total)
    for chunk in chunks:
        fh.write(chunk)
        done += len(chunk)
        if progress:
            progress(done, total)
    fh.flush()
    os.fsync(fh.fileno())
    return done


# -- file:// ---------------------------------------------------------------------------------


def _copy_local(volume_id: str, url: str, part: Path, progress: Progress | None) -> None:
    parsed = urlparse(url)
    src = Path(url2pathname(unquote(parsed.path)))
    if not src.is_file():
        raise NetworkError(
            f"unknown FRUS volume {volume_id!r}: no file {src}",
            hint="check the id and the folder of the file:// URL",
        )
    total = src.stat().st_size
    offset = part.stat().st_size if part.exists() else 0
    if offset > total:  # a stale partial from another file: start over
        offset = 0
    try:
        with src.open("rb") as fin, part.open("ab" if offset else "wb") as fout:
            fin.seek(offset)
            _write_chunks(fout, iter(lambda: fin.read(CHUNK_SIZE), b""), offset, total, progress)
    except OSError as exc:
        raise NetworkError(f"cannot copy {src} to {part}: {exc.strerror}") from None


# -- check -----------------------------------------------------------------------------------


def _check_volume(volume_id: str, part: Path) -> Volume:
    """Parse the whole download with the hardened reader; delete it if it is not a volume."""
    try:
        items = read_volume(part)
        volume = next(items)
        for _ in items:  # the reader is streaming: errors surface as it goes
            pass
    except (SourceError, StopIteration) as exc:
        part.unlink(missing_ok=True)
        _etag_file(part).unlink(missing_ok=True)
        what = exc.message if isinstance(exc, SourceError) else "no volume in the file"
        # SourceError names the .part path; keep only what went wrong.
        what = what.split(": ", 1)[1] if what.startswith(str(part)) else what
        raise NetworkError(
            f"downloaded {volume_id} is not a well-formed FRUS volume ({what}); nothing was kept",
            hint="run the fetch again, or " + _OFFLINE_HINT,
        ) from None
    assert isinstance(volume, Volume)
    if volume.id != volume_id:
        part.unlink(missing_ok=True)
        _etag_file(part).unlink(missing_ok=True)
        raise NetworkError(
            f"downloaded file is volume {volume.id!r}, not {volume_id!r}; nothing was kept",
            hint="check the base URL",
        )
    return volume
