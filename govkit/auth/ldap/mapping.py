"""From a directory entry to a govkit identity: roles from groups, home division, contact details.

Plain functions over what the client read (``{attribute name lowercased: [str values]}`` and the
user's groups as ``(dn, names)``); they contact no server.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ldap3.core.exceptions import LDAPInvalidDnError
from ldap3.utils.dn import parse_dn

from govkit.auth.ldap.config import DIVISION_CODE, DirectoryConfig

__all__ = ["DirectoryIdentity", "identity", "normalize_dn", "first_rdn_value", "placeholder_email"]

_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9._+-]+")


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


def identity(
    directory: DirectoryConfig, username: str, user_dn: str, attributes, groups
) -> DirectoryIdentity:
    """The identity for the entry at ``user_dn`` with ``attributes``, member of ``groups``."""

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
    return DirectoryIdentity(
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


def _division(directory: DirectoryConfig, attributes) -> tuple[str | None, str | None]:
    """``(raw value, 12-digit code or None)`` from ``division_attribute``."""
    if not directory.division_attribute:
        return None, None
    values = attributes.get(directory.division_attribute.lower(), [])
    folded = {key.casefold(): code for key, code in directory.division_map.items()}
    for value in values:
        code = directory.division_map.get(value) or folded.get(value.casefold())
        if code is None and DIVISION_CODE.fullmatch(value):
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
    except LDAPInvalidDnError:
        return dn.strip().casefold()
    return tuple(
        (attr.strip().lower(), _unescape(value).strip().casefold()) for attr, value, _ in parts
    )


def first_rdn_value(dn: str) -> str:
    try:
        return _unescape(parse_dn(dn, strip=True)[0][1])
    except (LDAPInvalidDnError, IndexError):
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
