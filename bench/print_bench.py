"""Benchmark: acceptance notices per second with reportlab vs an HTML→PDF route.

Run:  python bench/print_bench.py [-n 2000] [--html-n 40] [--html-engine weasyprint|chromium]

Renders N distinct acceptance notices (each with its own case number, token
and therefore QR code) in this one process pinned to one CPU core, then the
same notice as HTML through WeasyPrint (``pip install weasyprint``; or
Chromium headless ``--print-to-pdf`` when WeasyPrint is not installed), and
prints notices/s, peak memory and the ratio.  Targets: ≥ 200 notices/s and
≥ 10× the HTML route.  ``--issue-n`` documents also go through the whole issue
path (kind check, number, render, store, row, event, outbox, commit; no seal) on a
SQLite file, with rendering alone timed for the same notices in the same run.
"""
from __future__ import annotations

import argparse
import cProfile
import html
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import machine_reference  # noqa: E402
from govkit.printing import CaseNotice, default_registry  # noqa: E402
from govkit.printing import qr  # noqa: E402

TARGET_RATE = 200
TARGET_RATIO = 10


def notice(i: int) -> CaseNotice:
    return CaseNotice(
        case_number=f"220581-20260302-{i:06d}",
        document_number=f"梅河口受字〔2026〕第 {i:04d} 号",
        applicant_name="王秀兰",
        applicant_id_masked="220581********2046",
        applicant_phone_masked="139****6021",
        item_name="城乡居民最低生活保障待遇审核确认",
        item_code="000105001000",
        issuing_body="梅河口市曙光镇人民政府",
        division_name="曙光镇红光村便民服务站",
        received_date=date(2026, 3, 2),
        accepted_date=date(2026, 3, 3),
        materials_received=[("最低生活保障申请书", "原件", 1), ("居民身份证", "复印件", 1), ("户口簿", "复印件", 1),
                            ("家庭收入及财产状况声明", "原件", 1), ("残疾人证", "复印件", 1)],
        legal_days=30,
        promised_days=15,
        due_date=date(2026, 3, 24),
        contact_person="李敏",
        contact_phone="0435-4221234",
        progress_url="https://zwfw.example.gov.cn/public/progress",
        progress_token=f"Kx9f{i:04d}",
    )


def notice_html(ctx: CaseNotice) -> str:
    """The same acceptance notice as an HTML page (QR as inline SVG)."""
    e = html.escape
    url = qr.progress_url(ctx.progress_url, ctx.case_number, ctx.progress_token)
    matrix = qr.encode(url)
    n = len(matrix)
    rects = "".join(f'<rect x="{c}" y="{r}" width="1" height="1"/>'
                    for r, row in enumerate(matrix) for c, v in enumerate(row) if v == "1")
    svg = f'<svg viewBox="-2 -2 {n + 4} {n + 4}" width="26mm" height="26mm">{rects}</svg>'
    materials = "".join(f"<tr><td>{i}</td><td>{e(m.name)}</td><td>{e(m.form)}</td><td>{m.copies}</td></tr>"
                        for i, m in enumerate(ctx.materials_received, 1))
    kv = [("办件编号", ctx.case_number), ("申请事项", ctx.item_name), ("申请人", ctx.applicant_name),
          ("证件号码", ctx.applicant_id_masked), ("联系电话", ctx.applicant_phone_masked),
          ("受理地点", ctx.division_name), ("收件日期", "2026年3月2日"), ("受理日期", "2026年3月3日"),
          ("法定办结时限", "30 个工作日"), ("承诺办结时限", "15 个工作日"), ("承诺办结日期", "2026年3月24日")]
    rows = "".join(f"<tr><th>{k}</th><td>{e(v)}</td></tr>" for k, v in kv)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 25mm 24mm 22mm 26mm; }}
body {{ font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 12pt; line-height: 1.7; }}
h1 {{ text-align: center; font-size: 22pt; margin: 0; }} .no {{ text-align: center; }}
p {{ text-indent: 2em; margin: 0; }} table {{ border-collapse: collapse; width: 100%; font-size: 10.5pt; }}
td, th {{ border: .5pt solid #000; padding: 2pt 4pt; }} th {{ background: #f2f2f2; font-weight: normal; }}
thead {{ display: table-header-group; }} .sign {{ display: flex; justify-content: space-between; margin-top: 8mm; }}
</style></head><body>
<h1>受理通知书</h1><div class="no">{e(ctx.document_number)}</div><div>{e(ctx.applicant_name)}：</div>
<p>你（单位）于2026年3月2日提交的“{e(ctx.item_name)}”申请，经审查，申请材料齐全、符合法定形式，本机关决定予以受理。</p>
<table>{rows}</table><div>已收取的申请材料</div>
<table><thead><tr><th>序号</th><th>材料名称</th><th>材料形式</th><th>份数</th></tr></thead>{materials}</table>
<p>本机关将在承诺办结时限内作出决定。</p><p>联系人：{e(ctx.contact_person)}；联系电话：{e(ctx.contact_phone)}。</p>
<div class="sign"><div>{svg}<div>扫码查询办理进度</div></div>
<div style="text-align:center;padding-top:16mm">{e(ctx.issuing_body)}（印章）<br>2026年3月3日</div></div>
</body></html>"""


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = sorted(os.sched_getaffinity(0))[0]
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def bench_reportlab(n: int) -> dict:
    registry = default_registry()
    template = registry.get("acceptance_notice")
    contexts = [notice(i) for i in range(n)]
    template.render(notice(999_999))  # warm up: font registration, styles, QR tables
    wall, cpu = time.perf_counter(), time.process_time()
    size, batch_best, batch = 0, float("inf"), 100
    for start in range(0, n, batch):
        t = time.process_time()
        for ctx in contexts[start:start + batch]:
            size += len(template.render(ctx))
        done = min(batch, n - start)
        batch_best = min(batch_best, (time.process_time() - t) / done)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    tracemalloc.start()
    template.render(notice(1_000_000))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"n": n, "wall": wall, "cpu": cpu, "rate": n / wall, "cpu_rate": n / cpu,
            "best_batch_rate": 1 / batch_best, "avg_kb": size / n / 1024,
            "py_peak_mb": peak / 2**20, "maxrss_mb": maxrss_mb()}


def bench_weasyprint(n: int) -> dict:
    import weasyprint

    weasyprint.HTML(string=notice_html(notice(999_999))).write_pdf()  # warm up fonts
    wall, cpu = time.perf_counter(), time.process_time()
    size = 0
    for i in range(n):
        size += len(weasyprint.HTML(string=notice_html(notice(i))).write_pdf())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"engine": f"WeasyPrint {weasyprint.__version__}", "n": n, "wall": wall, "cpu": cpu,
            "rate": n / wall, "cpu_rate": n / cpu, "avg_kb": size / n / 1024, "maxrss_mb": maxrss_mb()}


def bench_chromium(n: int) -> dict:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        raise SystemExit("neither WeasyPrint nor Chromium is available for the HTML route")
    with tempfile.TemporaryDirectory() as tmp:
        wall = time.perf_counter()
        size = 0
        for i in range(n):
            src, out = Path(tmp, f"{i}.html"), Path(tmp, f"{i}.pdf")
            src.write_text(notice_html(notice(i)), encoding="utf-8")
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update", "--disable-sync",
                            f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
                            f"--print-to-pdf={out}", src.as_uri()],
                           check=True, capture_output=True, timeout=120)
            size += out.stat().st_size
        wall = time.perf_counter() - wall
    return {"engine": "Chromium headless --print-to-pdf (one process per notice)", "n": n, "wall": wall,
            "cpu": float("nan"), "rate": n / wall, "cpu_rate": n / wall, "avg_kb": size / n / 1024,
            "maxrss_mb": float("nan")}


def _seal_image(path: Path) -> Path:
    """A red ring standing in for the organ's seal image (printed on every issued document)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((8, 8, 392, 392), outline=(204, 0, 0, 215), width=14)
    image.save(path)
    return path


def bench_issue(n: int, profile: str = "") -> dict:
    """The whole issue path per document, no seal: kind check, number, render, store (temp file + fsync +
    rename), the IssuedDocument row, the document_issued event and its outbox row, commit — on a SQLite file.

    Also times rendering alone for the same contexts in the same run (the difference is what issuing adds).
    """
    from bench.lifecycle_bench import COUNTY, DESK_VILLAGE, create_schema, seed
    from govkit.app import create_app
    from govkit.cases.models import Case
    from govkit.cases.runtime import workflow_for
    from govkit.cases.workflow import Actor
    from govkit.catalog.models import Implementation
    from govkit.db import db
    from govkit.desk.documents import case_notice
    from govkit.desk.issuing import issue_document, issuer_for
    from govkit.desk.storage import FileStore
    from govkit.hierarchy.models import Organ
    from govkit.hierarchy.scope import Scope
    from govkit.state import get_state

    workdir = Path(tempfile.mkdtemp(prefix="govkit-issue-bench-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    create_schema(url)
    config = {"DATABASE_URL": url, "INSTANCE_PATH": str(workdir / "instance"), "SECRET_KEY": "bench-secret",
              "COUNTY_CODE": COUNTY, "WTF_CSRF_ENABLED": False, "PUBLIC_BASE_URL": "https://zwfw.example.gov.cn"}
    ids = seed(config)
    app = create_app(config, load_entrypoints=False)
    seal = _seal_image(workdir / "seal.png")
    try:
        with app.app_context():
            session = db.session
            workflow = workflow_for(app)
            roles = frozenset({"受理员"})
            clerk = Actor(None, "村受理员", roles, Scope.for_division(DESK_VILLAGE, None, roles))
            implementation = session.get(Implementation, ids["implementation"])
            # The implementing organ as documents need it (full name, seal image, 复议机关, court, phone).
            session.add(Organ(division_id=implementation.division_id, department_id=implementation.department_id,
                              full_name="示范镇民政办", seal_image_path=str(seal), review_body="示范县人民政府",
                              court="示范县人民法院", phone="0000-1234567"))
            session.commit()
            case_ids = []
            for i in range(n + 1):
                case = workflow.register_case(session, implementation, actor=clerk, applicant_name="王秀兰",
                                              applicant_id_number="11010519491231002X", applicant_phone="13900006021")
                workflow.perform(session, case, "accept", clerk, materials_received=[])
                case_ids.append(case.id)
            issuer = issuer_for(get_state(app), workflow=workflow,
                                store=FileStore(app.config["GOVKIT_STORAGE_DIR"], 10**6))
            issue_document(session, session.get(Case, case_ids[-1]), "acceptance_notice", clerk, issuer)  # warm up
            session.commit()
            session.expunge_all()

            profiler = cProfile.Profile(time.process_time) if profile else None
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            size = 0
            for case_id in case_ids[:n]:
                copy = issue_document(session, session.get(Case, case_id), "acceptance_notice", clerk, issuer)
                session.commit()
                size += len(copy.pdf)
            if profiler:
                profiler.disable()
                profiler.dump_stats(profile)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

            template = issuer.templates.get("acceptance_notice")
            contexts = [case_notice(session, session.get(Case, case_id), issuer.settings) for case_id in case_ids[:n]]
            render_wall, render_cpu = time.perf_counter(), time.process_time()
            for ctx in contexts:
                template.render(ctx)
            render_wall, render_cpu = time.perf_counter() - render_wall, time.process_time() - render_cpu
            db.session.remove()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {"n": n, "wall": wall, "cpu": cpu, "rate": n / wall, "cpu_rate": n / cpu, "avg_kb": size / n / 1024,
            "render_rate": n / render_wall, "render_cpu_rate": n / render_cpu}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="notices rendered with reportlab")
    parser.add_argument("--html-n", type=int, default=40, help="notices rendered through HTML")
    parser.add_argument("--html-engine", choices=["auto", "weasyprint", "chromium"], default="auto")
    parser.add_argument("--issue-n", type=int, default=300, help="documents through the whole issue path (0: skip)")
    parser.add_argument("--profile", default="", help="write a cProfile of the issue loop to this file")
    args = parser.parse_args(argv)

    print(f"python {sys.version.split()[0]}, {pin_to_one_core()}")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"reference loop sum(range(10**7)) took {machine_reference():.2f} s CPU (best of 3) "
          "(≈0.12 s on a current desktop core)")
    rl = bench_reportlab(args.n)
    print(f"reportlab:  {rl['n']} notices in {rl['wall']:.2f} s wall, {rl['cpu']:.2f} s CPU "
          f"→ {rl['rate']:.0f} notices/s wall, {rl['cpu_rate']:.0f}/s per CPU-second "
          f"(best batch of 100: {rl['best_batch_rate']:.0f}/s); {rl['avg_kb']:.1f} KB/notice; "
          f"peak Python allocations per render {rl['py_peak_mb']:.1f} MB; peak RSS {rl['maxrss_mb']:.0f} MB; "
          f"load average after {os.getloadavg()[0]:.1f}")

    if args.issue_n:
        iss = bench_issue(args.issue_n, args.profile)
        print(f"issue path: {iss['n']} documents (render + number + store + row + event + outbox + commit, no seal) "
              f"in {iss['wall']:.2f} s wall, {iss['cpu']:.2f} s CPU → {iss['rate']:.0f} documents/s wall, "
              f"{iss['cpu_rate']:.0f}/s per CPU-second; rendering the same notices alone, same run: "
              f"{iss['render_rate']:.0f}/s wall, {iss['render_cpu_rate']:.0f}/s per CPU-second; "
              f"{iss['avg_kb']:.1f} KB/document; load average after {os.getloadavg()[0]:.1f}")

    engine = args.html_engine
    if engine == "auto":
        try:
            import weasyprint  # noqa: F401
            engine = "weasyprint"
        except ImportError:
            engine = "chromium"
    html_route = bench_weasyprint(args.html_n) if engine == "weasyprint" else bench_chromium(args.html_n)
    print(f"HTML route: {html_route['engine']}: {html_route['n']} notices in {html_route['wall']:.2f} s wall, "
          f"{html_route['cpu']:.2f} s CPU → {html_route['rate']:.1f} notices/s wall, "
          f"{html_route['cpu_rate']:.1f}/s per CPU-second; {html_route['avg_kb']:.1f} KB/notice; "
          f"peak RSS {html_route['maxrss_mb']:.0f} MB; load average after {os.getloadavg()[0]:.1f}")
    ratio = rl["rate"] / html_route["rate"]
    cpu_ratio = rl["cpu_rate"] / html_route["cpu_rate"]
    print(f"ratio: reportlab is {ratio:.1f}× the HTML route (wall), {cpu_ratio:.1f}× (CPU time)")
    ok = rl["cpu_rate"] >= TARGET_RATE and min(ratio, cpu_ratio) >= TARGET_RATIO
    print(f"targets (≥ {TARGET_RATE}/s per core, ≥ {TARGET_RATIO}×): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
