"""Shared by the page crawlers (tests/test_screens_crawl.py, tests/test_security_headers.py):
a seeded demo county on the test backend, and a login through the real form (with its CSRF token)."""
from __future__ import annotations

import re

import county_demo


def demo_county(govkit_backend, tmp_path_factory, request, name: str, cases: int):
    """The demo county seeded with ``cases`` cases, on SQLite or the suite's PostgreSQL cluster."""
    folder = tmp_path_factory.mktemp(f"{name}-demo")
    overrides = {"SECRET_KEY": f"{name}-test", "TESTING": True}
    if govkit_backend == "postgres":
        overrides["DATABASE_URL"] = request.getfixturevalue("postgres_cluster").create_database(f"{name}_demo")
    return county_demo.prepare(folder, reset=True, echo=lambda line: None, cases=cases, **overrides)


def login(app, username: str, password: str):
    """A test client logged in through /login/ as ``username``; fails the test when the login is refused."""
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login/", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302 and "/login" not in response.headers["Location"], username
    return client
