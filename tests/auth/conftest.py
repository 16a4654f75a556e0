"""Fixtures for directory-login tests: a real slapd loaded with ``county.ldif``."""
from __future__ import annotations

from pathlib import Path

import ldap3
import pytest

from govkit.auth.ldap import DirectoryConfig
from govkit.testing.services import missing

from .slapd import (
    READER_DN,
    READER_PASSWORD,
    ROOT_DN,
    ROOT_PASSWORD,
    SUFFIX,
    Slapd,
    county_config,
    free_port,
    missing_tools,
)

FIXTURES = Path(__file__).parent / "fixtures"
COUNTY_LDIF = FIXTURES / "county.ldif"
PROVINCE_LDIF = FIXTURES / "province.ldif"
PROVINCE_SUFFIX = "dc=province,dc=example"


def _require_slapd() -> None:
    absent = missing_tools()
    if absent:
        # Skips, or fails when GOVKIT_REQUIRE_SERVICES=1 (CI).
        missing(f"OpenLDAP ({', '.join(absent)}; apt-get install slapd ldap-utils)")


def pytest_collection_modifyitems(items):
    """Mark every test that starts slapd with ``ldap`` (``-m "not ldap"`` deselects them)."""
    for item in items:
        if {"slapd", "own_slapd", "province_slapd"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.ldap)


def start_slapd(workdir: Path, ldif: Path = COUNTY_LDIF, suffix: str = SUFFIX) -> Slapd:
    """Start a slapd in ``workdir`` loaded with ``ldif``; skips (or fails) without OpenLDAP."""
    _require_slapd()
    server = Slapd(workdir, suffix=suffix)
    server.start()
    try:
        server.load(ldif)
    except RuntimeError:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def slapd(tmp_path_factory) -> Slapd:
    """One slapd for the whole session; tests that change entries restore them."""
    server = start_slapd(tmp_path_factory.mktemp("slapd"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def province_slapd(tmp_path_factory) -> Slapd:
    """A second directory, the province's, loaded with ``province.ldif``."""
    server = start_slapd(tmp_path_factory.mktemp("province"), PROVINCE_LDIF, PROVINCE_SUFFIX)
    yield server
    server.stop()


@pytest.fixture
def own_slapd(tmp_path) -> Slapd:
    """A slapd of the test's own, which the test may stop."""
    server = start_slapd(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def county(slapd) -> DirectoryConfig:
    return county_config(slapd)


@pytest.fixture
def down_directory() -> DirectoryConfig:
    """A directory whose only URL is a loopback port nobody listens on."""
    return DirectoryConfig(
        name="down",
        urls=[f"ldap://127.0.0.1:{free_port()}"],
        base_dn=SUFFIX,
        bind_dn=READER_DN,
        bind_password=READER_PASSWORD,
        connect_timeout=1,
    )


@pytest.fixture
def ldap_admin(slapd) -> ldap3.Connection:
    """A connection bound as the root DN, for changing entries during a test."""
    connection = ldap3.Connection(
        ldap3.Server(slapd.url, get_info=ldap3.NONE), ROOT_DN, ROOT_PASSWORD, auto_bind=True
    )
    yield connection
    connection.unbind()
