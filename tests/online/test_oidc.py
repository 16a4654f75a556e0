"""Login through a province's unified identity (统一身份认证) against a REAL OpenID provider on loopback:
panva/oidc-provider (OpenID Certified, npm; tests/online/oidc_provider), run with node by this test.

The browser side (the provider's own login and consent pages) is driven over HTTP with requests; govkit's side
is the test client. Authlib checks the ID token (signature from the provider's JWKS, issuer, audience, nonce).
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from sqlalchemy import select

from govkit.online.models import Applicant
from govkit.testing.services import free_port, missing

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
CALLBACK = "http://localhost/online/oidc/province/callback"


@pytest.fixture(scope="module")
def provider():
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        missing("node with tests/online/oidc_provider installed (npm ci)")
    port = free_port()
    process = subprocess.Popen([node, "server.mjs", str(port), CALLBACK], cwd=PROVIDER_DIR,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("listening "), line
        yield line.split()[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


def provider_settings(issuer: str) -> dict:
    return {"ONLINE_IDENTITY_PROVIDERS": [{
        "name": "province", "label": "省统一身份认证", "issuer": issuer, "client_id": "govkit",
        "client_secret": "govkit-test-secret"}]}


def sign_in_at_provider(authorize_url: str, login: str) -> str:
    """The person logs in and consents on the provider's own pages; returns govkit's callback URL."""
    browser = requests.Session()
    url = authorize_url
    for _ in range(12):
        response = browser.get(url, allow_redirects=False, timeout=10)
        while response.status_code in (302, 303):
            url = urljoin(url, response.headers["Location"])
            if url.startswith(CALLBACK):
                return url
            response = browser.get(url, allow_redirects=False, timeout=10)
        action = urljoin(url, re.search(r'<form[^>]*action="([^"]+)"', response.text).group(1))
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', response.text))
        fields.update({"login": login, "password": "any"} if 'name="login"' in response.text else {})
        response = browser.post(action, data=fields, allow_redirects=False, timeout=10)
        url = urljoin(action, response.headers["Location"])
        if url.startswith(CALLBACK):
            return url
    raise AssertionError("the provider never sent the browser back to govkit")


def oidc_login(client, login: str):
    start = client.get("/online/oidc/province/login")
    assert start.status_code == 302, start.get_data(as_text=True)
    callback = sign_in_at_provider(start.headers["Location"], login)
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


def test_unified_identity_login_maps_the_person_to_an_applicant_account(provider, make_app):
    app = make_app(**provider_settings(provider))
    with app.app_context():
        from govkit.db import db

        # 张三 already has an account (signed up by phone): the ID-number claim finds it.
        db.session.add(Applicant(kind="person", name="张三", id_number="11010519491231002X", phone="13800138000"))
        db.session.commit()
        client = app.test_client()
        assert "省统一身份认证" in client.get("/online/login").get_data(as_text=True)
        done = oidc_login(client, "zhangsan")
        assert done.status_code == 302 and done.headers["Location"] == "/online/", done.get_data(as_text=True)
        assert "我的办件" in client.get("/online/").get_data(as_text=True)
        zhang = db.session.scalar(select(Applicant).where(Applicant.id_number == "11010519491231002X"))
        assert zhang.oidc_subject == f"{provider}|zhangsan"
        # 李四 is new: an account is made from the claims (name, number, the province-verified phone).
        other = app.test_client()
        assert oidc_login(other, "lisi").status_code == 302
        li = db.session.scalar(select(Applicant).where(Applicant.id_number == "440524198001010013"))
        assert (li.name, li.phone, li.phone_verified_at is not None) == ("李四", "13900139000", True)
        # A person without an ID-number claim is not mapped to anyone.
        refused = oidc_login(app.test_client(), "nobody")
        assert refused.status_code == 400 and "未提供身份证号码" in refused.get_data(as_text=True)
        # A forged callback (no state of this session) is refused.
        forged = app.test_client().get("/online/oidc/province/callback?code=x&state=y")
        assert forged.status_code == 400 and "重新登录" in forged.get_data(as_text=True)
        assert db.session.scalar(select(Applicant).where(Applicant.name == "无证件")) is None
