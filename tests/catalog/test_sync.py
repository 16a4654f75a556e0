"""Plugin items: they appear with their source; an admin's later edit is never overwritten silently."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from govkit.app import load_settings
from govkit.catalog import services
from govkit.catalog.models import Implementation, ServiceItem
from govkit.catalog.sync import collect_plugin_items, sync_plugin_items
from govkit.errors import PluginError
from tests.plugins import local_items_plugin

pytestmark = pytest.mark.both_backends


@pytest.fixture
def plugin_env(monkeypatch, tmp_path):
    monkeypatch.setattr(local_items_plugin, "EDITION", 1)
    settings, pm = load_settings({"INSTANCE_PATH": str(tmp_path)}, load_entrypoints=False,
                                 plugins=[("local-items", local_items_plugin)])
    return settings, pm


def _item(session, code):
    return session.scalar(select(ServiceItem).where(ServiceItem.basic_code == code))


def test_plugin_items_appear_with_their_source(divisions, plugin_env):
    settings, pm = plugin_env
    assert [p for p, _ in collect_plugin_items(pm, settings)] == ["local-items", "local-items"]
    report = sync_plugin_items(divisions, pm, settings)
    divisions.commit()
    assert report.created == ["LOCAL0001", "LOCAL0002"] and not report.conflicts and not report.errors
    item = _item(divisions, "LOCAL0001")
    assert item.source == "plugin:local-items" and len(item.source_hash) == 64
    impl = services.current_implementation(divisions, item.implementations[0].code)
    assert impl.status == "已发布" and impl.source == "plugin:local-items"
    assert [m.name for m in impl.materials] == ["居民身份证", "户口簿"]
    assert impl.special_procedures[0].name == "入户核查"
    burial = _item(divisions, "LOCAL0002").implementations[0]
    assert burial.free is False and burial.division.code == "621099100000" and burial.exercise_level == 5
    # Searchable like any other item, by pinyin initials too.
    assert services.search_items(divisions, "gllryy") == [item]

    again = sync_plugin_items(divisions, pm, settings)
    assert again.unchanged == ["LOCAL0001", "LOCAL0002"] and not again.created


def test_new_plugin_edition_publishes_a_new_version(divisions, plugin_env, monkeypatch):
    settings, pm = plugin_env
    sync_plugin_items(divisions, pm, settings)
    divisions.commit()
    monkeypatch.setattr(local_items_plugin, "EDITION", 2)
    report = sync_plugin_items(divisions, pm, settings)
    divisions.commit()
    assert report.updated == ["LOCAL0001"] and report.unchanged == ["LOCAL0002"]
    rows = divisions.scalars(select(Implementation).join(Implementation.item)
                             .where(ServiceItem.basic_code == "LOCAL0001").order_by(Implementation.version)).all()
    assert [(r.version, r.status, r.promised_days) for r in rows] == [(1, "已停用", 5), (2, "已发布", 3)]


def test_admin_edit_is_reported_not_overwritten(divisions, plugin_env, monkeypatch):
    settings, pm = plugin_env
    sync_plugin_items(divisions, pm, settings)
    item = _item(divisions, "LOCAL0001")
    services.update_item(divisions, item, name="高龄老人营养补贴申领（县定）")  # admin screen edit
    divisions.commit()
    # Same plugin content: nothing to report, the admin's edit stands.
    assert sync_plugin_items(divisions, pm, settings).unchanged == ["LOCAL0001", "LOCAL0002"]

    monkeypatch.setattr(local_items_plugin, "EDITION", 2)
    report = sync_plugin_items(divisions, pm, settings)
    divisions.commit()
    assert [c.basic_code for c in report.conflicts] == ["LOCAL0001"]
    assert "管理员在界面上修改过该事项" in report.conflicts[0].reason
    assert _item(divisions, "LOCAL0001").name == "高龄老人营养补贴申领（县定）"
    assert services.current_implementation(divisions, item.implementations[0].code).promised_days == 5

    kept = sync_plugin_items(divisions, pm, settings, keep=["LOCAL0001"])
    divisions.commit()
    assert kept.kept == ["LOCAL0001"] and not kept.conflicts
    assert sync_plugin_items(divisions, pm, settings).unchanged == ["LOCAL0001", "LOCAL0002"]


def test_overwrite_takes_the_plugin_version(divisions, plugin_env, monkeypatch):
    settings, pm = plugin_env
    sync_plugin_items(divisions, pm, settings)
    services.update_item(divisions, _item(divisions, "LOCAL0001"), name="改过的名称")
    monkeypatch.setattr(local_items_plugin, "EDITION", 2)
    report = sync_plugin_items(divisions, pm, settings, overwrite=["local0001"])
    divisions.commit()
    assert report.updated == ["LOCAL0001"]
    item = _item(divisions, "LOCAL0001")
    assert item.name == "高龄老人营养补贴申领" and item.updated_by_admin is False


def test_item_from_another_source_is_a_conflict(divisions, plugin_env):
    settings, pm = plugin_env
    services.create_item(divisions, basic_code="LOCAL0002", name="已有事项", item_type="20")
    report = sync_plugin_items(divisions, pm, settings)
    assert [c.basic_code for c in report.conflicts] == ["LOCAL0002"]
    assert "来源：admin" in report.conflicts[0].reason
    assert _item(divisions, "LOCAL0002").name == "已有事项"


def test_invalid_spec_is_reported_and_skipped(divisions, tmp_path):
    from govkit import hookimpl
    from govkit.catalog.specs import ImplementationSpec, ServiceItemSpec

    class BadPlugin:
        @hookimpl
        def register_service_items(self, settings):
            return [ServiceItemSpec("BAD1", "坏事项", implementations=(
                ImplementationSpec("621099000000", implementing_uscc="11621099MB24680130", promised_days=30),))]

    settings, pm = load_settings({"INSTANCE_PATH": str(tmp_path)}, load_entrypoints=False,
                                 plugins=[("bad", BadPlugin())])
    report = sync_plugin_items(divisions, pm, settings)
    assert report.errors and "插件 bad 的事项 BAD1" in report.errors[0]
    assert _item(divisions, "BAD1") is None


def test_plugin_returning_wrong_type_names_the_plugin(divisions, tmp_path):
    from govkit import hookimpl

    class Wrong:
        @hookimpl
        def register_service_items(self, settings):
            return [{"basic_code": "X"}]

    settings, pm = load_settings({"INSTANCE_PATH": str(tmp_path)}, load_entrypoints=False, plugins=[("wrong", Wrong())])
    with pytest.raises(PluginError, match="插件 wrong"):
        sync_plugin_items(divisions, pm, settings)
