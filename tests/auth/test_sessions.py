"""Server-side session revocation, idle timeout, Secure cookies and the CSRF/bearer rule (issue 21, items 1 and 3).

Each test failed on the behaviour before: a copied cookie kept working after ``GET /logout/``, a
password change or a deactivation; ``Authorization: Bearer <anything>`` switched CSRF off for a
request the session cookie then authenticated.
"""
from __future__ import annotations

import re

import pytest
from flask import Flask

from govkit.auth.models import SessionEpoch
from govkit.db import db
from govkit.testing.fixtures import create_user

COUNTY = "621002000000"
CASES = "/api/v1/case/"


def _login(client, username: str, password: str = "pw-123456"):
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"username": username, "password": password}
    if token:
        data["csrf_token"] = token.group(1)
    response = client.post("/login/", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def _csrf(client, path: str = "/") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "the page offers no CSRF token"
    return match.group(1)


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app: Flask, cookie: str):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get(CASES)


def _token(client, username: str, password: str = "pw-123456") -> str:
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": password, "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


@pytest.fixture
def app_with(make_app):
    """``app_with(**settings)``: a new app with its context pushed for the rest of the test."""
    contexts = []

    def build(**settings):
        app = make_app(**settings)
        context = app.app_context()
        context.push()
        contexts.append(context)
        return app

    yield build
    for context in reversed(contexts):
        context.pop()


@pytest.fixture
def csrf_app(app_with):
    return app_with(WTF_CSRF_ENABLED=True)


def test_replayed_cookie_after_logout_is_refused(csrf_app):
    user = create_user(csrf_app, "Admin", COUNTY)
    client = csrf_app.test_client()
    _login(client, user.username)
    cookie = _cookie(client)
    assert _replay(csrf_app, cookie).status_code == 200

    response = client.post("/logout/", data={"csrf_token": _csrf(client, "/users/list/")})

    assert response.status_code == 302
    assert _replay(csrf_app, cookie).status_code == 401


def test_logout_is_post_only_and_needs_the_csrf_token(csrf_app):
    user = create_user(csrf_app, "Admin", COUNTY)
    client = csrf_app.test_client()
    _login(client, user.username)

    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 400  # a cross-site form cannot log anyone out
    assert client.get(CASES).status_code == 200


def test_logout_form_in_the_menu_posts_with_the_token(csrf_app):
    user = create_user(csrf_app, "Admin", COUNTY)
    client = csrf_app.test_client()
    _login(client, user.username)
    page = client.get("/users/list/").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/logout/"', page)
    assert 'href="/logout/"' not in page


@pytest.mark.parametrize("change", ["password", "deactivate", "role"])
def test_account_changes_end_every_session_and_token(app, change):
    user = create_user(app, "Admin", COUNTY)
    client = app.test_client()
    _login(client, user.username)
    cookie = _cookie(client)
    token = _token(app.test_client(), user.username)
    bearer = {"Authorization": f"Bearer {token}"}
    assert _replay(app, cookie).status_code == 200
    assert app.test_client().get(CASES, headers=bearer).status_code == 200

    sm = app.appbuilder.sm
    user = sm.get_user_by_id(user.id)
    if change == "password":
        sm.reset_password(user.id, "a-new-long-password")
    elif change == "deactivate":
        user.active = False
        sm.update_user(user)
    else:
        user.roles = [sm.find_role("Public")]
        sm.update_user(user)

    assert _replay(app, cookie).status_code == 401
    assert app.test_client().get(CASES, headers=bearer).status_code == 401


def test_other_workers_see_the_revocation_within_the_cache_time(app_with):
    app = app_with(AUTH_CACHE_SECONDS=0)  # a worker that caches nothing reads the epoch every time
    user = create_user(app, "Admin", COUNTY)
    client = app.test_client()
    _login(client, user.username)
    cookie = _cookie(client)
    # Another process raises the epoch directly in the database (no listener of this worker fires).
    with db.engine.begin() as connection:
        connection.execute(SessionEpoch.__table__.insert().values(user_id=user.id, epoch=7, changed_at=0.0))

    assert _replay(app, cookie).status_code == 401


def test_idle_session_ends(app_with, monkeypatch):
    app = app_with(SESSION_IDLE_MINUTES=5)
    user = create_user(app, "Admin", COUNTY)
    client = app.test_client()
    _login(client, user.username)
    assert client.get(CASES).status_code == 200
    import govkit.auth.sessions as sessions  # deferred: only to move its clock

    real = sessions.time.time()
    monkeypatch.setattr(sessions.time, "time", lambda: real + 6 * 60)

    assert client.get(CASES).status_code == 401


@pytest.mark.parametrize("base, secure", [("https://zwfw.example.gov.cn", True), ("http://127.0.0.1:5000", False)])
def test_cookies_are_secure_behind_https(make_app, base, secure):
    app = make_app(PUBLIC_BASE_URL=base)
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    assert app.config["REMEMBER_COOKIE_SECURE"] is secure


def test_bogus_bearer_header_does_not_skip_csrf(csrf_app):
    """The withdrawn-case attack: a cookie session plus ``Authorization: Bearer x`` and no CSRF token."""
    user = create_user(csrf_app, "Admin", COUNTY)
    client = csrf_app.test_client()
    _login(client, user.username)

    response = client.post("/logout/", headers={"Authorization": "Bearer x"})

    assert response.status_code == 400
    assert client.get(CASES).status_code == 200  # still logged in: the forged POST did nothing


def test_valid_bearer_token_needs_no_csrf_and_is_judged_alone(csrf_app):
    @csrf_app.post("/_csrf_probe")
    def probe():
        return "ok"

    user = create_user(csrf_app, "Admin", COUNTY)
    token = _token(csrf_app.test_client(), user.username)
    client = csrf_app.test_client()

    assert client.post("/_csrf_probe").status_code == 400
    assert client.post("/_csrf_probe", headers={"Authorization": "Bearer x"}).status_code == 400
    assert client.post("/_csrf_probe", headers={"Authorization": f"Bearer {token}"}).status_code == 200
