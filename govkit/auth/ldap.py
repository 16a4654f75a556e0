"""Directory logins (目录登录) against LDAP directories with ldap3.

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
import os
import re
import secrets
import ssl
import unicodedata
from collections.abc import Mapping, Sequence
from typing import NoReturn
from dataclasses import dataclass, field, fields
from types import MappingProxyType

import ldap3
from ldap3.core import exceptions as ldap_errors
from ldap3.core import results as ldap_results
from ldap3.operation.search import parse_filter
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn, parse_dn

from govkit.errors import DirectoryUnavailable, SettingsError

__all__ = ["DirectoryConfig", "DirectoryIdentity", "authenticate", "MAX_USERNAME_LENGTH"]

log = logging.getLogger(__name__)

MAX_USERNAME_LENGTH = 128
_DIVISION_CODE = re.compile(r"\d{12}")
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9._+-]+")
# Errors that mean "this server cannot be used now": try the next URL.
_NETWORK_ERRORS = (ldap_errors.LDAPCommunicationError, ldap_errors.LDAPStartTLSError)
_SERVER_BUSY = {ldap_results.RESULT_BUSY, ldap_results.RESULT_UNAVAILABLE}


DEFAULT_USER_FILTER = "(&(objectClass=inetOrgPerson)(uid={username}))"
DEFAULT_GROUP_FILTER = "(&(objectClass=groupOfNames)(member={user_dn}))"


@dataclass(frozen=True)
class DirectoryConfig:
    """One LDAP directory (目录服务): where it is, how to log in, how to map people.

    ``mode="search"`` binds as ``bind_dn`` (or anonymously when it is None),
    finds the user under ``base_dn`` with ``user_filter`` and binds as the
    entry found; ``mode="direct"`` binds as ``user_dn_template`` filled in.
    ``urls`` are tried in order.  Groups come from ``member_of_attribute``, or
    from a search under ``group_search_base`` with ``group_filter`` when that
    is set.  ``group_roles`` keys are group DNs or group names (``cn``).
    """

    name: str
    urls: tuple[str, ...]
    mode: str = "search"
    base_dn: str = ""
    bind_dn: str | None = None
    bind_password: str | None = field(default=None, repr=False)
    user_dn_template: str | None = None
    user_filter: str = DEFAULT_USER_FILTER
    username_attribute: str = "uid"
    use_starttls: bool = False
    use_ssl: bool = False
    ca_file: str | None = None
    connect_timeout: float = 5.0
    receive_timeout: float = 10.0
    display_name_attributes: tuple[str, ...] = ("displayName", "cn")
    email_attribute: str | None = "mail"
    phone_attribute: str | None = "telephoneNumber"
    member_of_attribute: str | None = "memberOf"
    group_search_base: str | None = None
    group_filter: str = DEFAULT_GROUP_FILTER
    group_name_attribute: str = "cn"
    group_roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    default_roles: tuple[str, ...] = ()
    division_attribute: str | None = None
    division_map: Mapping[str, str] = field(default_factory=dict, hash=False)
    department_attribute: str | None = None
    department_map: Mapping[str, str] = field(default_factory=dict, hash=False)
    sync_roles: bool = True
    sync_division: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise SettingsError("LDAP 目录的设置 name 不能为空。", key="name")
        set_ = object.__setattr__  # frozen: normalise once, here
        for key in ("urls", "display_name_attributes", "default_roles"):
            set_(self, key, _string_tuple(self, key, getattr(self, key)))
        roles = {
            str(group): _string_tuple(self, f"group_roles[{group!r}]", names)
            for group, names in _mapping(self, "group_roles").items()
        }
        set_(self, "group_roles", MappingProxyType(roles))
        for key in ("division_map", "department_map"):
            values = _mapping(self, key)
            for value_key, value in values.items():
                if key == "division_map" and not _DIVISION_CODE.fullmatch(str(value)):
                    self._fail(f"{key}[{value_key!r}]", "应为 12 位区划代码")
                if not isinstance(value, str):
                    self._fail(f"{key}[{value_key!r}]", "应为文本")
            set_(self, key, MappingProxyType(dict(values)))
        self._check_types()
        self._check_connection()
        self._check_search()

    def _fail(self, key: str, problem: str) -> NoReturn:
        raise SettingsError(
            f"LDAP 目录 {self.name!r} 的设置 {key} {problem}。", key=key, directory=self.name
        )

    def _check_types(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.type == "str" and not isinstance(value, str):
                self._fail(item.name, "应为文本")
            if item.type == "str | None" and not (value is None or isinstance(value, str)):
                self._fail(item.name, "应为文本")
            if item.type == "bool" and not isinstance(value, bool):
                self._fail(item.name, "应为 true 或 false")
            if item.type == "float" and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0
            ):
                self._fail(item.name, "应为大于 0 的秒数")

    def _check_connection(self) -> None:
        if not self.urls:
            self._fail("urls", "至少需要一个地址，例如 ldap://ldap.county.example")
        for url in self.urls:
            if not url.lower().startswith(("ldap://", "ldaps://")):
                self._fail("urls", f"中的 {url!r} 应以 ldap:// 或 ldaps:// 开头")
        if self.use_ssl and self.use_starttls:
            self._fail("use_starttls", "不能与 use_ssl 同时开启")
        if self.ca_file is not None and not os.path.isfile(self.ca_file):
            self._fail("ca_file", f"指向的文件 {self.ca_file!r} 不存在")

    def _check_search(self) -> None:
        if self.mode not in ("search", "direct"):
            self._fail("mode", "只能是 search 或 direct")
        if self.mode == "search":
            if not self.base_dn:
                self._fail("base_dn", "在 search 模式下必填")
            if "{username}" not in self.user_filter:
                self._fail("user_filter", "必须包含 {username}")
            if bool(self.bind_dn) != bool(self.bind_password):
                missing = "bind_password" if self.bind_dn else "bind_dn"
                self._fail(missing, "必须与 bind_dn/bind_password 成对设置")
        elif not self.user_dn_template or "{username}" not in self.user_dn_template:
            self._fail("user_dn_template", "在 direct 模式下必填，且必须包含 {username}")
        placeholders = ("{user_dn}", "{username}")
        if self.group_search_base and not any(p in self.group_filter for p in placeholders):
            self._fail("group_filter", "必须包含 {user_dn} 或 {username}")
        for key in ("user_filter", "group_filter"):
            text = getattr(self, key)
            try:
                sample = text.replace("{username}", "x").replace("{user_dn}", "cn=x")
                parse_filter(sample, None, True, True, None, False)
            except ldap_errors.LDAPInvalidFilterError:
                self._fail(key, f"不是有效的 LDAP 过滤器：{text!r}")

    def user_attributes(self) -> list[str]:
        """Attribute names to read from the user's entry."""
        names = [self.username_attribute, *self.display_name_attributes, self.email_attribute,
                 self.phone_attribute, self.division_attribute, self.department_attribute]
        if not self.group_search_base:
            names.append(self.member_of_attribute)
        return list(dict.fromkeys(name for name in names if name))

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, object], environ: Mapping[str, str] | None = None
    ) -> DirectoryConfig:
        """Build a config from settings or a plugin's dict; unknown keys are errors.

        ``bind_password_env`` names an environment variable holding the
        service account's password, so the password stays out of config files.
        """
        if not isinstance(data, Mapping):
            raise SettingsError("LDAP 目录的设置应为键值对（dict）。", key="LDAP_DIRECTORIES")
        known = {f.name for f in fields(cls)} | {"bind_password_env"}
        label = f"LDAP 目录 {data['name']!r}" if data.get("name") else "LDAP 目录"
        for key in data:
            if key not in known:
                raise SettingsError(
                    f"{label} 的设置中有未知的键 {key!r}；可用的键：{', '.join(sorted(known))}。",
                    key=key,
                )
        for key in ("name", "urls"):
            if key not in data:
                raise SettingsError(f"{label} 缺少必填的设置 {key}。", key=key)
        values = dict(data)
        variable = values.pop("bind_password_env", None)
        if variable is not None:
            environ = os.environ if environ is None else environ
            if "bind_password" in values:
                problem = "与 bind_password 只能设置一个"
            elif not isinstance(variable, str) or not environ.get(variable):
                problem = f"指向的环境变量 {variable!r} 未设置"
            else:
                problem = None
                values["bind_password"] = environ[variable]
            if problem:
                raise SettingsError(
                    f"{label} 的设置 bind_password_env {problem}。", key="bind_password_env"
                )
        return cls(**values)


def _string_tuple(config: DirectoryConfig, key: str, value) -> tuple[str, ...]:
    """A list of non-empty strings as a tuple; one string counts as a list of one."""
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        config._fail(key, "应为文本列表")
    return tuple(value)


def _mapping(config: DirectoryConfig, key: str) -> Mapping:
    value = getattr(config, key)
    if not isinstance(value, Mapping):
        config._fail(key, "应为键值对（dict）")
    return value


@dataclass(frozen=True)
class DirectoryIdentity:
    """A person the directory vouched for, with govkit roles and home division."""

    directory: str
    dn: str
    username: str
    display_name: str
    email: str
    email_is_placeholder: bool
    phone: str | None
    groups: tuple[str, ...]
    roles: tuple[str, ...]
    #: 12-digit division code, or None when the attribute is absent or unmapped.
    division_code: str | None
    #: The raw attribute value, so a caller can name what could not be mapped.
    division_value: str | None
    department: str | None
    sync_roles: bool = True
    sync_division: bool = True


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
    return _identity(directory, username, user_dn, attributes, groups)


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
    return _identity(directory, username, user_dn, attributes, groups)


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


# --- mapping the entry to an identity ------------------------------------


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
        return [(dn, values.get(name.lower()) or [_first_rdn_value(dn)]) for dn, values in entries]
    if directory.member_of_attribute:
        member_of = attributes.get(directory.member_of_attribute.lower(), [])
        return [(dn, [_first_rdn_value(dn)]) for dn in member_of]
    return []


def _identity(
    directory: DirectoryConfig, username: str, user_dn: str, attributes, groups
) -> DirectoryIdentity:
    def first(name: str | None) -> str | None:
        values = attributes.get(name.lower(), []) if name else []
        return values[0] if values else None

    canonical = next(
        (value for value in attributes.get(directory.username_attribute.lower(), [])
         if value.casefold() == username.casefold()),
        username,
    )
    display_name = next(filter(None, map(first, directory.display_name_attributes)), canonical)
    email = first(directory.email_attribute)
    division_value, division_code = _division(directory, attributes)
    department = first(directory.department_attribute)
    if department is not None:
        department = directory.department_map.get(department, department)
    identity = DirectoryIdentity(
        directory=directory.name,
        dn=user_dn,
        username=canonical,
        display_name=display_name,
        email=email or placeholder_email(canonical, directory.name),
        email_is_placeholder=email is None,
        phone=first(directory.phone_attribute),
        groups=tuple(dn for dn, _ in groups),
        roles=_roles(directory, groups),
        division_code=division_code,
        division_value=division_value,
        department=department,
        sync_roles=directory.sync_roles,
        sync_division=directory.sync_division,
    )
    log.info("LDAP directory %r authenticated %r", directory.name, identity.username)
    return identity


def _division(directory: DirectoryConfig, attributes) -> tuple[str | None, str | None]:
    """``(raw value, 12-digit code or None)`` from ``division_attribute``."""
    if not directory.division_attribute:
        return None, None
    values = attributes.get(directory.division_attribute.lower(), [])
    folded = {key.casefold(): code for key, code in directory.division_map.items()}
    for value in values:
        code = directory.division_map.get(value) or folded.get(value.casefold())
        if code is None and _DIVISION_CODE.fullmatch(value):
            code = value
        if code:
            return value, code
    return (values[0] if values else None), None


def _roles(directory: DirectoryConfig, groups) -> tuple[str, ...]:
    by_dn = {}
    by_name = {}
    for key, roles in directory.group_roles.items():
        if "=" in key:
            by_dn[normalize_dn(key)] = roles
        else:
            by_name[key.casefold()] = roles
    found: list[str] = list(directory.default_roles)
    for dn, names in groups:
        found.extend(by_dn.get(normalize_dn(dn), ()))
        for name in names:
            found.extend(by_name.get(name.casefold(), ()))
    return tuple(dict.fromkeys(found))


def normalize_dn(dn: str) -> tuple[tuple[str, str], ...] | str:
    """A comparable form of ``dn``: attribute types and values unescaped and case-folded."""
    try:
        parts = parse_dn(dn, strip=True)
    except ldap_errors.LDAPInvalidDnError:
        return dn.strip().casefold()
    return tuple(
        (attr.strip().lower(), _unescape(value).strip().casefold()) for attr, value, _ in parts
    )


def _first_rdn_value(dn: str) -> str:
    try:
        return _unescape(parse_dn(dn, strip=True)[0][1])
    except (ldap_errors.LDAPInvalidDnError, IndexError):
        return dn


def _unescape(value: str) -> str:
    """Undo RFC 4514 escapes (``\\+``, ``\\2B``, ``\\E5\\BC\\A0``) in one DN value."""
    out = bytearray()
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value):
            pair = value[index + 1:index + 3]
            if len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair):
                out.append(int(pair, 16))
                index += 3
                continue
            out.extend(value[index + 1].encode())
            index += 2
            continue
        out.extend(char.encode())
        index += 1
    return out.decode("utf-8", errors="replace")


def placeholder_email(username: str, directory_name: str) -> str:
    """``<username>@<directory>.directory.invalid``: FAB needs an email, the directory had none.

    ``.invalid`` is reserved (RFC 2606), so the address can never receive mail.
    """
    local = username if _EMAIL_LOCAL.fullmatch(username) else "u-" + username.encode().hex()
    domain = re.sub(r"[^a-z0-9-]+", "-", directory_name.lower()).strip("-")
    if not domain:
        domain = "d-" + directory_name.encode().hex()
    return f"{local}@{domain}.directory.invalid"
