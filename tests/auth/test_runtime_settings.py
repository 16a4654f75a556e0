"""运行参数 (issue 21 item 9, “settings changed through screens”): administrators change the runtime settings on a
CSRF-protected screen; every change is in the hash-chained audit trail with the old and new value, who and when;
the new value applies in this worker at once and in other workers within REFRESH_SECONDS.

Before: settings could only be changed in govkit.toml, with no screen and no record.
"""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from govkit.audit.models import AuditEntry
from govkit.audit.trail import verify
from govkit.auth import runtime_settings
from govkit.db import db
from govkit.state import get_state
from govkit.testing.fixtures import create_user

pytestmark = pytest.mark.both_backends

COUNTY = "621002000000"
SCREEN = "/admin/runtime-settings/"


def _entries() -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.table_name == "gk_runtime_setting")
                                   .order_by(AuditEntry.seq)))


def _login(client, username: str) -> None:
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/login/", data={"username": username, "password": "pw-123456",
                                        "csrf_token": token}).status_code == 302


def _token(client) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(SCREEN).get_data(as_text=True)).group(1)


def test_an_admin_changes_a_setting_on_the_screen_and_the_audit_trail_records_it(make_app):
    app = make_app(WTF_CSRF_ENABLED=True, YELLOW_CARD_DAYS=2)
    other_worker = make_app(YELLOW_CARD_DAYS=2)  # a second process on the same database
    with app.app_context():
        admin = create_user(app, "Admin", COUNTY, username="sysadmin")
        client = app.test_client()
        _login(client, admin.username)
        page = client.get(SCREEN).get_data(as_text=True)
        assert "运行参数" in page and "YELLOW_CARD_DAYS" in page and "0～30" in page
        assert "SECRET_KEY" not in page and "DATABASE_URL" not in page  # only the runtime ones

        # without the CSRF token: refused, nothing changed
        assert client.post(SCREEN + "save", data={"name": "YELLOW_CARD_DAYS", "value": "5"}).status_code == 400
        # a bad value: a Chinese message, nothing stored
        for bad, message in (("五", "无效"), ("99", "超出允许范围")):
            response = client.post(SCREEN + "save", data={"name": "YELLOW_CARD_DAYS", "value": bad,
                                                         "csrf_token": _token(client)}, follow_redirects=True)
            assert message in response.get_data(as_text=True)
        assert _entries() == [] and get_state(app).settings["YELLOW_CARD_DAYS"] == 2

        client.post(SCREEN + "save", data={"name": "YELLOW_CARD_DAYS", "value": "5", "csrf_token": _token(client)})
        assert get_state(app).settings["YELLOW_CARD_DAYS"] == 5  # this worker: at once
        entry = _entries()[-1]
        assert (entry.action, entry.actor, entry.row_key) == ("新增", "sysadmin", "YELLOW_CARD_DAYS")
        assert json.loads(entry.after)["value"] == "5"

        client.post(SCREEN + "save", data={"name": "YELLOW_CARD_DAYS", "value": "7", "csrf_token": _token(client)})
        change = _entries()[-1]
        assert change.action == "修改" and json.loads(change.before)["value"] == "5" \
            and json.loads(change.after)["value"] == "7"
        assert verify(db.session)[1] == []

    with other_worker.app_context():  # another worker sees it when its refresh is due
        assert get_state(other_worker).settings["YELLOW_CARD_DAYS"] == 2
        other_worker.extensions[runtime_settings._EXTENSION]["loaded_at"] -= runtime_settings.REFRESH_SECONDS
        other_worker.test_client().get("/public/")
        assert get_state(other_worker).settings["YELLOW_CARD_DAYS"] == 7

    with app.app_context():
        client.post(SCREEN + "save", data={"name": "YELLOW_CARD_DAYS", "reset": "1", "csrf_token": _token(client)})
        assert get_state(app).settings["YELLOW_CARD_DAYS"] == 2  # back to the config file's value
        assert _entries()[-1].action == "删除"


def test_only_administrators_open_the_screen(app, db, client, login_as):
    login_as("监察", COUNTY)
    assert client.get(SCREEN).status_code in (302, 403)
    assert client.post(SCREEN + "save", data={"name": "YELLOW_CARD_DAYS", "value": "9"}).status_code in (302, 403)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.table_name == "gk_runtime_setting")) == 0
