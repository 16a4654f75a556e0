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
