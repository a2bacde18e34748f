"""The web workbench through FastAPI's TestClient: pages, escaping, CSRF, read-only, token."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from allytrace.web import create_app  # noqa: E402
from allytrace.web.render import linked_text, marks, Span  # noqa: E402
from allytrace.web.security import CSRF_COOKIE, is_loopback, require_token_for  # noqa: E402

HERE = Path(__file__).resolve().parent
MINI = HERE / "fixtures" / "mini-volume.xml"
HOSTILE = HERE / "fixtures" / "hostile-volume.xml"
CASE = HERE / "browser" / "fixtures" / "testland"
BASE = "http://127.0.0.1:8765"


def build_project(root: Path) -> Path:
    """Mini + hostile volumes, the testland case (default), mentions linked."""
    from allytrace import service
    from allytrace.project import Project

    project = Project.init(root)
    project.corpus.ingest(MINI)
    project.corpus.ingest(HOSTILE)
    cfg = root / "allytrace.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('default = "japan-us"', 'default = "testland"'),
                   encoding="utf-8")
    shutil.copytree(CASE, root / "cases" / "testland")
    project = Project.open(root)
    service.link_case(project)
    project.close()
    return root


@pytest.fixture(scope="module")
def shared_root(tmp_path_factory) -> Path:
    """For tests that only read."""
    return build_project(tmp_path_factory.mktemp("web") / "proj")


@pytest.fixture
def root(tmp_path) -> Path:
    """For tests that write."""
    return build_project(tmp_path / "proj")


def client(root: Path, **kw) -> TestClient:
    return TestClient(create_app(root, **kw), base_url=BASE)


def csrf_of(c: TestClient) -> str:
    c.get("/")
    token = c.cookies.get(CSRF_COOKIE)
    assert token
    return token


PAGES = [
    "/", "/search", "/search?q=Sato", "/search?q=%22Security+Subcommittee%22&tab=kwic",
    "/search?q=Sato&tab=trend", "/search?from=1967&to=1967-12&kind=document",
    "/search?q=Sato&volume=frus-test-v1&person=p_SE1&classification=Secret&sort=date",
    "/doc/frus-test-v1/d2", "/doc/frus-test-v1/d4", "/doc/frus-test-v1/d2/cite.txt?format=ris",
    "/entities", "/entity/security-subcommittee", "/entity/sato", "/entity/chinese-nuclear-test",
    "/case", "/tracing?all=1", "/tracing/why-subcommittee",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_answers(shared_root, url):
    r = client(shared_root).get(url)
    assert r.status_code == 200, r.text[:500]
    if "cite.txt" not in url:
        assert "<main" in r.text
        assert r.headers["content-security-policy"].startswith("default-src 'self'")


def test_unknown_things_are_404_and_bad_queries_400(shared_root):
    c = client(shared_root)
    assert c.get("/doc/frus-test-v1/d99").status_code == 404
    assert c.get("/entity/no-such-entity").status_code == 404
    assert c.get("/tracing/no-such-set").status_code == 404
    assert c.get("/nowhere").status_code == 404
    r = c.get("/search", params={"q": '"unbalanced'})
    assert r.status_code == 400 and "unbalanced quote" in r.text


def test_search_shows_ranked_highlighted_snippets(shared_root):
    r = client(shared_root).get("/search", params={"q": "Subcommittee"})
    assert "<mark>Subcommittee</mark>" in r.text
    assert "/doc/frus-test-v1/d2" in r.text
    kwic = client(shared_root).get("/search", params={"q": "subcommittee", "tab": "kwic"})
    assert kwic.text.count('class="kwic-match"') == 3  # d2, d3 and the hostile d1


def test_reader_links_entities_and_marks_pages_and_notes(shared_root):
    html = client(shared_root).get("/doc/frus-test-v1/d2").text
    assert re.search(r'<a class="ent ent-institution" data-o="\d+" data-entity="security-subcommittee" '
                     r'href="/entity/security-subcommittee"[^>]*>Security Subcommittee</a>', html)
    assert 'class="page-marker"' in html and "p. 2" in html
    assert 'popovertarget="fn-0-1"' in html and "Foreign Relations, 1961–1963" in html
    assert "Satō, Eisaku" in html and "Prime Minister of Japan" in html
    assert "@misc{" in html or "@" in html  # BibTeX is on the page for copying
    assert "TY  - " in html  # RIS
    assert 'href="/doc/frus-test-v1/d1"' in html and 'href="/doc/frus-test-v1/d3"' in html


def test_svg_fallbacks_for_every_chart(shared_root):
    c = client(shared_root)
    for url in ("/search/trend.svg?q=Sato", "/entity/security-subcommittee/mentions.svg",
                "/case/timeline.svg", "/case/network.svg", "/tracing/why-subcommittee/posterior.svg",
                "/tracing/why-subcommittee/tornado.svg"):
        r = c.get(url)
        assert r.status_code == 200, url
        assert r.headers["content-type"].startswith("image/svg+xml")
        assert r.headers["content-security-policy"].startswith("default-src 'none'")
        assert r.text.lstrip().startswith("<svg")


# -- escaping --------------------------------------------------------------------------------


class TagAudit(HTMLParser):
    """Collects every element or attribute that could run script or load something foreign."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: list[tuple] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if tag == "script" and not (a.get("src", "").startswith("/static/") or a.get("type") == "application/json"):
            self.bad.append((tag, attrs))
        if tag in ("img", "iframe", "svg", "style", "base", "object", "embed", "b", "textarea"):
            if not ((tag == "img" and a.get("src", "").startswith("/")) or (tag == "textarea" and a.get("name") == "note")):
                self.bad.append((tag, attrs))
        if tag == "meta" and "http-equiv" in a:
            self.bad.append((tag, attrs))
        for k, v in attrs:
            if k.startswith("on") or k == "autofocus":
                self.bad.append((tag, k, v))
            if k in ("href", "src", "action", "formaction") and v and not v.startswith(("/", "#", "https://history.state.gov/")):
                self.bad.append((tag, k, v))


HOSTILE_PAGES = [
    "/doc/frus-hostile/d1", "/doc/frus-hostile/d2", "/search?q=Mallory", "/search?q=xss&tab=kwic",
    "/search?q=script&tab=trend", "/search?person=Mallory", "/search?volume=frus-hostile&sort=date",
    "/entity/sato", "/search?q=%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E",
    "/search?q=x&person=%22%3E%3Cimg+src%3Dx+onerror%3Dwindow.__xss%3D1%3E",
]


@pytest.mark.parametrize("url", HOSTILE_PAGES)
def test_hostile_strings_stay_text(shared_root, url):
    r = client(shared_root).get(url)
    assert r.status_code in (200, 400)
    audit = TagAudit()
    audit.feed(r.text)
    assert audit.bad == []
    assert "<script>window" not in r.text
    assert 'onerror="window' not in r.text


def test_hostile_document_is_shown_as_text(shared_root):
    html = client(shared_root).get("/doc/frus-hostile/d1").text
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;window.__xss=1&#34;&gt;" in html
    assert "&lt;/textarea&gt;&lt;/pre&gt;&lt;svg onload=window.__xss=1&gt;" in html
    assert "{{ 7*7 }}" in html  # not evaluated as a template either
    assert "javascript:window.__xss=1" in html  # as text, never as an address


def test_highlight_markers_become_marks_only_after_escaping():
    assert str(marks("a \x02<img src=x onerror=alert(1)>\x03 b")) == (
        "a <mark>&lt;img src=x onerror=alert(1)&gt;</mark> b")
    assert str(marks("\x03<b>\x02open")) == "&lt;b&gt;<mark>open</mark>"
    html = str(linked_text('x "<y>" z', [Span(3, 6, "entity", 'e"1', 'T"<', "ent-actor")]))
    assert html == ('<span data-o="0">x &#34;</span><a class="ent ent-actor" data-o="3" data-entity="e&#34;1" '
                    'href="/entity/e%221" title="T&#34;&lt;">&lt;y&gt;</a><span data-o="6">&#34; z</span>')


# -- CSRF, read-only, token, host ------------------------------------------------------------


def _evidence_form(**extra):
    form = {"paragraph": "0", "start": "3", "end": "61",
            "quote": "Sato raised the Security Subcommittee with the Ambassador.",
            "target": "why-subcommittee/economic-weight", "stance": "supports", "test": "smoking-gun"}
    form.update(extra)
    return form


def test_writes_without_csrf_token_are_refused(root):
    c = client(root)
    evidence = root / "cases" / "testland" / "evidence.yaml"
    before = evidence.read_bytes()
    assert c.post("/doc/frus-test-v1/d2/evidence", data=_evidence_form()).status_code == 403
    token = csrf_of(c)
    assert c.post("/doc/frus-test-v1/d2/evidence", data=_evidence_form(csrf_token="x" * 40)).status_code == 403
    assert c.post("/tracing/why-subcommittee/assess",
                  data={"evidence": "ev-sato-raises", "hypothesis": "nuclear-shock", "likelihood": "0.9"}).status_code == 403
    assert c.post("/doc/frus-test-v1/d2/evidence", data=_evidence_form(csrf_token=token),
                  headers={"Origin": "http://evil.example"}).status_code == 403
    fresh = TestClient(create_app(root), base_url=BASE)  # a token is only good with its own cookie
    assert fresh.post("/doc/frus-test-v1/d2/evidence", data=_evidence_form(csrf_token=token)).status_code == 403
    assert evidence.read_bytes() == before


def test_evidence_write_is_checked_atomic_and_backed_up(root):
    c = client(root)
    token = csrf_of(c)
    folder = root / "cases" / "testland"
    before = (folder / "evidence.yaml").read_text(encoding="utf-8")
    page = c.get("/tracing/why-subcommittee").text
    p_before = float(re.search(r'id="leader-posterior" data-posterior="([0-9.]+)"', page).group(1))

    wrong = c.post("/doc/frus-test-v1/d2/evidence", headers={"HX-Request": "true", "X-CSRF-Token": token},
                   data=_evidence_form(quote="Sato raised the Security Council with the Ambassador."))
    assert wrong.status_code == 422 and "Not saved" in wrong.text
    assert (folder / "evidence.yaml").read_text(encoding="utf-8") == before

    r = c.post("/doc/frus-test-v1/d2/evidence", data=_evidence_form(csrf_token=token), follow_redirects=False)
    assert r.status_code == 303 and "added=ev-frus-test-v1-d2-p0-3" in r.headers["location"]
    after = (folder / "evidence.yaml").read_text(encoding="utf-8")
    assert "ev-frus-test-v1-d2-p0-3" in after and "smoking-gun" in after
    assert (folder / "evidence.yaml.bak").read_text(encoding="utf-8") == before
    assert list((folder / ".backups").glob("evidence.*.yaml"))
    assert not list(folder.glob(".evidence.yaml.*.tmp"))

    page = c.get("/tracing/why-subcommittee").text
    assert "ev-frus-test-v1-d2-p0-3" in page
    leader = re.search(r'data-leader="([a-z-]+)"', page).group(1)
    p_after = float(re.search(r'id="leader-posterior" data-posterior="([0-9.]+)"', page).group(1))
    assert leader == "economic-weight" and p_after != p_before
    doc = c.get("/doc/frus-test-v1/d2").text
    assert "evidence-ev-frus-test-v1-d2-p0-3" in doc


def test_assessment_edit_in_place(root):
    c = client(root)
    token = csrf_of(c)
    headers = {"HX-Request": "true", "X-CSRF-Token": token}
    r = c.post("/tracing/why-subcommittee/assess", headers=headers,
               data={"evidence": "ev-sato-raises", "hypothesis": "economic-weight", "likelihood": "0.1", "test": ""})
    assert r.status_code == 200
    assert 'id="tracing-live"' in r.text and "<html" not in r.text
    assert "likelihood: 0.1" in (root / "cases" / "testland" / "evidence.yaml").read_text(encoding="utf-8")
    bad = c.post("/tracing/why-subcommittee/assess", headers=headers,
                 data={"evidence": "ev-sato-raises", "hypothesis": "economic-weight", "likelihood": "2"})
    assert bad.status_code == 422
    assert bad.headers.get("hx-retarget") == "#flash"
    assert "likelihood: 0.1" in (root / "cases" / "testland" / "evidence.yaml").read_text(encoding="utf-8")


def test_read_only_refuses_writes_and_hides_controls(root):
    c = client(root, readonly=True)
    token = csrf_of(c)
    assert c.post("/doc/frus-test-v1/d2/evidence", data=_evidence_form(csrf_token=token)).status_code == 403
    assert c.post("/tracing/why-subcommittee/assess", headers={"X-CSRF-Token": token},
                  data={"evidence": "ev-sato-raises", "hypothesis": "nuclear-shock", "likelihood": "0.9"}).status_code == 403
    doc = c.get("/doc/frus-test-v1/d2").text
    assert "evidence-dialog" not in doc and "read-only" in doc
    tracing = c.get("/tracing/why-subcommittee").text
    assert "assess-form" not in tracing and "<select" not in tracing


def test_token_is_required_when_given(root):
    c = client(root, token="s3cret-token")
    assert c.get("/").status_code == 401
    assert c.get("/static/css/workbench.css").status_code == 401
    assert c.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    r = c.get("/search?q=Sato&token=s3cret-token", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/search?q=Sato"
    assert c.get("/search?q=Sato").status_code == 200  # the cookie now carries it
    other = client(root, token="s3cret-token")
    assert other.get("/doc/frus-test-v1/d2").status_code == 401
    # Any host name is answered with a token (it was bound off loopback on purpose).
    assert other.get("/", headers={"Host": "workbench.lan:8765", "Authorization": "Bearer s3cret-token"}).status_code == 200


def test_loopback_only_host_names_without_token(shared_root):
    c = client(shared_root)
    assert c.get("/", headers={"Host": "evil.example:8765"}).status_code == 400
    assert c.get("/", headers={"Host": "localhost:8765"}).status_code == 200


def test_non_loopback_bind_needs_token():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    require_token_for("127.0.0.1", None)
    require_token_for("0.0.0.0", "t")
    with pytest.raises(ValueError, match="--token"):
        require_token_for("0.0.0.0", None)


def test_serve_command_refuses_public_bind_without_token(shared_root):
    import typer
    from typer.testing import CliRunner

    from allytrace.cli import serve
    from allytrace.errors import AllytraceError

    app = typer.Typer()
    serve.register(app)

    @app.callback()
    def _root() -> None:  # keep "serve" a subcommand
        pass

    result = CliRunner().invoke(app, ["serve", "--project", str(shared_root), "--host", "0.0.0.0"])
    assert isinstance(result.exception, AllytraceError)
    assert "--token" in str(result.exception)
    assert serve.serve_url("127.0.0.1", 8765) == "http://127.0.0.1:8765/"
    assert serve.serve_url("0.0.0.0", 9000, "abc") == "http://127.0.0.1:9000/?token=abc"


def test_assets_are_local_and_small(shared_root):
    from allytrace.web.app import STATIC

    html = client(shared_root).get("/case").text
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert src.startswith(("/", "#", "https://history.state.gov/")), src
    for name in ("htmx.min.js", "vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        path = STATIC / "vendor" / name
        assert path.is_file() and path.stat().st_size < 1024 * 1024
        assert client(shared_root).get(f"/static/vendor/{name}").status_code == 200


@pytest.mark.integration
def test_real_volume_pages(frus_project):
    """The real FRUS volume, served read-only (the session's project must not change)."""
    c = client(frus_project.root, readonly=True)
    r = c.get("/search", params={"q": '"Security Subcommittee"'})
    assert r.status_code == 200 and "<mark>Security Subcommittee</mark>" in r.text
    key = re.search(r'href="/doc/(frus1964-68v29p2/d\d+)', r.text).group(1)
    doc = c.get(f"/doc/{key}")
    assert doc.status_code == 200 and "history.state.gov/historicaldocuments/" + key in doc.text
    assert c.get("/search", params={"q": "Okinawa", "tab": "kwic"}).status_code == 200
    assert c.get("/doc/frus1964-68v29p2/d87").status_code == 200


def test_a_broken_case_file_does_not_break_reading(root):
    (root / "cases" / "testland" / "events.yaml").write_text("events:\n  - id: [unclosed\n", encoding="utf-8")
    c = client(root)
    home = c.get("/")
    assert home.status_code == 200 and "The case files do not load" in home.text and "events.yaml" in home.text
    doc = c.get("/doc/frus-test-v1/d2")
    assert doc.status_code == 200 and "The case files do not load" in doc.text
    assert c.get("/case").status_code == 422


@pytest.mark.integration
def test_dashboard_shows_the_measures(case_project):
    """The case dashboard renders each measure's definition, table and chart (built-in case)."""
    c = client(case_project.root, readonly=True)
    page = c.get("/case")
    assert page.status_code == 200
    for title in ("Secretarial", "Substantiality", "Typology", "Initiative"):
        assert title.lower() in page.text.lower()
    assert 'id="measure-typology"' in page.text
    svg = c.get("/case/measure-secretarial.svg")
    assert svg.status_code == 200 and svg.text.lstrip().startswith("<svg")
