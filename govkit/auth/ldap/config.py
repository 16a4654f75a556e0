"""The settings of one LDAP directory (目录服务): :class:`DirectoryConfig` and its checks.

Kept apart from the client so that ``import govkit`` (which exports DirectoryConfig for plugins)
does not load ldap3: this module imports ldap3 only inside the filter check, when a directory is
actually configured.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import NoReturn

from govkit.errors import SettingsError

__all__ = ["DirectoryConfig", "DEFAULT_USER_FILTER", "DEFAULT_GROUP_FILTER", "DIVISION_CODE"]

#: A 12-digit division code (区划代码).
DIVISION_CODE = re.compile(r"\d{12}")
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
                if key == "division_map" and not DIVISION_CODE.fullmatch(str(value)):
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
        # Deliberately imported here, not at the top: ``import govkit`` exports DirectoryConfig and must not
        # load ldap3; a directory being configured needs ldap3 anyway, and its own parser is the one to ask.
        from ldap3.core.exceptions import LDAPInvalidFilterError  # deferred: import govkit must not load ldap3
        from ldap3.operation.search import parse_filter  # deferred: as above

        for key in ("user_filter", "group_filter"):
            text = getattr(self, key)
            try:
                sample = text.replace("{username}", "x").replace("{user_dn}", "cn=x")
                parse_filter(sample, None, True, True, None, False)
            except LDAPInvalidFilterError:
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
