"""``govkit catalog sync|export|import`` from the command line."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from govkit.catalog.cli import catalog_group
from govkit.catalog.models import ServiceItem

pytestmark = pytest.mark.both_backends


def test_sync_export_import(govkit_db_url, divisions, tmp_path, monkeypatch):
    monkeypatch.setenv("GOVKIT_DATABASE_URL", govkit_db_url)
    monkeypatch.setenv("GOVKIT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("GOVKIT_SECRET_KEY", "cli-test")
    monkeypatch.setenv("GOVKIT_PLUGINS", "tests.plugins.local_items_plugin")
    monkeypatch.delenv("GOVKIT_CONFIG", raising=False)
    # Only the plugins named here: packages other tests installed into the venv must not leak in.
    monkeypatch.setattr("govkit.plugins._entry_points", lambda: [])
    runner = CliRunner()

    result = runner.invoke(catalog_group, ["sync"])
    assert result.exit_code == 0, result.output
    assert "冲突 0" in result.output and "错误 0" in result.output
    divisions.expire_all()
    sources = dict(divisions.execute(select(ServiceItem.basic_code, ServiceItem.source)).all())
    assert sources["LOCAL0001"] == sources["LOCAL0002"] == "plugin:tests.plugins.local_items_plugin"

    target = tmp_path / "catalog.xlsx"
    result = runner.invoke(catalog_group, ["export", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:2] == b"PK"

    bad = tmp_path / "bad.csv"
    bad.write_text("#事项\n基本编码,事项名称,事项类型\nX1,坏事项,99\n", encoding="utf-8")
    result = runner.invoke(catalog_group, ["import", str(bad)])
    assert result.exit_code == 1
    assert "〔事项〕第 3 行：事项类型：“99”无效" in result.output
    assert "没有导入任何数据" in result.output
