"""Benchmark: import a national-size division list into SQLite and PostgreSQL.

    .venv/bin/python -m bench.division_import            # both backends, ~620,000 villages
    .venv/bin/python -m bench.division_import --villages 62000 --backends sqlite

Generates ≈620,000 villages under ≈42,500 townships (2,728 counties, 341 cities,
31 provinces) into a temporary CSV (deleted afterwards), then for each backend, in a fresh
child process so peak RSS belongs to that import alone:

* imports it with ``govkit.hierarchy.services.import_divisions`` (validate pass + upsert pass
  in one transaction), printing rows/s and peak RSS (``resource.getrusage``), against a
  baseline child that only parses the same CSV (same run, same file);
* re-imports it (idempotent path: every row conflicts, nothing changes);
* counts one county's subtree with the scope range (index range scan) vs a full scan
  (``substr(code, 1, 6) = …``), printing both timings, their ratio and the query plans.

A smaller import (a tenth of the villages) is also measured so the memory line shows how peak
RSS grows with the file (streaming: it should grow far slower than the file).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 60.0
MAINLAND = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
            "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"]
COUNTY = "621002"  # the county whose subtree is counted
SYLLABLES = "安平和兴隆福寿康宁泰昌盛永丰庆祥瑞嘉华新东西南北中上下前后大小高王李张刘陈杨赵黄周吴"


def _name(n: int, suffix: str) -> str:
    a, b = divmod(n, len(SYLLABLES))
    return SYLLABLES[a % len(SYLLABLES)] + SYLLABLES[b] + suffix


def generate(path: Path, villages: int, townships: int, cities_per_province: int = 11,
             counties_per_city: int = 8) -> dict[str, int]:
    """Write a realistic-layout NBS CSV; villages and townships are spread evenly (exact totals)."""
    counties = len(MAINLAND) * cities_per_province * counties_per_city
    counts = {"provinces": 0, "cities": 0, "counties": 0, "townships": 0, "villages": 0}
    county_index = township_index = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["统计用区划代码", "名称", "城乡分类代码"])
        for p in MAINLAND:
            out.writerow([p + "0" * 10, _name(int(p), "省"), ""])
            counts["provinces"] += 1
            for c in range(1, cities_per_province + 1):
                city = f"{p}{c:02d}"
                out.writerow([city + "0" * 8, _name(int(city), "市"), ""])
                counts["cities"] += 1
                for k in range(1, counties_per_city + 1):
                    county = f"{city}{k:02d}"
                    out.writerow([county + "0" * 6, _name(int(county), "县"), ""])
                    counts["counties"] += 1
                    county_index += 1
                    n_town = townships * county_index // counties - townships * (county_index - 1) // counties
                    for t in range(n_town):
                        # 2 街道 (001…), then 镇 (101…), then 乡 (201…).
                        number = 1 + t if t < 2 else (101 + t - 2 if t < 10 else 201 + t - 10)
                        town = f"{county}{number:03d}"
                        kind = "街道" if number < 100 else ("镇" if number < 200 else "乡")
                        out.writerow([town + "000", _name(int(town) % 9973, kind), ""])
                        counts["townships"] += 1
                        township_index += 1
                        n_vil = villages * township_index // townships - villages * (township_index - 1) // townships
                        for v in range(n_vil):
                            if number < 100:
                                code, suffix, klass = f"{town}{v + 1:03d}", "社区居委会", "111"
                            elif v == 0:
                                code, suffix, klass = f"{town}001", "社区居委会", "121" if number < 200 else "210"
                            else:
                                code, suffix, klass = f"{town}{200 + v:03d}", "村委会", "220"
                            out.writerow([code, _name(int(code) % 99991, suffix), klass])
                            counts["villages"] += 1
    return counts


# -- child processes (one measurement each, so ru_maxrss is that measurement's peak) ----------

def _maxrss_mb() -> float:
    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _backend_pid(session) -> int | None:
    """PostgreSQL backend process of the session's connection (same host), to read its CPU time."""
    import sqlalchemy as sa

    if session.get_bind().dialect.name != "postgresql":
        return None
    return session.connection().execute(sa.text("SELECT pg_backend_pid()")).scalar()


def _proc_cpu_seconds(pid: int | None) -> float:
    if not pid:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def child_parse(path: str) -> dict:
    """Baseline: read every CSV record and nothing else (plus the imports the real child has)."""
    import govkit.models  # noqa: F401  (same resident modules as the import child)

    start = time.perf_counter()
    rows = 0
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for _ in csv.reader(handle):
            rows += 1
    return {"seconds": time.perf_counter() - start, "rows": rows - 1, "maxrss_mb": _maxrss_mb()}


def child_import(url: str, path: str, trace: bool) -> dict:
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    import govkit.models  # noqa: F401
    from govkit.db import metadata
    from govkit.hierarchy.services import import_divisions

    engine = sa.create_engine(url)
    metadata.create_all(engine, tables=[metadata.tables["gk_division"]])
    baseline_rss = _maxrss_mb()
    if trace:
        import tracemalloc

        tracemalloc.start()
    timings = {}
    phase_start = {}

    def progress(done: int, total: int, phase: str) -> None:
        phase_start.setdefault(phase, time.perf_counter())
        timings[phase] = time.perf_counter()

    with Session(engine) as session:
        backend = _backend_pid(session)
        server_start = _proc_cpu_seconds(backend)
        cpu_start = _cpu_seconds()
        start = time.perf_counter()
        result = import_divisions(session, path, progress=progress, batch_size=5000)
        first = time.perf_counter() - start
        cpu = _cpu_seconds() - cpu_start
        server_cpu = _proc_cpu_seconds(backend) - server_start if backend else None
        peak_rss = _maxrss_mb()
        traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
        if trace:
            tracemalloc.stop()
        start = time.perf_counter()
        again = import_divisions(session, path, batch_size=5000)
        second = time.perf_counter() - start
    validate_seconds = timings.get("校验", start) - phase_start.get("校验", start)
    engine.dispose()
    return {
        "rows": result.rows, "created": result.created, "seconds": first, "cpu_seconds": cpu,
        "server_cpu_seconds": server_cpu,
        "reimport_seconds": second,
        "reimport_created": again.created, "validate_seconds": validate_seconds,
        "maxrss_mb": peak_rss, "rss_before_import_mb": baseline_rss, "tracemalloc_peak_mb": traced,
        "by_level": result.by_level,
    }


def child_subtree(url: str, county: str) -> dict:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    low, high = county + "000000", county + "999999"
    ranged = sa.text("SELECT count(*) FROM gk_division WHERE code BETWEEN :low AND :high")
    scan = sa.text("SELECT count(*) FROM gk_division WHERE substr(code, 1, 6) = :county")
    params = {"low": low, "high": high, "county": county}
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE gk_division"))
            explain = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
        else:
            conn.execute(sa.text("ANALYZE"))
            explain = "EXPLAIN QUERY PLAN "
        out = {}
        for label, query in (("range", ranged), ("full_scan", scan)):
            conn.execute(query, params).scalar()  # warm the cache for both
            best = float("inf")
            for _ in range(5):
                start = time.perf_counter()
                count = conn.execute(query, params).scalar()
                best = min(best, time.perf_counter() - start)
            plan = conn.execute(sa.text(explain + query.text), params).all()
            out[label] = {"count": count, "seconds": best,
                          "plan": [" | ".join(str(c) for c in row) for row in plan]}
    engine.dispose()
    return out


def _run_child(*args: str) -> dict:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-m", "bench.division_import", "--child", *args], cwd=root,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- report --------------------------------------------------------------------------------

def bench_backend(name: str, url_for, path: Path, small: Path, trace: bool) -> None:
    print(f"\n== {name} ==")
    full_url, small_url = url_for("full"), url_for("small")
    parse = _run_child("parse", str(path))
    result = _run_child("import", full_url, str(path), "1" if trace else "0")
    small_result = _run_child("import", small_url, str(small), "0")
    rate = result["rows"] / result["seconds"]
    verdict = "OK" if result["seconds"] < TARGET_SECONDS else "OVER TARGET"
    print(f"import      {result['rows']:>9,} rows in {result['seconds']:6.1f} s = {rate:>9,.0f} rows/s "
          f"[{verdict}: target < {TARGET_SECONDS:.0f} s]  (validation pass {result['validate_seconds']:.1f} s)")
    server = result.get("server_cpu_seconds")
    cpu = result["cpu_seconds"] + (server or 0)
    print(f"CPU time    client {result['cpu_seconds']:.1f} s"
          + (f" + PostgreSQL backend {server:.1f} s" if server else "")
          + f" = {cpu:.1f} s → {result['rows'] / cpu:,.0f} rows per CPU-second "
          f"(wall/CPU {result['seconds'] / cpu:.1f}: load average {_load()} on {os.cpu_count()} CPUs)")
    print(f"baseline    csv.reader only: {parse['seconds']:6.2f} s → import/parse ratio "
          f"{result['seconds'] / parse['seconds']:.1f}×")
    print(f"re-import   {result['reimport_seconds']:6.1f} s, created {result['reimport_created']} rows (idempotent)")
    print(f"peak RSS    {result['maxrss_mb']:6.0f} MB (before import {result['rss_before_import_mb']:.0f} MB; "
          f"parse-only child {parse['maxrss_mb']:.0f} MB)"
          + (f"; tracemalloc peak {result['tracemalloc_peak_mb']:.0f} MB" if result["tracemalloc_peak_mb"] else ""))
    grow_rows = result["rows"] / small_result["rows"]
    grow_mem = (result["maxrss_mb"] - result["rss_before_import_mb"]) / max(
        1.0, small_result["maxrss_mb"] - small_result["rss_before_import_mb"])
    print(f"memory      {small_result['rows']:,} rows → {small_result['maxrss_mb']:.0f} MB peak; "
          f"{grow_rows:.1f}× the rows cost {grow_mem:.1f}× the import's own memory")
    sub = _run_child("subtree", full_url, COUNTY)
    r, f = sub["range"], sub["full_scan"]
    print(f"subtree     county {COUNTY}: {r['count']} divisions; range {r['seconds'] * 1000:.2f} ms vs full scan "
          f"{f['seconds'] * 1000:.2f} ms → {f['seconds'] / max(r['seconds'], 1e-9):.0f}× faster")
    print("  plan (range):     " + "\n                    ".join(r["plan"]))
    print("  plan (full scan): " + "\n                    ".join(f["plan"]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=620_000)
    parser.add_argument("--townships", type=int, default=42_500)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "parse":
            out = child_parse(rest[0])
        elif kind == "import":
            out = child_import(rest[0], rest[1], rest[2] == "1")
        else:
            out = child_subtree(rest[0], rest[1])
        print(json.dumps(out))
        return

    work = Path(tempfile.mkdtemp(prefix="govkit-bench-"))
    path, small = work / "villages.csv", work / "villages-small.csv"
    start = time.perf_counter()
    counts = generate(path, args.villages, args.townships)
    generate(small, args.villages // 10, args.townships // 10)
    print(f"generated {path} in {time.perf_counter() - start:.1f} s: "
          + ", ".join(f"{v:,} {k}" for k, v in counts.items())
          + f" ({path.stat().st_size / 2**20:.0f} MB)")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    cluster = None
    try:
        if "sqlite" in backends:
            bench_backend("SQLite", lambda tag: f"sqlite:///{work / (tag + '.db')}", path, small, args.tracemalloc)
        if "postgres" in backends:
            from govkit.testing.services import start_postgres

            cluster = start_postgres()
            if cluster is None:
                print("\n== PostgreSQL == skipped: initdb/pg_ctl not found")
            else:
                print("\n(PostgreSQL: throwaway cluster, fsync=off, synchronous_commit=off)")
                bench_backend("PostgreSQL", lambda tag: cluster.create_database(f"bench_{tag}"), path, small,
                              args.tracemalloc)
    finally:
        if cluster is not None:
            cluster.stop()
        for file in work.iterdir():
            file.unlink()
        work.rmdir()


if __name__ == "__main__":
    main()
