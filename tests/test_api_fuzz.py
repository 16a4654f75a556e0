"""Property-based fuzz of the served OpenAPI document (schemathesis): no request answers 5xx, for any role.

The document ``/api/v1/_openapi`` (govkit's case and screen APIs and Flask-AppBuilder's own security
API) is loaded as Admin; Hypothesis generates requests for every operation, and each generated
request is sent with the bearer token of the next role in turn, so every role gets its share of
every operation. The run is bounded (``EXAMPLES`` per operation, derandomised), prints the number of
requests per role, and fails on any 5xx with the request that caused it.
"""
from __future__ import annotations

import time

import pytest
from flask import g

from govkit.db import db
from tests.cases.conftest import TOWNSHIP, VILLAGE, build_world

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

ROLES = [("受理员", VILLAGE), ("代办员", VILLAGE), ("指挥中心", TOWNSHIP), ("办理员", TOWNSHIP), ("监察", TOWNSHIP),
         ("事项管理员", TOWNSHIP), ("公开审核", TOWNSHIP), ("Admin", TOWNSHIP)]
EXAMPLES = 2 * len(ROLES)  # generated requests per operation, shared round-robin among the roles


@pytest.fixture
def govkit_db_url(govkit_backend, govkit_databases):
    """A database of the fuzz run's own, dropped after it.

    The generated requests include DELETEs on Flask-AppBuilder's security API (resources, permissions,
    roles) as Admin. FAB's permission tables are kept between the tests of a worker on the shared
    database, and SQLite does not enforce their foreign keys, so the run would leave permission rows
    naming deleted view menus for the tests after it.
    """
    url = govkit_databases.copy(govkit_backend, "schema")
    yield url
    govkit_databases.drop(url)


def _token(app, login_as, role, code) -> str:
    client = app.test_client()
    g.pop("_login_user", None)
    user = login_as(role, code, test_client=client)
    response = client.post("/api/v1/security/login", json={"username": user.username, "password": "pw-123456",
                                                           "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["access_token"]


def fuzz(app, admin_token: str, tokens: dict[str, str], examples: int = EXAMPLES):
    """Send generated requests to every operation; (requests per role, descriptions of 5xx answers)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app,
                                            headers={"Authorization": f"Bearer {admin_token}"})
    roles = list(tokens)
    sent = {role: 0 for role in roles}
    errors: list[str] = []
    turn = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            nonlocal turn
            role = roles[turn % len(roles)]
            turn += 1
            sent[role] += 1
            g.pop("_login_user", None)
            try:  # the test app propagates exceptions instead of answering 500
                status = case.call(headers={"Authorization": f"Bearer {tokens[role]}"}).status_code
            except Exception as exc:  # noqa: BLE001 - any escape is what a server answers as 500
                db.session.rollback()
                status = f"500 ({type(exc).__name__}: {str(exc)[:80]})"
            if not isinstance(status, int) or status >= 500:
                errors.append(f"{role}: {case.method} {case.formatted_path} q={case.query} "
                              f"body={str(case.body)[:80]} → {status}")

        run()
    return sent, errors


def test_no_generated_request_answers_5xx_for_any_role(app, db, login_as, capsys):
    build_world(db.session)
    db.session.commit()
    tokens = {role: _token(app, login_as, role, code) for role, code in ROLES}
    started = time.perf_counter()
    sent, errors = fuzz(app, tokens["Admin"], tokens)
    with capsys.disabled():
        print(f"\nschemathesis: {sum(sent.values())} generated requests in {time.perf_counter() - started:.0f} s, "
              f"{len(errors)} answered 5xx; per role: " + ", ".join(f"{r} {n}" for r, n in sent.items()))
    assert min(sent.values()) > 50
    assert errors == [], "\n".join(errors)
