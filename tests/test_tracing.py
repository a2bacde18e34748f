"""Process tracing on the built-in case: the service, the CLI and the HTML report."""

from __future__ import annotations

import json
import math
import re
import shutil

import pytest
from lxml import html as lxml_html

from allytrace.analysis.tracing import to_bayes, trace
from allytrace.case.files import load_case, update_assessment
from allytrace.errors import NotFoundError
from allytrace.service import tracing

pytestmark = pytest.mark.integration
WORKED = ["policy-planning-talks-1964", "security-subcommittee-1967"]


@pytest.mark.parametrize("set_id", WORKED)
def test_worked_sets_have_rivals_and_assessed_evidence(case_project, set_id):
    tr = tracing.trace_set(case_project, set_id)
    assert len(tr.set.hypotheses) >= 3
    assert len(tr.inference.items) >= 5
    assert math.isclose(sum(tr.inference.posteriors.values()), 1.0)
    # Each item's likelihood for each rival is the case author's stated value when given.
    for row in tr.rows:
        for hid, a in row.evidence.assessments.items():
            if a.likelihood is not None and row.weight:
                assert row.weight.p(hid) == pytest.approx(a.likelihood)


def test_conversion_keeps_priors_and_dependence(case_project):
    case = load_case(case_project.case_dir())
    hyps, items = to_bayes(case, "security-subcommittee-1967")
    hs = case.hypothesis_set("security-subcommittee-1967")
    assert [h.prior for h in hyps] == [h.prior for h in hs.hypotheses]
    assert any(i.depends_on for i in items)
    with pytest.raises(NotFoundError):
        to_bayes(case, "no-such-set")


def test_editing_an_assessment_moves_the_posterior(case_project, tmp_path):
    folder = tmp_path / "japan-us"
    shutil.copytree(case_project.case_dir(), folder)
    before = trace(load_case(folder), "policy-planning-talks-1964")
    row = next(r for r in before.rows if r.weight)
    leader = before.inference.leader
    # Make the first item much less expected under the leader: its posterior must drop.
    update_assessment(folder, row.id, leader, likelihood=0.01)
    after = trace(load_case(folder), "policy-planning-talks-1964")
    assert after.inference.posteriors[leader] < before.inference.posteriors[leader]
    assert (folder / "evidence.yaml.bak").exists()


def test_trace_cli_json(case_project, run_cli):
    code, out, err = run_cli("trace", "-p", case_project.root, "security-subcommittee-1967", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["leader"] in {h for h in data["posteriors"]}
    assert math.isclose(sum(data["posteriors"].values()), 1.0)
    assert all(item["quote"] for item in data["items"])
    code, out, err = run_cli("trace", "-p", case_project.root, "nope")
    assert code != 0 and "no hypothesis set" in err


def test_report_quotes_equal_document_text(case_project, tmp_path, run_cli):
    code, out, err = run_cli("report", "-p", case_project.root, "--out", tmp_path, "--json")
    assert code == 0, err
    paths = json.loads(out)
    assert {p.rsplit("/", 1)[-1] for p in paths} >= {f"{s}.html" for s in WORKED}
    checked = 0
    for path in paths:
        page = lxml_html.parse(path).getroot()
        assert page.xpath("//svg"), "charts are inlined"
        for q in page.xpath("//blockquote[@class='quote']"):
            doc = case_project.corpus.document(q.get("data-document"))
            start, end = int(q.get("data-start")), int(q.get("data-end"))
            if q.get("data-paragraph") is not None:
                text = doc.paragraphs[int(q.get("data-paragraph"))].text
            else:
                text = next(f.text for f in doc.footnotes if f.id == q.get("data-footnote"))
            assert q.text_content() == text[start:end]
            checked += 1
            # The citation beside the quote links to the document it quotes.
            link = q.getnext().xpath(".//a/@href")[0]
            assert link.endswith(q.get("data-document"))
    assert checked >= 20
    assert "<script" not in open(paths[0], encoding="utf-8").read().lower()
