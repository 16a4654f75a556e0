"""A county set up from nothing with the installed ``govkit`` command, as README.md and
docs/quickstart.md tell an operator: init → db upgrade → import divisions → catalog sync, export
and import → create-admin → gunicorn → log in over HTTP. Each command runs as a subprocess in a
fresh folder, with no PYTHONPATH, on SQLite and on PostgreSQL."""
from __future__ import annotations

import http.cookiejar
import importlib.metadata
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from govkit.testing.services import free_port

BIN = Path(sys.executable).parent  # the venv's govkit and gunicorn
README = Path(__file__).resolve().parents[1] / "README.md"

#: Flask-AppBuilder's start-up warnings govkit filters out (govkit/fab_warnings.py).
FAB_NOISE = ("No user yet created", "Refused to delete permission view", "Filter type not supported")

#: What a county adds to the local_plugin.py that ``govkit init`` wrote (docs/plugin_author_guide.md).
LOCAL_ITEM = '''

from govkit import ImplementationSpec, MaterialSpec, ServiceItemSpec


@hookimpl
def register_service_items(settings):
    return [ServiceItemSpec(basic_code="XFLOCAL00001", name="西峰区老年优待证办理", item_type="20",
                            implementations=(ImplementationSpec(
                                division_code=settings["COUNTY_CODE"], department="区民政局",
                                implementing_uscc="11621002MB0000001X", legal_days=10, promised_days=3,
                                materials=(MaterialSpec("居民身份证", form="原件"),)),))]
'''


def readme_commands() -> set[str]:
    """``govkit <command> [<subcommand>]`` of every line of README.md's county deployment block."""
    text = README.read_text(encoding="utf-8")
    block = text.split("## Deploying for a county", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    found = set()
    for line in block.splitlines():
        words = line.split("#", 1)[0].split()
        if words[:1] == ["govkit"]:
            found.add(" ".join(w for w in words[1:3] if not w.startswith("-") and "." not in w and "/" not in w))
    return found


class County:
    """A deployment folder and the commands run in it (their output kept for the noise check)."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env, self.output = folder, env, []

    def govkit(self, *args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(BIN / "govkit"), *args], cwd=cwd or self.folder, env=self.env,
                                capture_output=True, text=True, timeout=600)
        self.output.append(f"$ govkit {' '.join(args)}\n{result.stdout}{result.stderr}")
        if check:
            assert result.returncode == 0, self.output[-1]
        return result

    def serve(self, port: int) -> subprocess.Popen:
        """README.md's gunicorn line (one worker) on a free loopback port; returns once it answers."""
        log = open(self.folder / "gunicorn.log", "w", encoding="utf-8")
        proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",
                                 "govkit:create_app('govkit.toml')"], cwd=self.folder, env=self.env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, (self.folder / "gunicorn.log").read_text(encoding="utf-8")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=60).read()
                return proc
            except OSError:  # not listening yet, or the worker still loading the app
                time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGTERM)
        raise AssertionError("gunicorn did not answer within 180 s")


@pytest.fixture
def county(govkit_backend, request, tmp_path) -> County:
    """An empty folder, the environment of a shell with only govkit installed and, on PostgreSQL,
    an empty database named in ``GOVKIT_DATABASE_URL`` (README: ``export GOVKIT_DATABASE_URL=…``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVKIT_") and k != "PYTHONPATH"}
    # The first-party plugins installed into this venv are not part of a bare county.
    installed = sorted(ep.name for ep in importlib.metadata.entry_points(group="govkit"))
    env["GOVKIT_DISABLED_PLUGINS"] = ",".join(installed)
    if govkit_backend == "postgres":
        cluster = request.getfixturevalue("postgres_cluster")
        env["GOVKIT_DATABASE_URL"] = cluster.create_database(f"county_{uuid.uuid4().hex[:8]}")
    return County(tmp_path / "xifeng", env)


def test_the_readme_county_setup_runs_end_to_end(county, tmp_path):
    init = county.govkit("init", str(county.folder), "--name", "西峰区", "--county-code", "621002000000",
                         cwd=tmp_path)
    assert "已创建部署目录" in init.stdout
    with open(county.folder / "local_plugin.py", "a", encoding="utf-8") as plugin:
        plugin.write(LOCAL_ITEM)
    # The local plugin is found next to govkit.toml, with no PYTHONPATH (also by `govkit plugin new`).
    assert "local_plugin" in county.govkit("plugins").stdout
    assert county.govkit("plugin", "new", "xifeng-extras", "--dir", str(tmp_path)).returncode == 0

    first = county.govkit("db", "upgrade")
    assert "已创建数据库结构并升级到最新版本" in first.stdout and "已是最新版本" not in first.stdout
    again = county.govkit("db", "upgrade")
    assert "数据库已是最新版本" in again.stdout
    if "GOVKIT_DATABASE_URL" not in county.env:
        assert (county.folder / "instance" / "govkit.db").exists()

    divisions = county.govkit("import", "divisions", "--sample", "621002")
    assert "已导入 51 行（新增 51" in divisions.stdout

    synced = county.govkit("catalog", "sync")
    assert "新增 1，" in synced.stdout and "错误 0" in synced.stdout
    exported = county.govkit("catalog", "export", "catalog.xlsx")
    assert (county.folder / "catalog.xlsx").read_bytes()[:2] == b"PK", exported.stdout
    county.govkit("catalog", "import", "catalog.xlsx")

    admin = county.govkit("create-admin", "--username", "admin", "--password", "Xf-admin-2026")
    assert "已创建管理员 admin" in admin.stdout

    port = free_port()
    server = county.serve(port)
    try:
        base = f"http://127.0.0.1:{port}"
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = browser.open(f"{base}/login/", timeout=30).read().decode("utf-8")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        body = urllib.parse.urlencode({"username": "admin", "password": "Xf-admin-2026", "csrf_token": token})
        home = browser.open(f"{base}/login/", data=body.encode(), timeout=30)
        page = home.read().decode("utf-8")
        assert home.url.rstrip("/") == base and "/logout/" in page, page[-2000:]
        assert "西峰区政务服务网" in page
        plugins_page = browser.open(f"{base}/admin/plugins/", timeout=30).read().decode("utf-8")
        assert "local_plugin" in plugins_page and "acceptance_notice" in plugins_page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    county.output.append((county.folder / "gunicorn.log").read_text(encoding="utf-8"))

    everything = "\n".join(county.output)
    for noise in FAB_NOISE:
        assert noise not in everything, noise
    # The steps above cover every govkit command of README.md's deployment block.
    assert readme_commands() <= {"init", "db upgrade", "import divisions", "catalog import", "create-admin"}


def test_plugins_page_shows_the_active_templates_and_what_they_replaced(register_plugin, login_as):
    from tests.plugins import county_print_plugin

    app = register_plugin(county_print_plugin, name="county_print")
    client = app.test_client()
    login_as("Admin", "621002000000", test_client=client)
    page = client.get("/admin/plugins/").get_data(as_text=True)
    templates = page.split('id="print-templates"', 1)[1]
    rows = {row.split("</td>", 1)[0].rsplit(">", 1)[1]: row for row in templates.split("<tr>")[2:]}
    assert "受理通知书（示范县版）" in rows["acceptance_notice"]
    acceptance = rows["acceptance_notice"]
    assert "county_print" in acceptance and "govkit.builtins.print_templates" in acceptance
    assert "000105001000" in rows["home_visit_slip"] and "—" in rows["home_visit_slip"]  # new, replaced nothing
    assert "—" in rows["refusal_notice"] and "county_print" not in rows["refusal_notice"]


def test_registry_for_takes_the_app_or_its_state(app):
    from govkit.app import get_state
    from govkit.printing.registry import registry_for

    assert registry_for(app) is registry_for(get_state(app))
    assert "acceptance_notice" in registry_for(app)


def test_documented_template_prints_without_a_progress_page():
    """The docs' example (tests/plugins/county_print_plugin.py) leaves the QR code out rather than failing."""
    from govkit.printing.context import CaseNotice
    from tests.plugins import county_print_plugin

    notice = CaseNotice(case_number="TEST-0001", document_number="西峰〔2026〕1号", applicant_name="张三",
                        item_name="示例事项", item_code="000105001000", issuing_body="西峰区政务服务中心")
    assert county_print_plugin.progress_qr(notice) is None
    assert county_print_plugin.render_county_acceptance(notice).startswith(b"%PDF-")


def test_fab_noise_is_dropped_and_other_fab_warnings_are_not(app, caplog):
    import logging

    from flask_appbuilder import const

    with caplog.at_level(logging.WARNING):
        logging.getLogger("flask_appbuilder.security.manager").warning(const.LOGMSG_WAR_SEC_NO_USER)
        logging.getLogger("flask_appbuilder.models.filters").warning("Filter type not supported for column: %s", "x")
        logging.getLogger("flask_appbuilder.security.manager").warning("a real FAB warning")
    assert [r.getMessage() for r in caplog.records] == ["a real FAB warning"]
