"""The signed-in user of a page comes from a per-worker copy (GovkitSecurityManager.load_user), not a query a page.

Each request gets a user of its own in its session (changes to it never reach the copy); a change to users or
roles flushed in this worker drops the copy at once; ``AUTH_CACHE_SECONDS = 0`` loads the user every time.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from govkit.db import db
from govkit.testing.fixtures import create_user

COUNTY = "621002000000"


def _login(client, username: str, password: str = "pw-123456") -> None:
    response = client.post("/login/", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


class Statements:
    """The SQL statements the app's engine runs inside the ``with`` block."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._note)

    def _note(self, conn, cursor, statement, *args):
        self.seen.append(statement)

    def reading(self, table: str) -> list[str]:
        return [s for s in self.seen if re.search(rf"\bFROM {table}\b", s)]


@pytest.fixture
def signed_in(app):
    user = create_user(app, "Admin", COUNTY)
    client = app.test_client()
    _login(client, user.username)
    client.get("/")  # the first page after the login loads and keeps the copy
    return user, client


def _loads(statements: Statements) -> list[str]:
    """Statements loading one user by primary key (what flask-login's user loader ran on every request)."""
    return [s for s in statements.reading("ab_user") if re.search(r"WHERE ab_user\.id = ", s)]


def test_pages_read_the_signed_in_user_without_a_query(app, signed_in):
    user, client = signed_in
    with Statements() as statements:
        assert client.get("/").status_code == 200
        page = client.get("/users/show/%d" % user.id)
    assert page.status_code == 200 and user.username in page.get_data(as_text=True)
    assert len(_loads(statements)) == 1  # the user shown, not the user signed in


def test_each_request_gets_its_own_user_and_changes_to_it_stay_there(make_app):
    from flask_login import current_user
    from sqlalchemy.orm.attributes import set_committed_value

    app = make_app()
    seen = []

    @app.before_request
    def _touch():
        if current_user.is_authenticated:
            user = current_user._get_current_object()
            seen.append((user, user.last_name))
            # Changed in place without a flush (a flush would drop the copy): were this the worker's copy,
            # the next request would see it.
            set_committed_value(user, "last_name", "旁改")

    with app.app_context():
        user = create_user(app, "Admin", COUNTY)
        user_id, username = user.id, user.username
    client = app.test_client()  # each request in an app context (and a session) of its own, as in production
    _login(client, username)
    client.get("/")
    with app.app_context(), Statements() as statements:
        client.get("/")
        client.get("/")
    assert not _loads(statements)  # served from the copy
    assert [name for _, name in seen] == ["测试"] * 3  # no request saw what the one before it did to its user
    with app.app_context():
        assert app.appbuilder.sm.get_user_by_id(user_id).last_name == "测试"
        assert app.appbuilder.sm.load_user(user_id).last_name == "测试"


def test_a_role_change_is_seen_by_the_next_page(app, signed_in):
    user, client = signed_in
    assert client.get("/users/list/").status_code == 200
    sm = app.appbuilder.sm
    changed = sm.get_user_by_id(user.id)
    changed.roles = [sm.find_role("Public")]
    sm.update_user(changed)  # a flush through govkit's session drops the copies of this worker
    assert client.get("/users/list/").status_code in (302, 401, 403)


def test_without_the_cache_every_request_loads_the_user(make_app):
    app = make_app(AUTH_CACHE_SECONDS=0)
    with app.app_context():
        user = create_user(app, "Admin", COUNTY)
        client = app.test_client()
        _login(client, user.username)
        with Statements() as statements:
            client.get("/")
            client.get("/")
        assert len(_loads(statements)) == 2
