"""The case hooks: plugin workflow steps, calendar overrides, case events after commit."""
from __future__ import annotations

import logging
from datetime import date

import pytest

from govkit import hookimpl
from govkit.cases.calendar_store import CachedCalendar
from govkit.cases.models import CaseEvent
from govkit.cases.workflow import Workflow, WorkflowAction
from govkit.errors import InvalidTransition, OutOfScope, PermissionDenied, PluginError
from govkit.state import get_state
from tests.cases.conftest import FakeClock, build_world, register
from tests.plugins import calendar_plugin, case_events_plugin, workflow_step_plugin


def _workflow(app, clock=None):
    state = get_state(app)
    return Workflow(settings=state.settings, pm=state.pm, clock=clock or FakeClock(),
                    calendar_loader=CachedCalendar(state.pm, state.settings))


@pytest.fixture
def plugin_app(register_plugin):
    def make(plugin, name):
        app = register_plugin(plugin, name=name)
        ctx = app.app_context()
        ctx.push()
        return app, ctx
    return make


def test_plugin_step_runs_through_role_and_scope_checks(plugin_app, db):
    app, ctx = plugin_app(workflow_step_plugin, "village-notice")
    try:
        workflow = _workflow(app)
        world = build_world(db.session)
        s = db.session
        case = register(workflow, s, world)
        workflow.perform(s, case, "accept", world.clerk)
        workflow.perform(s, case, "forward", world.clerk)
        workflow.perform(s, case, "sign_for", world.dispatch)
        assert "村级公示" in [a.label for a in workflow.allowed_actions(s, case, world.clerk)]
        with pytest.raises(PermissionDenied):
            workflow.perform(s, case, "publicise", world.agent)
        with pytest.raises(OutOfScope):
            workflow.perform(s, case, "publicise", world.other_clerk)
        event = workflow.perform(s, case, "publicise", world.clerk, days=7)
        assert case.state == "publicising" and event.data == {"notice_days": 7}
        with pytest.raises(InvalidTransition, match="村级公示中"):
            workflow.perform(s, case, "assign", world.dispatch, department_id=world.department.id)
        workflow.perform(s, case, "end_publicity", world.clerk)
        workflow.perform(s, case, "assign", world.dispatch, department_id=world.department.id)
        assert case.state == "assigned"
    finally:
        db.session.remove()
        ctx.pop()


class Bypass:
    @hookimpl
    def register_workflow_actions(self):
        return [WorkflowAction("fast_approve", "直接批准", ("registered",), "approved", ("代办员",))]


class Replace:
    @hookimpl
    def register_workflow_actions(self):
        return [WorkflowAction("approve", "准予许可", ("registered",), "approved", ("代办员",))]


class BadLoads:
    @hookimpl
    def register_workflow_actions(self):
        return [WorkflowAction("village_notice", "村级公示", ("signed",), None, ("办理员",), loads=("material",))]


@pytest.mark.parametrize("plugin", [Bypass(), Replace(), BadLoads()])
def test_plugin_cannot_bypass_or_replace_built_in_steps(register_plugin, plugin):
    app = register_plugin(plugin, name="sneaky")
    with app.app_context(), pytest.raises(PluginError, match="sneaky"):
        _workflow(app)


class SameName:
    """A plugin step named like the built-in ``sign_for`` that enters no protected state."""

    @hookimpl
    def register_workflow_actions(self):
        return [WorkflowAction("sign_for", "村委会签收", ("forwarded",), "signed", ("代办员",))]


class ReversedCollection(Workflow):
    """The engine as it was: plugin actions collected last-loaded first (built-ins added last)."""

    def _collect_plugin_actions(self, pm):
        for plugin, actions in reversed(pm.results("register_workflow_actions")):
            self._add(actions or [], plugin)


def test_plugin_step_named_like_a_built_in_is_rejected(register_plugin):
    app = register_plugin(SameName(), name="village-sign")
    with app.app_context(), pytest.raises(PluginError) as excinfo:
        _workflow(app)
    message = str(excinfo.value)
    assert "village-sign" in message and "sign_for" in message and "内置环节“签收”同名" in message
    assert excinfo.value.details["plugin"] == "village-sign"


def test_guard_reversed_collection_lets_the_built_in_overwrite_the_plugin_step(register_plugin):
    """The test above can fail: collected in reverse load order, the clash went unnoticed."""
    app = register_plugin(SameName(), name="village-sign")
    with app.app_context():
        state = get_state(app)
        workflow = ReversedCollection(settings=state.settings, pm=state.pm, clock=FakeClock())
    assert workflow.action("sign_for").label == "签收"  # the plugin's 村委会签收 silently dropped


def test_two_plugins_with_the_same_step_name_are_rejected_naming_both(make_app):
    class First:
        @hookimpl
        def register_workflow_actions(self):
            return [WorkflowAction("village_review", "村级初审", ("signed",), None, ("代办员",))]

    class Second(First):
        pass

    app = make_app(plugins=[("first-county", First()), ("second-county", Second())])
    with app.app_context(), pytest.raises(PluginError, match="插件 second-county .*与插件 first-county 的环节"):
        _workflow(app)


def test_calendar_override_from_plugin_moves_deadlines(plugin_app, db):
    app, ctx = plugin_app(calendar_plugin, "flood-closure")
    try:
        clock = FakeClock(date(2026, 7, 13))  # Mon
        workflow = _workflow(app, clock)
        world = build_world(db.session)
        case = register(workflow, db.session, world)
        workflow.perform(db.session, case, "accept", world.clerk)
        # 07-14 (1); 07-15 停工 (county closure); 07-16 (2); 07-17 (3); 07-20 (4) … 07-24 (8); 07-27 (9); 07-28 (10).
        assert case.due_date == date(2026, 7, 28)
        assert not workflow.calendar(db.session).is_working_day(calendar_plugin.CLOSURE)
    finally:
        db.session.remove()
        ctx.pop()


def test_case_events_fire_after_commit_and_a_raising_plugin_is_logged(make_app, db, caplog):
    recorder = case_events_plugin.Recorder()
    app = make_app(plugins=[("sms-recorder", recorder), ("broken-sms", case_events_plugin.Broken())])
    with app.app_context():
        workflow = _workflow(app)
        world = build_world(db.session)
        s = db.session
        with caplog.at_level(logging.ERROR, logger="govkit.cases.events"):
            case = register(workflow, s, world)
            workflow.perform(s, case, "accept", world.clerk, commit=False)
            assert [e.action for e in recorder.events] == ["register"]  # accept not committed yet
            s.commit()
        assert [e.action for e in recorder.events] == ["register", "accept"]
        assert recorder.events[1].case_number == case.number and recorder.events[1].to_state == "accepted"
        assert recorder.events[1].event_id == s.query(CaseEvent).filter_by(action="accept").one().id
        errors = [r.getMessage() for r in caplog.records if r.name == "govkit.cases.events"]
        assert len(errors) == 2 and all("broken-sms" in m and "短信网关无法连接" in m for m in errors)
        s.expire_all()
        assert case.state == "accepted"  # the transition stayed committed
        workflow.perform(s, case, "forward", world.clerk, commit=False)
        s.rollback()
        assert [e.action for e in recorder.events] == ["register", "accept"]  # rolled back: not announced
        db.session.remove()
