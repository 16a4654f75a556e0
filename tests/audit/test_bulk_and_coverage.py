"""Bulk changes and the coverage of the audit trail (issue 21, item 9).

Before: ``session.execute(update(Division)...)``, a division import (driver SQL / COPY) and the rebuild of the
working-day table changed many rows without a single audit entry, and organs, groups and FAB's permission API
were not audited at all. Now each bulk statement or bulk command leaves one entry with its row count, and a
guard checks that every screen or API that writes a table writes an audited one.
"""
from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from govkit.audit.models import AuditEntry
from govkit.audit.trail import AUDITED_TABLES, REQUEST_AUDITED_TABLES, verify
from govkit.cases.calendar_store import fill_working_days
from govkit.cases.models import WorkingDay
from govkit.errors import ImportRowError
from govkit.hierarchy.models import Division
from govkit.hierarchy.services import import_divisions
from govkit.testing.fixtures import ensure_division

pytestmark = pytest.mark.both_backends

#: Tables written through screens that are not administrative settings: content with its own workflow
#: record (author, approver, handler are columns and events) and the demo plugin's business records.
NOT_ADMINISTRATIVE = {"gk_disclosure", "gk_complaint", "gk_rectification", "gk_rating", "gk_case"}
_WRITES = {"can_add", "can_edit", "can_delete", "can_post", "can_put", "can_add_role_permissions"}


def _entries(db, table: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.table_name == table)
                                   .order_by(AuditEntry.seq)))


def test_a_bulk_update_and_delete_leave_one_entry_each_with_the_row_count(app, db):
    for code, name in (("621002101000", "肖金镇"), ("621002102000", "董志镇"), ("621002103000", "彭原镇")):
        ensure_division(db.session, code, name)
    db.session.commit()
    before = len(_entries(db, "gk_division"))
    db.session.info["govkit_actor"] = "管理员甲"
    try:
        db.session.execute(sa.update(Division).where(Division.code.like("6210021%")).values(active=False))
        db.session.execute(sa.delete(Division).where(Division.code == "621002103000"))
        db.session.commit()
    finally:
        db.session.info.pop("govkit_actor")
    bulk = _entries(db, "gk_division")[before:]
    assert [(e.action, e.actor, e.row_key) for e in bulk] == [
        ("批量修改", "管理员甲", "*"), ("批量删除", "管理员甲", "*")]
    assert json.loads(bulk[0].after)["rows"] == 3 and json.loads(bulk[1].after)["rows"] == 1
    assert "UPDATE gk_division" in bulk[0].summary and "active" in json.loads(bulk[0].after)["statement"]
    assert verify(db.session)[1] == []


def test_a_rolled_back_bulk_change_leaves_no_entry_and_other_tables_none(app, db):
    ensure_division(db.session, "621002101000", "肖金镇")
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    db.session.execute(sa.update(Division).values(name="改名"))
    db.session.rollback()
    db.session.execute(sa.delete(WorkingDay).where(WorkingDay.day < sa.func.date("1900-01-01")))  # not audited
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before


def test_a_division_import_is_one_entry_with_its_counts(app, db):
    csv = ("统计用区划代码,名称,城乡分类代码\n620000000000,甘肃省,\n621000000000,庆阳市,\n621002000000,西峰区,\n"
           "621002101000,肖金镇,\n621002101201,米王村委会,122\n")
    db.session.info["govkit_actor"] = "管理员乙"
    try:
        result = import_divisions(db.session, io.StringIO(csv))
    finally:
        db.session.info.pop("govkit_actor")
    rows = [e for e in _entries(db, "gk_division") if e.action == "批量导入"]
    assert len(rows) == 1 and rows[0].actor == "管理员乙"
    assert json.loads(rows[0].after)["rows"] == result.rows == 5
    assert f"新增 {result.created}" in rows[0].summary
    # a failed import (a bad row) writes nothing and records nothing
    before = len(_entries(db, "gk_division"))
    with pytest.raises(ImportRowError):
        import_divisions(db.session, io.StringIO("统计用区划代码,名称,城乡分类代码\n62100299,坏代码,\n"))
    assert len(_entries(db, "gk_division")) == before
    assert verify(db.session)[1] == []


def test_rebuilding_the_working_day_table_is_recorded(app, db):
    from govkit.cases.calendar_store import load_calendar

    db.session.execute(sa.delete(WorkingDay))
    db.session.commit()
    before = len(_entries(db, "gk_working_day"))  # the start-up fill recorded its own
    assert fill_working_days(db.session, load_calendar(db.session))
    db.session.commit()
    rows = _entries(db, "gk_working_day")[before:]
    assert [e.action for e in rows] == ["批量重建"] and json.loads(rows[0].after)["rows"] > 365


def test_every_screen_and_api_that_writes_writes_an_audited_table(app):
    """Guard: a new writable admin screen on an unaudited table fails here (add it to AUDITED_TABLES or mix in
    ``govkit.toolkit.Audited``)."""
    unaudited = set()
    for view in app.appbuilder.baseviews:
        datamodel = getattr(view, "datamodel", None)
        if datamodel is None or not (set(getattr(view, "base_permissions", None) or ()) & _WRITES):
            continue
        model = datamodel.obj
        table = model.__tablename__
        if table.startswith("gkc_") or table in NOT_ADMINISTRATIVE:  # gkc_: the demo plugin's records
            continue
        if not (getattr(model, "__govkit_audited__", False) or table in AUDITED_TABLES | REQUEST_AUDITED_TABLES):
            unaudited.add(f"{type(view).__name__} → {table}")
    assert not unaudited, sorted(unaudited)


def test_fab_permission_api_changes_are_audited_but_the_start_up_sync_is_not(app, db):
    # the start-up permission sync (no request) wrote ab_permission_view rows without entries
    assert _entries(db, "ab_permission_view") == [] and _entries(db, "ab_view_menu") == []
    with app.test_request_context("/api/v1/security/resources/", method="POST"):
        app.preprocess_request()  # what every request runs first: marks the session as serving a request
        app.appbuilder.sm.add_view_menu("县里的新菜单")
        db.session.commit()
    assert [e.action for e in _entries(db, "ab_view_menu")] == ["新增"]
