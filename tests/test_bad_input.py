"""Bad input: one clear line, a non-zero exit, and the project keeps what it held."""

from __future__ import annotations

import pytest

from testdata import MINI

TEI_NS = "http://www.tei-c.org/ns/1.0"


def _state(project_dir):
    from allytrace.project import Project

    p = Project.open(project_dir)
    rows = p.db.execute("SELECT d.key, d.heading, t.text FROM documents d JOIN document_texts t ON t.rowid = d.rowid ORDER BY d.key").fetchall()
    vols = p.db.execute("SELECT id, sha256 FROM volumes").fetchall()
    fts = p.db.execute("SELECT count(*) FROM documents_fts WHERE documents_fts MATCH 'Sato'").fetchone()[0]
    p.close()
    return [tuple(r) for r in rows], [tuple(v) for v in vols], fts


@pytest.fixture
def project_dir(tmp_path, run_cli):
    d = tmp_path / "proj"
    assert run_cli("init", d)[0] == 0
    assert run_cli("ingest", "-p", d, MINI)[0] == 0
    return d


def _truncated(tmp_path):
    data = MINI.read_bytes()
    # Same volume id, cut off in the middle of the third document.
    cut = data.index(b'xml:id="d3"') + 200
    path = tmp_path / "truncated.xml"
    path.write_bytes(data[:cut])
    return path


CASES = {
    "malformed": (b'<?xml version="1.0"?><TEI xmlns="%s" xml:id="v"><text><body><p>open</body></text></TEI>',
                  "malformed"),
    "non-frus": (b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
                 "not a FRUS TEI volume"),
    "tei-without-documents": (b'<?xml version="1.0"?><TEI xmlns="%s" xml:id="frus-x"><text><body/></text></TEI>',
                              "no div[@type='document']"),
    "xxe": (b'<?xml version="1.0"?>\n<!DOCTYPE TEI [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            b'<TEI xmlns="%s" xml:id="v"><text><body><div type="document" xml:id="d1"><head>&xxe;</head>'
            b'</div></body></text></TEI>', "refusing a document type declaration"),
    "billion-laughs": (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                       + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                                  for i in range(1, 10))
                       + b']>\n<TEI xmlns="%s" xml:id="v"><text>&lol9;</text></TEI>', "refusing a document type"),
    "undeclared-entity": (b'<?xml version="1.0"?><TEI xmlns="%s" xml:id="v"><text>&xxe;</text></TEI>', "entity"),
    "empty": (b"", "file is empty"),
    "whitespace": (b"   \n\n  ", "file is empty"),
    "latin1": ('<?xml version="1.0" encoding="UTF-8"?><TEI xmlns="%s" xml:id="v"><text>Sat\xe9</text></TEI>'
               .encode("latin-1"), "UTF-8"),
    "binary": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "XML"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_one_line_nonzero_project_intact(project_dir, tmp_path, run_cli, name):
    payload, expect = CASES[name]
    if b"%s" in payload:
        payload = payload.replace(b"%s", TEI_NS.encode())
    bad = tmp_path / f"{name}.xml"
    bad.write_bytes(payload)
    before = _state(project_dir)
    code, out, err = run_cli("ingest", "-p", project_dir, bad)
    assert code != 0
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert str(bad) in lines[0] and expect.lower() in lines[0].lower(), lines[0]
    assert "Traceback" not in err + out
    assert _state(project_dir) == before


def test_truncated_reingest_keeps_previous_version(project_dir, tmp_path, run_cli):
    before = _state(project_dir)
    code, _, err = run_cli("ingest", "-p", project_dir, _truncated(tmp_path))
    assert code != 0 and "truncated or malformed" in err
    assert len(err.strip().splitlines()) == 1
    assert _state(project_dir) == before


@pytest.mark.parametrize("what", ["missing", "folder"])
def test_missing_file_or_folder(project_dir, tmp_path, run_cli, what):
    target = tmp_path / "nope.xml" if what == "missing" else tmp_path
    code, _, err = run_cli("ingest", "-p", project_dir, target)
    assert code != 0 and len(err.strip().splitlines()) == 1
    assert ("no such file" if what == "missing" else "is a folder") in err


@pytest.mark.parametrize("query", ['"unclosed phrase', "(Sato OR", "AND", "NEAR(a b, x)"])
def test_bad_query_one_line(project_dir, run_cli, query):
    before = _state(project_dir)
    code, out, err = run_cli("search", "-p", project_dir, query)
    assert code != 0 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "query" in err.lower()
    assert _state(project_dir) == before


def test_command_outside_a_project(tmp_path, run_cli, monkeypatch):
    monkeypatch.delenv("ALLYTRACE_PROJECT", raising=False)
    code, _, err = run_cli("stats", "-p", tmp_path / "nothing-here")
    assert code != 0 and "allytrace init" in err and len(err.strip().splitlines()) == 1


def test_hostile_file_never_reads_the_entity_target(tmp_path, run_cli, project_dir):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    bad = tmp_path / "xxe2.xml"
    bad.write_text(
        f'<?xml version="1.0"?><!DOCTYPE TEI [<!ENTITY x SYSTEM "file://{secret}">]>'
        f'<TEI xmlns="{TEI_NS}" xml:id="v2"><text><body><div type="document" xml:id="d1"><head>&x;</head>'
        "<p>&x;</p></div></body></text></TEI>"
    )
    code, out, err = run_cli("ingest", "-p", project_dir, bad)
    assert code != 0 and "TOP-SECRET" not in out + err
    code, out, _ = run_cli("search", "-p", project_dir, "SECRET", "--json")
    assert "TOP-SECRET-CONTENT" not in out
