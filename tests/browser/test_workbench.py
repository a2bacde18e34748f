"""End to end in a real browser: Debian's Chromium, driven by Playwright, against uvicorn.

The flow a historian follows: search, open a document, see the case's entities highlighted,
select a passage and add it as evidence, watch the posterior move, reload and find it saved.
The hostile volume proves that no script from a document runs. Each page is saved as a
screenshot in tests/browser/screenshots/ (git-ignored) for people to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench_support import FIXTURES, SHARED_DATA, LiveServer, make_web_project

pytestmark = pytest.mark.browser

MINI = FIXTURES / "mini-volume.xml"
HOSTILE = FIXTURES / "hostile-volume.xml"
# Selectors, not wait_for_function: the page's CSP forbids the eval that the latter uses.
CHARTS_PENDING = "figure.chart:not([data-rendered='vega']):not([data-rendered='svg'])"


def settle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_load_state("networkidle")
    page.wait_for_selector(CHARTS_PENDING, state="detached")


def shot(page, screenshots: Path, name: str, *, full: bool = True) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=full)


def posterior(page) -> tuple[str, float]:  # type: ignore[no-untyped-def]
    el = page.locator("#leader-posterior")
    return page.locator("[data-leader]").get_attribute("data-leader"), float(el.get_attribute("data-posterior"))


@pytest.fixture
def workbench(tmp_path):  # type: ignore[no-untyped-def]
    """A fresh project (mini + hostile volumes, the testland case) served on a free port."""
    from allytrace.web import create_app

    root = make_web_project(tmp_path / "proj", volumes=[MINI, HOSTILE])
    with LiveServer(create_app(root)) as server:
        server.root = root  # type: ignore[attr-defined]
        yield server


def test_search_read_link_evidence_and_watch_the_verdict(workbench, page, screenshots):
    base = workbench.url
    page.goto(f"{base}/tracing/why-subcommittee")
    settle(page)
    leader0, p0 = posterior(page)
    assert leader0 == "nuclear-shock"

    # Search from the home page.
    page.goto(base + "/")
    page.fill(".big-search input[name=q]", '"Security Subcommittee"')
    page.click(".big-search button")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert page.locator("ol.results mark").first.inner_text() == "Security Subcommittee"
    shot(page, screenshots, "testland-search")

    # Open the telegram and see the institution highlighted and linked.
    page.click("a.hit-title[href='/doc/frus-test-v1/d2?q=%22Security+Subcommittee%22']")
    page.wait_for_url(re.compile(r"/doc/frus-test-v1/d2"))
    ent = page.locator("#p0 a.ent[data-entity='security-subcommittee']")
    assert ent.inner_text() == "Security Subcommittee"
    assert ent.evaluate("e => getComputedStyle(e).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    assert ent.get_attribute("href") == "/entity/security-subcommittee"

    # Copy the Chicago citation.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page.click("button[data-copy='#cite-chicago']")
    page.wait_for_selector("button[data-copy='#cite-chicago'].copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Telegram From the Embassy in Japan") and copied.endswith("frus-test-v1/d2.")

    # A footnote opens as a pop-over.
    page.click("#p0 .fn-ref")
    assert page.locator("#fn-0-1").is_visible()
    page.keyboard.press("Escape")

    # Select "Sato raised … Ambassador." across the entity links, as a reader would.
    page.evaluate("""() => {
        const p = document.querySelector('#p0');
        const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
        let first = null, last = null, node;
        while ((node = walker.nextNode())) {
            if (!first && node.textContent.includes('Sato')) first = node;
            if (node.textContent.includes('Ambassador.')) { last = node; break; }
        }
        const r = document.createRange();
        r.setStart(first, first.textContent.indexOf('Sato'));
        r.setEnd(last, last.textContent.indexOf('Ambassador.') + 'Ambassador.'.length);
        const s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
    }""")
    page.wait_for_selector("#selection-bar:not([hidden])")
    page.click("#open-evidence")
    dialog = page.locator("#evidence-dialog")
    assert dialog.is_visible()
    assert dialog.locator("#evidence-quote").inner_text() == "“Sato raised the Security Subcommittee with the Ambassador.”"
    assert page.input_value("#ev-start") == "3" and page.input_value("#ev-end") == "61"
    page.select_option("#ev-target", "why-subcommittee/economic-weight")
    page.select_option("#ev-test", "smoking-gun")
    page.fill("#evidence-form textarea[name=note]", "A Japanese initiative is what the economic account predicts.")
    shot(page, screenshots, "testland-evidence-dialog", full=False)
    page.click("#save-evidence")
    page.wait_for_selector("#evidence-result [data-evidence-saved]")
    saved_id = page.get_attribute("#evidence-result [data-evidence-saved]", "data-evidence-saved")
    assert saved_id == "ev-frus-test-v1-d2-p0-3"

    # The verdict moved.
    page.click("#evidence-result a")
    page.wait_for_url(re.compile(r"/tracing/why-subcommittee"))
    settle(page)
    leader1, p1 = posterior(page)
    assert (leader1, p1) != (leader0, p0) and leader1 == "economic-weight"
    assert page.locator(f"tr#{saved_id}").is_visible()

    # Edit an assessment in place: the row and the charts come back from the server.
    page.select_option("#t-ev-sato-raises-nuclear-shock", "doubly-decisive")
    page.wait_for_selector(f"#leader-posterior:not([data-posterior='{p1:.6f}'])")
    settle(page)
    assert page.locator("#posterior-chart[data-rendered='vega'] svg.marks").count() == 1
    leader2, p2 = posterior(page)
    assert (leader2, p2) != (leader1, p1)
    shot(page, screenshots, "testland-tracing")

    # Reload: everything is in the case files.
    page.reload()
    settle(page)
    assert page.locator(f"tr#{saved_id}").is_visible()
    assert page.input_value("#t-ev-sato-raises-nuclear-shock") == "doubly-decisive"
    assert posterior(page) == (leader2, p2)
    evidence = (workbench.root / "cases" / "testland" / "evidence.yaml").read_text(encoding="utf-8")
    assert saved_id in evidence and "doubly-decisive" in evidence
    page.goto(f"{base}/doc/frus-test-v1/d2")
    assert page.locator(f"#evidence-{saved_id}").is_visible()
    shot(page, screenshots, "testland-document")
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("csp", [False, True], ids=["escaping-alone", "with-csp"])
def test_hostile_volume_runs_no_script(tmp_path, browser, screenshots, csp):
    """Every hostile string stays text. Run once without the CSP, so escaping alone is proven."""
    from allytrace.web import create_app

    root = make_web_project(tmp_path / "proj", volumes=[MINI, HOSTILE])
    dialogs: list[str] = []
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with LiveServer(create_app(root, csp=csp)) as server:
        for path in ("/doc/frus-hostile/d1", "/doc/frus-hostile/d2", "/search?q=xss",
                     "/search?q=Mallory&tab=kwic", "/search?person=Mallory&sort=date",
                     "/search?q=%3Cimg+src%3Dx+onerror%3Dwindow.__xss%3D1%3E", "/", "/entity/sato"):
            page.goto(server.url + path)
            page.wait_for_load_state("networkidle")
            # Poke everything a handler could hang on: hover, focus, click footnotes.
            page.evaluate("""() => {
                for (const el of document.querySelectorAll('main *')) {
                    for (const t of ['mouseover', 'mouseenter', 'focus', 'load', 'error'])
                        el.dispatchEvent(new Event(t));
                }
            }""")
            for btn in page.locator(".fn-ref").all():
                btn.click()
                page.keyboard.press("Escape")
            assert page.evaluate("typeof window.__xss") == "undefined", path
            foreign = page.evaluate("""() => {
                const odd = [...document.querySelectorAll(
                    'main script:not(.chart-spec), main img:not(.chart-fallback), main iframe, main object,'
                    + ' main embed, main base, main style, main meta, main textarea:not([name=note])')];
                odd.push(...[...document.querySelectorAll('main svg')].filter(s => !s.closest('.chart-view')));
                odd.push(...[...document.querySelectorAll('*')].filter(
                    el => [...el.attributes].some(a => a.name.startsWith('on'))));
                odd.push(...[...document.querySelectorAll('a[href]')].filter(
                    a => !/^(https?:|\\/|#)/.test(a.getAttribute('href')) || a.protocol === 'javascript:'));
                return odd.map(e => e.outerHTML.slice(0, 120));
            }""")
            assert foreign == [], (path, foreign)
        page.goto(server.url + "/doc/frus-hostile/d1")
        page.wait_for_load_state("networkidle")
        assert "<script>window.__xss=1</script>" in page.locator("h1.doc-heading").inner_text()
        if not csp:
            shot(page, screenshots, "hostile-document")
    context.close()
    assert dialogs == []


def test_charts_fall_back_to_svg_without_javascript(tmp_path, browser):
    from allytrace.web import create_app

    root = make_web_project(tmp_path / "proj", volumes=[MINI])
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    svgs: list[int] = []
    page.on("response", lambda r: svgs.append(r.status) if r.url.endswith(".svg") else None)
    with LiveServer(create_app(root)) as server:
        page.goto(server.url + "/tracing/why-subcommittee")
        page.wait_for_load_state("networkidle")
    context.close()
    assert svgs and all(s == 200 for s in svgs)


# -- a screenshot of every page, on the real volume and the built-in case when present --------


@pytest.fixture(scope="module")
def real_workbench(tmp_path_factory):  # type: ignore[no-untyped-def]
    from allytrace.case.builtin import builtin_names
    from allytrace.web import create_app

    volume = SHARED_DATA / "frus" / "frus1964-68v29p2.xml"
    root = tmp_path_factory.mktemp("real") / "proj"
    if volume.is_file() and "japan-us" in builtin_names():
        make_web_project(root, volumes=[volume], builtin="japan-us")
        name = "frus"
    else:  # still show every page, on the synthetic volume
        make_web_project(root, volumes=[MINI])
        name = "testland"
    with LiveServer(create_app(root, readonly=True)) as server:
        server.name = name  # type: ignore[attr-defined]
        server.root = root  # type: ignore[attr-defined]
        yield server


def _pages(real) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    from allytrace.project import Project
    from allytrace import service

    project = Project.open(real.root, readonly=True)
    try:
        case = service.load_project_case(project)
        sets = [s.id for s in case.hypothesis_sets]
        # The document that names the case's entities most, and the most mentioned institution.
        row = project.db.execute(
            "SELECT d.key FROM mentions m JOIN documents d ON d.rowid = m.doc WHERE m.paragraph >= 0"
            " GROUP BY m.doc ORDER BY count(DISTINCT m.entity) DESC, d.seq LIMIT 1").fetchone()
        inst = project.db.execute(
            "SELECT entity FROM mentions WHERE entity IN (%s) GROUP BY entity ORDER BY count(*) DESC LIMIT 1"
            % ",".join("?" * len(case.institutions)), [i.id for i in case.institutions]).fetchone()
    finally:
        project.close()
    q = '"Security Subcommittee"'
    return [
        ("home", "/"),
        ("search", f"/search?q={q}"),
        ("kwic", f"/search?q={q}&tab=kwic"),
        ("trend", f"/search?q={q}&tab=trend"),
        ("document", "/doc/" + row[0]),
        ("entities", "/entities"),
        ("entity", "/entity/" + inst[0]),
        ("case", "/case"),
        ("tracing", "/tracing/" + (sets[1] if len(sets) > 1 else sets[0])),
    ]


def test_every_page_renders_and_is_photographed(real_workbench, page, screenshots):
    for name, path in _pages(real_workbench):
        page.goto(real_workbench.url + path)
        settle(page)
        assert page.locator("main").count() == 1, path
        for fig in page.locator("figure.chart").all():
            assert fig.get_attribute("data-rendered") == "vega", f"{path}: a chart fell back to SVG"
        if name == "document":
            assert page.locator(".doc-body a.ent").count() > 0
        shot(page, screenshots, f"{real_workbench.name}-{name}")
    assert page.errors == []  # type: ignore[attr-defined]
