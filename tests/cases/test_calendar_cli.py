"""``govkit calendar status|enter-year|set-day|remove-day|refresh`` against the test database."""
from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from govkit.cases.models import CalendarDay, CalendarYear, CaseEvent
from tests.cases.conftest import register

pytestmark = pytest.mark.both_backends


@pytest.fixture
def govkit_cli(govkit_db_url, tmp_path, monkeypatch):
    """``run(*args)`` → click Result of the real ``govkit`` group (commands come from the plugins)."""
    monkeypatch.setenv("GOVKIT_DATABASE_URL", govkit_db_url)
    monkeypatch.setenv("GOVKIT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("GOVKIT_SECRET_KEY", "cli-test")
    monkeypatch.delenv("GOVKIT_CONFIG", raising=False)
    monkeypatch.delenv("GOVKIT_PLUGINS", raising=False)
    monkeypatch.setattr("govkit.plugins._entry_points", lambda: [])  # only built-ins
    from govkit.cli import build_cli

    group = build_cli()
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(group, list(args), **kw)


@pytest.fixture
def provisional_case(workflow, world, db, clock):
    """Accepted Mon 2026-12-21, 10 working days: 12-22 (1) … 12-31 (8); 2027 by weekdays less the
    statutory holidays: Fri 01-01 元旦 休, Mon 01-04 (9), Tue 01-05 (10) — 暂定."""
    clock.day = date(2026, 12, 21)
    case = register(workflow, db.session, world)
    workflow.perform(db.session, case, "accept", world.clerk)
    assert (case.due_date, case.due_provisional) == (date(2027, 1, 5), True)
    return case


def _state(db, case):
    db.session.expire_all()
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                        CaseEvent.action == "deadline_recomputed")).all()
    days = db.session.scalars(select(CalendarDay.day)).all()
    years = db.session.scalars(select(CalendarYear.year)).all()
    return case.due_date, case.due_provisional, len(events), sorted(days), years


def test_status_enter_year_set_day_remove_day_refresh(govkit_cli, db, provisional_case, tmp_path):
    case = provisional_case
    status = govkit_cli("calendar", "status")
    assert status.exit_code == 0, status.output
    assert "chinesecalendar 1." in status.output and "2004–2026 年" in status.output
    assert "待录入：2027 年尚无节假日安排，1 件未办结办件的期限为暂定" in status.output
    assert "2027 年暂按法定节假日放假：元旦 1月1日；春节 2月5日—2月8日；清明节 4月5日" in status.output

    notice = tmp_path / "2027.txt"
    notice.write_text("2027-01-01~2027-01-03 元旦\n2027-02-05~2027-02-11 春节\n", encoding="utf-8")
    dry = govkit_cli("calendar", "enter-year", "2027", "--holidays", str(notice),
                     "--makeup-workdays", "2027-02-14", "--dry-run")
    assert dry.exit_code == 0, dry.output
    # The notice confirms the guessed date: the same day, no longer 暂定.
    assert "2027年1月5日（暂定） → 2027年1月5日" in dry.output and "将重新计算 1 件" in dry.output
    assert _state(db, case) == (date(2027, 1, 5), True, 0, [], [])

    entered = govkit_cli("calendar", "enter-year", "2027", "--holidays", str(notice),
                         "--makeup-workdays", "2027-02-14")
    assert entered.exit_code == 0, entered.output
    assert "已录入 2027 年节假日安排，重新计算了 1 件办件的期限。" in entered.output
    due, provisional, events, days, years = _state(db, case)
    # 12-31 (8); 01-01 … 01-03 休; Mon 01-04 (9); Tue 01-05 (10) — final.
    assert (due, provisional, events, years, len(days)) == (date(2027, 1, 5), False, 1, [2027], 11)
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.action == "deadline_recomputed")).one()
    assert event.actor_name.startswith("系统（命令行") and event.role == "Admin"

    status = govkit_cli("calendar", "status")
    assert "2027  录入人 系统（命令行" in status.output and "没有暂定期限" in status.output

    # 县城封闭 on Thu 12-31: … 12-30 (7); 12-31 停; 01-04 (8); 01-05 (9); Wed 01-06 (10).
    closed = govkit_cli("calendar", "set-day", "2026-12-31", "--closed", "--name", "县城封闭")
    assert closed.exit_code == 0, closed.output
    assert "2027年1月5日 → 2027年1月6日" in closed.output and "重新计算了 1 件" in closed.output
    assert _state(db, case)[:3] == (date(2027, 1, 6), False, 2)

    removed = govkit_cli("calendar", "remove-day", "2026-12-31")
    assert removed.exit_code == 0, removed.output
    assert "2027年1月6日 → 2027年1月5日（期限提前）" in removed.output and "其中 1 件期限提前" in removed.output
    assert _state(db, case)[:3] == (date(2027, 1, 5), False, 3)

    refreshed = govkit_cli("calendar", "refresh")
    assert refreshed.exit_code == 0 and "重新计算了 0 件" in refreshed.output


BAD_INPUT = [
    (("enter-year", "2027", "--holidays", "2027-01-01, 2028-02-05"), "2028年2月5日不属于2027年"),
    (("enter-year", "2027", "--holidays", "2027-02-30"), "日期“2027-02-30”无效"),
    (("enter-year", "2027", "--holidays", "元旦.txt"), "找不到文件 元旦.txt"),
    (("enter-year", "2027", "--holidays", "2027-01-01", "--makeup-workdays", "2027-02-10"), "本来就是工作日"),
    (("enter-year", "2035", "--holidays", "2035-01-01"), "工作日历不支持2035年"),
    (("enter-year", "2026", "--holidays", "2026-01-01"), "已由 chinesecalendar 包提供"),
    (("enter-year", "20x7", "--holidays", "2027-01-01"), "应为四位数字"),
    (("set-day", "2026-02-30", "--closed", "--name", "县城封闭"), "日期“2026-02-30”无效"),
    (("set-day", "2062-01-05", "--closed", "--name", "县城封闭"), "工作日历不支持2062年"),
    (("set-day", "2026-12-31", "--name", "县城封闭"), "请指定 --closed"),
    (("set-day", "2026-12-31", "--closed", "--name", " "), "请填写调整原因"),
    (("remove-day", "2026-12-30"), "没有日历调整记录"),
]


def test_bad_input_exits_non_zero_and_writes_nothing(govkit_cli, db, provisional_case):
    # One app for all cases (each command builds its own; a test app per case would be slow).
    for args, message in BAD_INPUT:
        result = govkit_cli("calendar", *args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
        assert _state(db, provisional_case) == (date(2027, 1, 5), True, 0, [], []), args
