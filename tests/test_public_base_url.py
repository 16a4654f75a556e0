"""PUBLIC_BASE_URL is the one source of every absolute link printed or encoded (issue 19, item 6)."""
from __future__ import annotations

import logging
import sys
import types

from click.testing import CliRunner

from govkit.app import create_app
from govkit.cli.core import demo_command
from govkit.printing.qr import public_base_url

WARNING = "未配置 PUBLIC_BASE_URL"


def _config(tmp_path, **settings):
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "x", **settings}


def test_production_start_up_warns_when_unset(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="govkit.app"):
        create_app(_config(tmp_path), load_entrypoints=False)
    assert any(WARNING in r.getMessage() for r in caplog.records)


def test_no_warning_when_set_or_testing(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="govkit.app"):
        create_app(_config(tmp_path, PUBLIC_BASE_URL="https://zwfw.example.gov.cn"), load_entrypoints=False)
        create_app(_config(tmp_path / "t", TESTING=True), load_entrypoints=False)
    assert not any(WARNING in r.getMessage() for r in caplog.records)


def test_demo_serves_and_prints_the_same_address(monkeypatch):
    """`govkit demo --port 5121` must not print 127.0.0.1:5000 on its notices."""
    seen = {}

    def prepare(folder, reset=False, echo=print, **overrides):
        seen.update(overrides)
        return object()

    monkeypatch.setitem(sys.modules, "county_demo", types.SimpleNamespace(prepare=prepare, login_lines=lambda: []))
    result = CliRunner().invoke(demo_command, ["--host", "192.168.1.20", "--port", "5121", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert seen["PUBLIC_BASE_URL"] == "http://192.168.1.20:5121"
    assert "http://192.168.1.20:5121/" in result.output


def test_base_url_helper_strips_the_trailing_slash():
    assert public_base_url({"PUBLIC_BASE_URL": "https://zwfw.example.gov.cn/"}) == "https://zwfw.example.gov.cn"
    assert public_base_url({}) == ""
