"""What keeps the workbench safe to run: who may connect, and which requests may write.

- **Binding.** ``allytrace serve`` binds 127.0.0.1; any other address needs a token
  (:func:`require_token_for`), and every request must then carry it (401 otherwise).
- **Host header.** Without a token only loopback host names are answered, which defeats DNS
  rebinding (a hostile page cannot talk to the local server through a name it controls).
- **CSRF.** Every session gets a random token in an HttpOnly, SameSite=Strict cookie; every
  write must echo it in the ``X-CSRF-Token`` header (HTMX) or the ``csrf_token`` form field
  (plain forms). A write without it, or from another origin, is refused with 403.
- **Read-only.** ``--read-only`` refuses every write with 403 and the templates hide the
  controls that would make one.
- **Headers.** A Content-Security-Policy without inline scripts or ``eval`` (charts use the
  Vega expression interpreter), no framing, no MIME sniffing, no referrer (the token must not
  leak in one).

Escaping is the templates' job (Jinja2 autoescape, see ``render.py``); the CSP is the net
under it, not a replacement.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from urllib.parse import urlencode, urlsplit

from fastapi import HTTPException, Request
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import HTMLResponse, RedirectResponse, Response

CSRF_COOKIE = "allytrace_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
TOKEN_COOKIE = "allytrace_token"
TOKEN_PARAM = "token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# An SVG opened on its own is a document that could run script: give it none.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``.

    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0"), is_loopback("localhost")
    (True, False, True)
    """
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_token_for(host: str, token: str | None) -> None:
    """Refuse to serve a non-loopback address without a token (raises ValueError)."""
    if not is_loopback(host) and not token:
        raise ValueError(f"binding {host} would expose the workbench to the network without a --token")


def _host_name(host_header: str) -> str:
    if host_header.startswith("["):  # [::1]:8765
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class GuardMiddleware(BaseHTTPMiddleware):
    """Host check, access token, CSRF cookie issue, and the security headers."""

    def __init__(self, app, *, token: str | None, csp: bool, allowed_hosts: frozenset[str] | None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(app)
        self.token = token
        self.csp = csp
        self.allowed_hosts = allowed_hosts

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        host = _host_name(request.headers.get("host", ""))
        if self.allowed_hosts is not None and host.lower() not in self.allowed_hosts:
            return _headers(HTMLResponse(_page("Unknown host", "This server answers only on its own address."),
                                         status_code=400), self.csp)
        if self.token is not None:
            given = request.query_params.get(TOKEN_PARAM)
            if given is not None and hmac.compare_digest(given.encode(), self.token.encode()):
                # Trade the token in the address for a cookie, and drop it from the address bar.
                rest = [(k, v) for k, v in request.query_params.multi_items() if k != TOKEN_PARAM]
                target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
                resp: Response = RedirectResponse(target, status_code=303)
                resp.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
                return _headers(resp, self.csp)
            if not _has_token(request, self.token):
                return _headers(HTMLResponse(
                    _page("Token required",
                          "This workbench needs its access token. Open the address that "
                          "<code>allytrace serve</code> printed (it ends in <code>?token=…</code>)."),
                    status_code=401, headers={"WWW-Authenticate": "Bearer"}), self.csp)
        cookie = request.cookies.get(CSRF_COOKIE, "")
        fresh = not _valid_csrf_format(cookie)
        request.state.csrf = secrets.token_urlsafe(32) if fresh else cookie
        response = await call_next(request)
        if fresh:
            response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict")
        return _headers(response, self.csp)


def _has_token(request: Request, token: str) -> bool:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer ") and hmac.compare_digest(auth[7:].strip().encode(), token.encode()):
        return True
    cookie = request.cookies.get(TOKEN_COOKIE)
    return cookie is not None and hmac.compare_digest(cookie.encode(), token.encode())


def _valid_csrf_format(value: str) -> bool:
    return 32 <= len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value)


def _headers(response: Response, csp: bool) -> Response:
    h = response.headers
    if csp and "content-security-policy" not in h:
        h["Content-Security-Policy"] = CSP
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "no-referrer")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><meta charset=utf-8><title>{title}</title>"
            f"<body style='font-family:sans-serif;max-width:36em;margin:4em auto'>"
            f"<h1>{title}</h1><p>{body}</p>")


async def check_write(request: Request) -> None:
    """FastAPI dependency on every route: refuses unsafe requests that are not allowed.

    403 when the workbench is read-only, when the request comes from another origin, or when
    the CSRF token is missing or wrong.
    """
    if request.method not in UNSAFE_METHODS:
        return
    wb = request.app.state.workbench
    if wb.readonly:
        raise HTTPException(403, "The workbench is read-only: nothing can be changed.")
    origin = request.headers.get("origin")
    if origin and origin != "null":
        if urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower():
            raise HTTPException(403, "Refused: the request came from another site.")
    expected = request.cookies.get(CSRF_COOKIE, "")
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()  # cached on the request: the endpoint reads it again
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(403, "Refused: the form's security token is missing or out of date. "
                                 "Reload the page and try again.")
