"""Bearer-token access to the case API with the per-process auth caches (govkit.auth.cache).

A cached token or actor must never outlive what it stands for: deactivating a user,
removing a role or moving a clerk to another division applies to the very next request
in this process; forged, expired and refresh tokens are refused whatever is cached.
"""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask import g

from govkit.auth import cache as auth_cache
from govkit.auth.cache import TTLCache
from govkit.testing.fixtures import create_user
from tests.cases.conftest import ID_NUMBER, OTHER_VILLAGE, VILLAGE, build_world

BASE = "/api/v1/case/"


@pytest.fixture
def world(db):
    return build_world(db.session)


def _token(user, **kwargs) -> str:
    from flask_jwt_extended import create_access_token

    return create_access_token(identity=str(user.id), **kwargs)


def _call(client, method, path, token, body=None):
    for key in ("_login_user", "user"):
        g.pop(key, None)
    return client.open(path, method=method, json=body if body is not None else {},
                       headers={"Authorization": f"Bearer {token}"})


def _register(client, token, world):
    return _call(client, "POST", BASE, token, {"implementation_id": world.implementation.id,
                                               "applicant_name": "张三", "applicant_id_number": ID_NUMBER})


def test_token_is_reused_and_deactivation_applies_at_once(app, client, db, world):
    user = create_user(app, "受理员", VILLAGE)
    token = _token(user)
    assert _register(client, token, world).status_code == 201
    generation = auth_cache.generation()
    assert _call(client, "GET", BASE, token).status_code == 200  # answered from the caches
    assert auth_cache.generation() == generation  # reading does not invalidate

    user.active = False
    db.session.commit()
    assert auth_cache.generation() > generation
    response = _call(client, "GET", BASE, token)
    assert response.status_code == 401


def test_role_removed_is_forbidden_on_the_next_request(app, client, db, world):
    user = create_user(app, "受理员", VILLAGE)
    token = _token(user)
    assert _call(client, "GET", BASE, token).status_code == 200
    user.roles = [app.appbuilder.sm.find_role("公开审核")]  # a role without the case API
    db.session.commit()
    # Removing a role raises the user's session epoch (docs/security.md, server-side revocation):
    # the old token is revoked at once; a new one carries the remaining roles only.
    assert _call(client, "GET", BASE, token).status_code == 401
    token = _token(user)
    assert _call(client, "GET", BASE, token).status_code == 403
    assert _register(client, token, world).status_code == 403


def test_moving_the_clerk_changes_the_scope_at_once(app, client, db, world):
    from govkit.hierarchy.models import Division, Staff

    user = create_user(app, "受理员", VILLAGE)
    token = _token(user)
    pk = _register(client, token, world).json["result"]["id"]
    assert _call(client, "GET", f"{BASE}{pk}", token).status_code == 200
    staff = db.session.query(Staff).filter_by(user_id=user.id).one()
    staff.division_id = db.session.query(Division).filter_by(code=OTHER_VILLAGE).one().id
    db.session.commit()
    response = _call(client, "GET", f"{BASE}{pk}", token)
    assert response.status_code == 404, response.json


def test_forged_expired_and_refresh_tokens_are_refused(app, client, world):
    from flask_jwt_extended import create_refresh_token

    user = create_user(app, "受理员", VILLAGE)
    good = _token(user)
    assert _call(client, "GET", BASE, good).status_code == 200  # now cached
    head, payload, signature = good.split(".")
    forged = ".".join([head, payload, signature[:-3] + ("AAA" if signature[-3:] != "AAA" else "BBB")])
    assert _call(client, "GET", BASE, forged).status_code == 401
    assert _call(client, "GET", BASE, create_refresh_token(identity=str(user.id))).status_code == 401
    assert _call(client, "GET", BASE, "not-a-token").status_code == 401

    short = _token(user, expires_delta=timedelta(seconds=1))
    assert _call(client, "GET", BASE, short).status_code == 200
    time.sleep(1.2)
    response = _call(client, "GET", BASE, short)
    assert response.status_code == 401 and "登录" in response.json["message"]


def test_ttl_cache_expiry_generation_and_size(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(auth_cache.time, "monotonic", lambda: now[0])
    cache = TTLCache(ttl=30, max_entries=2)
    cache.put("a", 1)
    assert cache.get("a") == 1
    now[0] += 29.9
    assert cache.get("a") == 1
    now[0] += 0.2
    assert cache.get("a") is None  # expired

    cache.put("b", 2, ttl=5)  # a shorter ttl (the token's own expiry) wins
    now[0] += 6
    assert cache.get("b") is None
    cache.put("c", 3, ttl=100)  # never longer than the cache's ttl
    now[0] += 31
    assert cache.get("c") is None

    cache.put("d", 4)
    auth_cache.bump()
    assert cache.get("d") is None  # invalidated by a change in this process

    built = []
    assert cache.get_or_build("e", lambda: built.append(1) or 5) == 5
    assert cache.get_or_build("e", lambda: built.append(1) or 6) == 5 and built == [1]
    cache.put("f", 6)
    cache.put("g", 7)
    assert cache.get("e") is None and cache.get("g") == 7  # least recently used evicted

    stale = TTLCache(ttl=30)

    def build_while_changed():
        auth_cache.bump()  # a flush in this process while the value was being read
        return "old"

    assert stale.get_or_build("h", build_while_changed) == "old"
    assert stale.get("h") is None  # stored with the generation it was read under

    off = TTLCache(ttl=0)
    off.put("x", 1)
    assert off.get("x") is None
