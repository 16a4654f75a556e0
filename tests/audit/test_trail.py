"""The audit trail: every administrative change is recorded, chained, verifiable and append-only."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from govkit.audit.cli import audit_group
from govkit.audit.models import AuditEntry
from govkit.audit.trail import APPEND_ONLY_TABLES, SESSION_LISTENERS, Audited, verify
from govkit.hierarchy.models import Division
from govkit.testing.fixtures import create_user, ensure_division


@pytest.fixture
def cli_env(govkit_config, monkeypatch):
    """``govkit`` commands run against the test app's database."""
    for key in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY"):
        monkeypatch.setenv(f"GOVKIT_{key}", str(govkit_config[key]))


def _entries(db, table: str | None = None) -> list[AuditEntry]:
    query = sa.select(AuditEntry).order_by(AuditEntry.seq)
    if table:
        query = query.where(AuditEntry.table_name == table)
    return list(db.session.scalars(query))


def _three_changes(db) -> None:
    division = ensure_division(db.session, "621002101000", "肖金镇")
    db.session.commit()
    division.name = "肖金镇（改）"
    db.session.commit()
    db.session.delete(division)
    db.session.commit()


def test_division_changes_are_recorded_with_who_and_before_after(app, db):
    db.session.info["govkit_actor"] = "管理员甲"
    try:
        _three_changes(db)
    finally:
        db.session.info.pop("govkit_actor")
    rows = [e for e in _entries(db, "gk_division") if "肖金镇" in e.summary]
    assert [e.action for e in rows] == ["新增", "修改", "删除"]
    assert {e.actor for e in rows} == {"管理员甲"}
    assert json.loads(rows[0].after)["name"] == "肖金镇"
    assert json.loads(rows[1].before) == {"name": "肖金镇"} and json.loads(rows[1].after) == {"name": "肖金镇（改）"}
    assert json.loads(rows[2].before)["code"] == "621002101000" and rows[2].after is None
    assert verify(db.session) == (len(_entries(db)), [])


def test_users_and_roles_are_audited_without_their_password(app, db):
    user = create_user(app, "受理员", "621002000000", username="clerk1")
    role = app.appbuilder.sm.find_role("办理员")
    user.roles.append(role)
    db.session.commit()
    rows = _entries(db, "ab_user")
    assert rows[0].action == "新增" and json.loads(rows[0].after)["password"] == "<已隐藏>"
    change = json.loads(rows[-1].after)
    assert rows[-1].action == "修改" and set(change["roles"]) == {"受理员", "办理员"}
    assert "pbkdf2" not in " ".join((e.after or "") + (e.before or "") for e in _entries(db))


@pytest.mark.parametrize("tamper, expected", [
    ("UPDATE gk_audit_entry SET actor = '别人' WHERE seq = 2", "被修改"),
    ("DELETE FROM gk_audit_entry WHERE seq = 2", "被删除"),
    ("UPDATE gk_audit_entry SET seq = CASE seq WHEN 2 THEN 3 ELSE 2 END WHERE seq IN (2, 3)", "调换"),
])
def test_verify_reports_an_edited_deleted_or_reordered_row(app, db, cli_env, tamper, expected):
    _three_changes(db)
    assert len(_entries(db)) >= 3 and verify(db.session)[1] == []
    if "CASE" in tamper:  # swap two rows' places: seq is unique, so move one aside first
        db.session.execute(sa.text("UPDATE gk_audit_entry SET seq = -1 WHERE seq = 2"))
        db.session.execute(sa.text("UPDATE gk_audit_entry SET seq = 2 WHERE seq = 3"))
        db.session.execute(sa.text("UPDATE gk_audit_entry SET seq = 3 WHERE seq = -1"))
    else:
        db.session.execute(sa.text(tamper))
    db.session.commit()
    count, problems = verify(db.session)
    assert problems and any(expected in str(p) for p in problems), problems

    result = CliRunner().invoke(audit_group, ["verify"])
    assert result.exit_code == 1 and expected in result.output, result.output


def test_verify_command_passes_an_untouched_chain(app, db, cli_env):
    _three_changes(db)
    result = CliRunner().invoke(audit_group, ["verify"])
    assert result.exit_code == 0 and "校验通过" in result.output, result.output


class _PluginBase(DeclarativeBase):
    pass


class Fund(Audited, _PluginBase):
    """A plugin's administrative model that opts in with the toolkit's mixin."""

    __tablename__ = "test_plugin_fund"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))

    def __str__(self) -> str:
        return self.name


def test_a_plugin_model_opts_in_with_the_mixin(app, db):
    _PluginBase.metadata.create_all(db.engine)
    try:
        db.session.add(Fund(name="农机补贴"))
        db.session.commit()
        rows = _entries(db, "test_plugin_fund")
        assert [(e.action, e.summary) for e in rows] == [("新增", "农机补贴")]
    finally:
        db.session.rollback()
        _PluginBase.metadata.drop_all(db.engine)


def test_a_rolled_back_change_leaves_no_entry(app, db):
    ensure_division(db.session, "621002102000", "董志镇")
    db.session.rollback()
    assert _entries(db, "gk_division") == []


def test_supervisors_search_the_log_and_clerks_cannot(app, db, client, login_as):
    _three_changes(db)
    login_as("监察", "621002000000")
    page = client.get("/audit/list/?_flt_2_summary=肖金镇").get_data(as_text=True)
    assert "审计日志" in page and "肖金镇（改）" in page
    other = app.test_client()
    login_as("受理员", "621002000000", test_client=other)
    assert other.get("/audit/list/").status_code in (302, 403)


@pytest.mark.backends("postgres")
def test_the_application_role_cannot_update_or_delete_audit_or_case_events(app, db, govkit_db_url, cli_env):
    _three_changes(db)
    owner = sa.create_engine(govkit_db_url)
    with owner.begin() as conn:
        conn.execute(sa.text("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'govkit_app') "
                             "THEN CREATE ROLE govkit_app LOGIN; END IF; END $$"))
        conn.execute(sa.text("GRANT ALL ON ALL TABLES IN SCHEMA public TO govkit_app"))
    result = CliRunner().invoke(audit_group, ["lock-down", "--role", "govkit_app"])
    assert result.exit_code == 0, result.output
    owner.dispose()

    app_engine = sa.create_engine(govkit_db_url.replace("//govkit@", "//govkit_app@"))
    try:
        with Session(app_engine) as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) >= 3
            # the tables, each of their month partitions and the audit's seq table (govkit.partitions)
            partitions = session.execute(sa.text(
                "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = ANY "
                "(CAST(:t AS regclass[]))"), {"t": list(APPEND_ONLY_TABLES)}).scalars().all()
            assert len(partitions) >= 2 * 5  # a default partition and this month and three ahead, each
            for table in (*APPEND_ONLY_TABLES, *partitions, "gk_audit_seq"):
                key = "seq" if table == "gk_audit_seq" else "id"
                for statement in (f"UPDATE {table} SET {key} = {key}", f"DELETE FROM {table}", f"TRUNCATE {table}"):
                    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                        session.execute(sa.text(statement))
                    session.rollback()
            # still appends: a change made as the application role is recorded and chained
            session.add(Division(code="621002103000", name="彭原镇", level=4))
            session.info["govkit_actor"] = "app"
            SESSION_LISTENERS.attach(session)  # the app attaches it to db.session; to this session by hand
            session.commit()
            assert verify(session)[1] == []
            assert session.execute(sa.text("UPDATE gk_division SET name = name")).rowcount >= 1
            session.rollback()
    finally:
        app_engine.dispose()
