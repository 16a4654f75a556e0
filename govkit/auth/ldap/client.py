"""The LDAP client (目录登录): binds and searches against the configured directories with ldap3.

Plain Python, no Flask: :func:`authenticate` takes the configured
directories, a username and a password, and answers with a
:class:`DirectoryIdentity` (who the person is, their govkit roles and home
division) or ``None``.  The security manager turns that into a FAB user.

Rules that matter for security, and where they are kept:

* every username is escaped before it goes into a filter
  (``escape_filter_chars``) or a DN template (``escape_rdn``);
* empty or blank passwords are refused before any server is contacted, since
  a simple bind with a DN and no password is an *unauthenticated* bind that
  many servers answer with success;
* unknown user and wrong password give the same ``None``, and an unknown user
  still costs one bind so the two take about as long;
* referrals are not chased, so credentials never go to a host not configured.
"""
from __future__ import annotations

import logging
import math
import secrets
import ssl
import unicodedata
from collections.abc import Sequence

import ldap3
from ldap3.core import exceptions as ldap_errors
from ldap3.core import results as ldap_results
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from govkit.auth.ldap.config import DirectoryConfig
from govkit.auth.ldap.mapping import DirectoryIdentity, first_rdn_value, identity
from govkit.errors import DirectoryUnavailable

__all__ = ["authenticate", "clean_username", "usable_password", "MAX_USERNAME_LENGTH"]

log = logging.getLogger(__name__)

MAX_USERNAME_LENGTH = 128
# Errors that mean "this server cannot be used now": try the next URL.
_NETWORK_ERRORS = (ldap_errors.LDAPCommunicationError, ldap_errors.LDAPStartTLSError)
_SERVER_BUSY = {ldap_results.RESULT_BUSY, ldap_results.RESULT_UNAVAILABLE}


class _Unreachable(Exception):
    """No URL of one directory answered (or its service account was refused)."""


_NOT_FOUND = object()


def authenticate(
    directories: Sequence[DirectoryConfig], username: str, password: str
) -> DirectoryIdentity | None:
    """Check ``username``/``password`` against ``directories`` in order.

    The first directory that knows the username decides: a wrong password
    there is ``None`` without asking the next directory.  In ``direct`` mode
    an unknown user and a wrong password look alike, so the next directory
    is asked.  Returns ``None`` for any failed login (the caller shows one
    message for all of them) and raises :class:`DirectoryUnavailable` only
    when not one directory could be reached.
    """
    username = clean_username(username)
    if username is None or not usable_password(password):
        return None
    unreachable: list[str] = []
    for directory in directories:
        try:
            outcome = _authenticate_in(directory, username, password)
        except _Unreachable as exc:
            log.warning("LDAP directory %r unreachable: %s", directory.name, exc)
            unreachable.append(directory.name)
            continue
        if outcome is _NOT_FOUND:
            continue
        if outcome is not None:
            log.info("LDAP directory %r authenticated %r", directory.name, outcome.username)
        return outcome  # type: ignore[return-value]
    if directories and len(unreachable) == len(directories):
        raise DirectoryUnavailable(
            "目录服务暂时无法连接，请稍后再试；本地管理员账号仍可登录。",
            directories=tuple(unreachable),
        )
    return None


def clean_username(username: object) -> str | None:
    """The username without surrounding blanks, or None when it cannot be valid."""
    if not isinstance(username, str):
        return None
    username = username.strip()
    if not username or len(username) > MAX_USERNAME_LENGTH:
        return None
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in username):
        return None
    return username


def usable_password(password: object) -> bool:
    """False for passwords that would turn a bind into an anonymous one."""
    return isinstance(password, str) and bool(password.strip())


# --- one directory -------------------------------------------------------


def _authenticate_in(directory: DirectoryConfig, username: str, password: str):
    session = _Session(directory)
    if directory.mode == "direct":
        return _direct(session, username, password)
    return _search_then_bind(session, username, password)


def _search_then_bind(session: _Session, username: str, password: str):
    directory = session.directory
    service = session.bind(directory.bind_dn, directory.bind_password)
    if service is None:
        log.error("LDAP directory %r refused the service account %r",
                  directory.name, directory.bind_dn)
        raise _Unreachable("service account bind refused")
    try:
        user_filter = directory.user_filter.replace("{username}", escape_filter_chars(username))
        entries = session.search(
            service, directory.base_dn, user_filter, ldap3.SUBTREE, directory.user_attributes()
        )
        if not entries:
            # Spend one bind anyway, so an unknown name is not faster than a wrong password.
            decoy = f"cn=govkit-decoy-{secrets.token_hex(8)},{directory.base_dn}"
            _close(session.bind(decoy, password))
            return _NOT_FOUND
        if len(entries) > 1:
            log.warning("LDAP directory %r: %d entries match one username; refusing",
                        directory.name, len(entries))
            return None
        user_dn, attributes = entries[0]
        user = session.bind(user_dn, password)
        if user is None:
            return None
        _close(user)
        groups = _groups(session, service, user_dn, username, attributes)
    finally:
        _close(service)
    return identity(directory, username, user_dn, attributes, groups)


def _direct(session: _Session, username: str, password: str):
    directory = session.directory
    user_dn = directory.user_dn_template.replace("{username}", escape_rdn(username))
    user = session.bind(user_dn, password)
    if user is None:
        return _NOT_FOUND
    try:
        entries = session.search(
            user, user_dn, "(objectClass=*)", ldap3.BASE, directory.user_attributes()
        )
        attributes = entries[0][1] if entries else {}
        groups = _groups(session, user, user_dn, username, attributes)
    finally:
        _close(user)
    return identity(directory, username, user_dn, attributes, groups)


class _Session:
    """Connections to one directory, failing over between its URLs."""

    def __init__(self, directory: DirectoryConfig) -> None:
        self.directory = directory
        self.servers = [self._server(url) for url in directory.urls]

    def _server(self, url: str) -> ldap3.Server:
        directory = self.directory
        tls = None
        if directory.use_ssl or directory.use_starttls or url.lower().startswith("ldaps://"):
            tls = ldap3.Tls(
                validate=ssl.CERT_REQUIRED,
                version=ssl.PROTOCOL_TLS_CLIENT,
                ca_certs_file=directory.ca_file,
            )
        return ldap3.Server(
            url,
            use_ssl=directory.use_ssl or url.lower().startswith("ldaps://"),
            tls=tls,
            connect_timeout=directory.connect_timeout,
            get_info=ldap3.NONE,
        )

    def bind(self, user: str | None, password: str | None) -> ldap3.Connection | None:
        """A connection bound as ``user`` (anonymous when None), or None if refused.

        Raises :class:`_Unreachable` when no URL answers.
        """
        errors = []
        for server in list(self.servers):
            connection = ldap3.Connection(
                server,
                user=user,
                password=password,
                authentication=ldap3.SIMPLE if user else ldap3.ANONYMOUS,
                # ldap3 packs this into a C struct: whole seconds only.
                receive_timeout=max(1, math.ceil(self.directory.receive_timeout)),
                auto_referrals=False,
                read_only=True,
                raise_exceptions=False,
            )
            try:
                connection.open()
                if self.directory.use_starttls and not connection.start_tls():
                    raise ldap_errors.LDAPStartTLSError(str(connection.result))
                bound = connection.bind()
            except _NETWORK_ERRORS as exc:
                errors.append(f"{server.host}:{server.port}: {exc}")
                _close(connection)
                continue
            result = connection.result.get("result")
            if not bound and result in _SERVER_BUSY:
                description = connection.result.get("description")
                errors.append(f"{server.host}:{server.port}: {description}")
                _close(connection)
                continue
            # This URL answers: the rest of this login asks it first.
            self.servers.remove(server)
            self.servers.insert(0, server)
            if bound:
                return connection
            _close(connection)
            return None
        raise _Unreachable("; ".join(errors) or "no URL configured")

    def search(self, connection, base: str, search_filter: str, scope, attributes, size_limit=2):
        """Entries as ``(dn, {attribute name lowercased: [str values]})``."""
        try:
            connection.search(
                base,
                search_filter,
                search_scope=scope,
                attributes=attributes or [ldap3.NO_ATTRIBUTES],
                size_limit=size_limit,
                time_limit=int(self.directory.receive_timeout) or 1,
            )
        except _NETWORK_ERRORS as exc:
            raise _Unreachable(str(exc)) from exc
        if connection.result.get("result") in _SERVER_BUSY:
            raise _Unreachable(str(connection.result.get("description")))
        entries = []
        for item in connection.response or ():
            if item.get("type") != "searchResEntry":
                continue
            attributes = item.get("attributes", {})
            values = {name.lower(): _as_strings(value) for name, value in attributes.items()}
            entries.append((item["dn"], values))
        return entries


def _close(connection: ldap3.Connection | None) -> None:
    if connection is None or connection.closed:
        return
    try:
        connection.unbind()
    except ldap_errors.LDAPException as exc:
        # The socket may already be gone; nothing is left to release.
        log.debug("LDAP unbind failed: %s", exc)


def _as_strings(value) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for item in values:
        if isinstance(item, bytes):
            item = item.decode("utf-8", errors="replace")
        text = str(item).strip()
        if text:
            out.append(text)
    return out


# --- the user's groups --------------------------------------------------


def _groups(session, connection, user_dn, username, attributes) -> list[tuple[str, list[str]]]:
    """The user's groups as ``(dn, names)``."""
    directory = session.directory
    if directory.group_search_base:
        group_filter = (
            directory.group_filter
            .replace("{user_dn}", escape_filter_chars(user_dn))
            .replace("{username}", escape_filter_chars(username))
        )
        name = directory.group_name_attribute
        entries = session.search(
            connection, directory.group_search_base, group_filter, ldap3.SUBTREE, [name],
            size_limit=0,
        )
        return [(dn, values.get(name.lower()) or [first_rdn_value(dn)]) for dn, values in entries]
    if directory.member_of_attribute:
        member_of = attributes.get(directory.member_of_attribute.lower(), [])
        return [(dn, [first_rdn_value(dn)]) for dn in member_of]
    return []

