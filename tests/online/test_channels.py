"""The message channel hook (a county's SMS gateway) and status messages to applicants on case events."""
from __future__ import annotations

import types

import pytest
from sqlalchemy import select

from govkit.errors import SettingsError
from govkit.online import messages
from govkit.online.models import DevMessage
from govkit.plugins import hookimpl
from govkit.state import get_state


def gateway_plugin(outbox: list):
    """A county plugin: its SMS gateway is a channel named county_sms."""

    @hookimpl
    def register_message_channels(settings):
        return [messages.MessageChannel("county_sms", "县短信平台", lambda message, session: outbox.append(message))]

    @hookimpl
    def register_identity_providers(settings):
        return [messages_provider()]

    return types.SimpleNamespace(register_message_channels=register_message_channels,
                                 register_identity_providers=register_identity_providers)


def messages_provider():
    from govkit.toolkit import IdentityProvider

    return IdentityProvider(name="province", label="省统一身份认证", issuer="http://127.0.0.1:1/",
                            client_id="govkit", client_secret="s")


def test_a_county_gateway_receives_the_codes_and_the_development_table_stays_empty(register_plugin):
    sent: list = []
    app = register_plugin(gateway_plugin(sent), name="county_sms", MESSAGE_CHANNEL="county_sms")
    client = app.test_client()
    with app.app_context():
        from govkit.db import db

        page = client.get("/online/login").get_data(as_text=True)
        assert "省统一身份认证" in page  # the provider hook feeds the login page
        assert client.post("/online/login", data={"phone": "13800138000"}).status_code == 302
        assert [(m.phone, m.kind) for m in sent] == [("13800138000", "code")]
        assert "验证码为" in sent[0].text and db.session.scalar(select(DevMessage)) is None


def test_an_unregistered_channel_is_a_clear_setting_error(make_app):
    app = make_app(MESSAGE_CHANNEL="nobody")
    with app.app_context():
        state = get_state(app)
        with pytest.raises(SettingsError, match="未注册"):
            messages.active_channel(state.pm, state.settings)
        assert "development" in messages.channels(state.pm, state.settings)


def test_a_failing_gateway_is_a_clear_message_and_keeps_no_code(register_plugin):
    def broken(message, session):
        raise ConnectionError("gateway down")

    plugin = types.SimpleNamespace(register_message_channels=hookimpl(
        lambda settings: [messages.MessageChannel("county_sms", "县短信平台", broken)]))
    app = register_plugin(plugin, name="broken_sms", MESSAGE_CHANNEL="county_sms")
    with app.app_context():
        from govkit.db import db
        from govkit.online.models import OneTimeCode

        page = app.test_client().post("/online/login", data={"phone": "13800138000"})
        assert page.status_code == 200 and "验证码短信发送失败" in page.get_data(as_text=True)
        assert db.session.scalar(select(OneTimeCode)) is None


def test_a_failing_gateway_neither_fails_nor_slows_the_staff_request_and_the_relay_retries(register_plugin):
    """Status messages go through the outbox: the staff's request only queues them (no gateway call); the relay
    (``drain``) sends them through the channel, records a failure on the row and sends it on the next run."""
    from govkit.cases.models import OutboxMessage
    from govkit.cases.outbox import OutboxHandler, drain, handlers_of
    from govkit.online.models import Applicant
    from govkit.orm import utcnow
    from govkit.testing.fixtures import create_user
    from tests.publicity.world import APPLICANT, make_case, make_world

    calls: list = []
    down = [True]
    archived: list = []

    def flaky(message, session):
        calls.append(message)
        if down[0]:
            raise ConnectionError("短信平台超时")

    @hookimpl
    def register_message_channels(settings):
        return [messages.MessageChannel("county_sms", "县短信平台", flaky)]

    @hookimpl
    def register_outbox_handlers(settings):  # a county's own local topic, next to the hall's
        return [OutboxHandler("county.archive", "县档案系统", lambda row, session: archived.append(row.key))]

    plugin = types.SimpleNamespace(register_message_channels=register_message_channels,
                                   register_outbox_handlers=register_outbox_handlers)
    app = register_plugin(plugin, name="flaky_sms", MESSAGE_CHANNEL="county_sms")
    with app.app_context():
        from govkit.db import db

        world = make_world(db.session)
        account = Applicant(kind="person", name=APPLICANT["name"], id_number=APPLICANT["id"], phone="13700000009",
                            phone_verified_at=utcnow())
        db.session.add(account)
        case = make_case(db.session, world, state="completed")
        db.session.add(OutboxMessage(topic="county.archive", key="archive-1", payload={}))
        db.session.commit()
        user = create_user(app, "受理员", world.village.code, username="relay-clerk")
        client = app.test_client()
        client.post("/login/", data={"username": user.username, "password": "pw-123456"})
        response = client.post(f"/desk/case/{case.id}/act/deliver", data={"method": "窗口领取", "receiver": "本人"})
        assert response.status_code == 302 and calls == []  # the request never called the gateway
        db.session.expire_all()
        assert db.session.get(type(case), case.id).state == "delivered"
        queued = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "applicant.message")).one()
        assert queued.payload["phone"] == "13700000009" and queued.payload["kind"] == "result"

        state = get_state(app)
        handlers = handlers_of(state.pm, state.settings)
        assert set(handlers) == {"applicant.message", "county.archive"}
        # The archive row went; the SMS failed (tried again in the same run after the batch that sent something).
        assert drain(db.session, None, handlers=handlers) == (1, 2)
        db.session.refresh(queued)
        assert queued.sent_at is None and queued.attempts == 2 and "短信平台超时" in queued.last_error
        assert archived == ["archive-1"] and len(calls) == 2
        down[0] = False
        assert drain(db.session, None, handlers=handlers) == (1, 0)  # retried by the next run
        db.session.refresh(queued)
        assert queued.sent_at is not None and queued.attempts == 3 and len(calls) == 3
        assert {m.case_number for m in calls} == {case.number} and "办件" in calls[2].text
        assert drain(db.session, None, handlers=handlers) == (0, 0) and len(calls) == 3  # sent once
        assert db.session.scalar(select(DevMessage)) is None


def test_a_status_message_is_committed_with_its_step_or_not_at_all(register_plugin):
    """行政许可法第四十四条 has the decision served on the applicant: the status message that tells an online applicant
    goes into the outbox inside the step's transaction (``case_event_recorded``), so a step that is undone tells
    nobody and a committed step never loses its message. A county plugin on the same hook that refuses a step
    undoes the step and the message, with its name in the clerk's message."""
    from sqlalchemy import func

    from govkit.cases.models import CaseEvent, OutboxMessage
    from govkit.errors import ValidationError
    from govkit.online.models import Applicant
    from govkit.orm import utcnow
    from govkit.testing.fixtures import create_user
    from tests.publicity.world import APPLICANT, make_case, make_world

    refuse, seen = [True], []

    @hookimpl
    def case_event_recorded(session, event, settings):
        # inside the transaction: the step's event row and the hall's message (an earlier plugin) are there
        seen.append((event.action, session.scalar(select(func.count(CaseEvent.id)).where(
            CaseEvent.id == event.event_id)), session.scalar(select(func.count(OutboxMessage.id)).where(
                OutboxMessage.topic == "applicant.message"))))
        if refuse[0] and event.action == "deliver":
            raise ValidationError("县档案系统未登记该办件的送达回证")

    app = register_plugin(types.SimpleNamespace(case_event_recorded=case_event_recorded), name="county_archive")
    with app.app_context():
        from govkit.db import db

        world = make_world(db.session)
        db.session.add(Applicant(kind="person", name=APPLICANT["name"], id_number=APPLICANT["id"],
                                 phone="13700000019", phone_verified_at=utcnow()))
        case = make_case(db.session, world, state="completed")
        db.session.commit()
        user = create_user(app, "受理员", world.village.code, username="tx-clerk")
        client = app.test_client()
        client.post("/login/", data={"username": user.username, "password": "pw-123456"})

        def messages_and_state():
            db.session.expire_all()
            return (db.session.scalar(select(func.count(OutboxMessage.id)).where(
                OutboxMessage.topic == "applicant.message")), db.session.get(type(case), case.id).state)

        refused = client.post(f"/desk/case/{case.id}/act/deliver", data={"method": "窗口领取", "receiver": "本人"},
                              follow_redirects=True)
        assert "插件 county_archive 的 case_event_recorded 钩子：县档案系统未登记该办件的送达回证" in refused.text
        assert seen == [("deliver", 1, 1)] and messages_and_state() == (0, "completed")  # undone, message too

        refuse[0] = False
        delivered = client.post(f"/desk/case/{case.id}/act/deliver", data={"method": "窗口领取", "receiver": "本人"})
        assert delivered.status_code == 302 and messages_and_state() == (1, "delivered")
        assert seen[1:] == [("deliver", 1, 1)]  # called once per step, the message already in the transaction
