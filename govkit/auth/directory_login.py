"""One login (登录): throttle, local accounts, then the LDAP directories.

The security manager's ``auth_user_ldap`` delegates to :func:`auth_user`.
:func:`log_in` does the work and returns a :class:`LoginResult` with the user
(or None) and, where the person may be told more than "wrong name or
password", a message: locked out, directory unavailable, a division that
govkit does not know, no role mapped.

Local accounts (those with a password hash in govkit, e.g. the admin made by
``govkit init``) are checked locally and never against a directory, so a
directory entry cannot take over a local account and local admins can log in
while every directory is down. Directory accounts store no password: their
password column holds ``!directory:<name>``, which no hash check accepts, and
records which directory vouches for them.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, flash, has_request_context, request
from flask_appbuilder.security.manager import BaseSecurityManager
from werkzeug.security import check_password_hash

from govkit.auth.ldap import (
    DirectoryConfig,
    DirectoryIdentity,
    authenticate,
    clean_username,
    placeholder_email,
)
from govkit.auth.throttle import DatabaseLoginThrottle, LoginThrottle
from govkit.db import db
from govkit.errors import DirectoryUnavailable, PluginError
from govkit.hierarchy.models import Department, Division, Duty, Staff

log = logging.getLogger(__name__)

DIRECTORY_PASSWORD_PREFIX = "!directory:"
_DUTIES = [duty.value for duty in Duty]


@dataclass(frozen=True)
class LoginResult:
    """What one login attempt came to; ``message`` is None for the generic failure."""

    user: Any = None
    message: str | None = None


def auth_user(sm, username: str, password: str):
    """FAB entry point: the user, or None after flashing any specific message."""
    ip = request.remote_addr if has_request_context() else None
    result = log_in(sm, username, password, ip=ip)
    if result.message:
        flash(result.message, "danger")
    return result.user


def log_in(sm, username: str, password: str, *, ip: str | None = None) -> LoginResult:
    """Authenticate ``username`` locally or against the directories, and sync the user."""
    throttle = login_throttle(current_app)
    state = throttle.state(username or "", ip)
    if state.locked:
        return LoginResult(message=state.message)
    result = _attempt(sm, username, password)
    if result.user is not None:
        throttle.record_success(username, ip)
    elif result.message is None:
        # Only wrong credentials count; a directory outage must not lock people out.
        throttle.record_failure(username or "", ip)
    return result


def _attempt(sm, username: str, password: str) -> LoginResult:
    name = clean_username(username)
    if name is None:
        return LoginResult()
    local = sm.find_user(username=name) or sm.find_user(email=name)
    if local is not None and not is_directory_user(local):
        if not local.password:
            _dummy_hash_check(password)  # neither a local password nor a directory: nothing to check
            return LoginResult()
        return LoginResult(user=BaseSecurityManager.auth_user_db(sm, name, password))
    directories = auth_directories(current_app)
    if not directories:
        _dummy_hash_check(password)
        return LoginResult()
    try:
        identity = authenticate(directories, name, password)
    except DirectoryUnavailable as exc:
        return LoginResult(message=exc.message)
    if identity is None:
        if local is not None:
            sm.update_user_auth_stat(local, False)
        return LoginResult()
    for attempt in (1, 2):
        # The directory's spelling of the name may differ from what was typed.
        user = sm.find_user(username=identity.username)
        if user is not None and not is_directory_user(user):
            log.warning("directory %r vouched for %r, a local account; refused",
                        identity.directory, identity.username)
            return LoginResult()
        try:
            return _sync_user(sm, identity, user)
        except (sa.exc.IntegrityError, _UserNotCreated):
            # Another worker created the same user a moment ago: read it and sync again.
            sm.session.rollback()
            if attempt == 2:
                raise
        except Exception:
            sm.session.rollback()
            raise
    raise AssertionError("unreachable")


def _dummy_hash_check(password: str) -> None:
    """Spend the time of a real password check, so an unknown name answers as slowly as a known one."""
    check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], password or "")


class _UserNotCreated(Exception):
    """FAB could not insert the new user (see its log for the database error)."""


def is_directory_user(user) -> bool:
    """True for a user created from a directory (no local password)."""
    return (user.password or "").startswith(DIRECTORY_PASSWORD_PREFIX)


# --- user, roles and division --------------------------------------------


def _sync_user(sm, identity: DirectoryIdentity, user) -> LoginResult:
    session = sm.session
    if user is not None:
        source = user.password[len(DIRECTORY_PASSWORD_PREFIX):]
        if source != identity.directory:
            log.warning("user %r belongs to directory %r, not %r",
                        user.username, source, identity.directory)
            return LoginResult(message=(
                f"账号 {user.username} 属于目录 {source}，"
                f"不能通过目录 {identity.directory} 登录，请联系管理员。"
            ))
        if not user.is_active:
            return LoginResult()
    staff = None
    if user is not None:
        staff = session.scalar(sa.select(Staff).where(Staff.user_id == user.id))

    division = None
    if identity.sync_division or staff is None:
        division, problem = _division(session, identity)
        if problem:
            return LoginResult(message=problem)

    roles = None
    if identity.sync_roles or user is None:
        roles = _roles(sm, identity)
        if not roles:
            return LoginResult(message=(
                f"目录账号 {identity.username} 没有对应任何 govkit 角色，"
                "请管理员在目录中把它加入相应的组。"
            ))

    first_name, last_name = identity.display_name[:64], ""
    email = _free_email(sm, identity, user)
    if user is None:
        marker = DIRECTORY_PASSWORD_PREFIX + identity.directory
        user = sm.add_user(identity.username, first_name, last_name, email, roles,
                           hashed_password=marker, commit=False)
        if not user:
            # FAB logged the database error and returned False; most likely the
            # name was taken a moment ago by another worker.
            session.rollback()
            raise _UserNotCreated(identity.username)
        session.flush()
    else:
        user.first_name, user.last_name, user.email = first_name, last_name, email
        if roles is not None:
            user.roles = roles
    if division is not None:
        department = _department(session, identity, division)
        duty = _duty(identity, user)
        if staff is None:
            staff = Staff(user_id=user.id, division_id=division.id, duty=duty, name=first_name[:50])
            session.add(staff)
        staff.division_id = division.id
        staff.department_id = department.id if department else None
        staff.duty = duty
        staff.name = first_name[:50]
    session.commit()
    sm.update_user_auth_stat(user, True)
    return LoginResult(user=user)


def _division(session, identity: DirectoryIdentity) -> tuple[Division | None, str | None]:
    if identity.division_code is None:
        if identity.division_value is None:
            return None, f"目录账号 {identity.username} 没有填写所属区划，无法登录，请管理员在目录中补充。"
        return None, (f"目录账号 {identity.username} 的区划值 {identity.division_value!r} "
                      f"对应不到区划代码，请管理员在 division_map 中补充映射。")
    division = session.scalar(sa.select(Division).where(Division.code == identity.division_code))
    if division is None or not division.active:
        state = "不存在" if division is None else "已停用"
        return None, (f"目录账号 {identity.username} 所属区划代码 {identity.division_code} 在系统中{state}，"
                      f"无法登录，请管理员先导入或启用该区划。")
    return division, None


def _department(session, identity: DirectoryIdentity, division: Division) -> Department | None:
    if not identity.department:
        return None
    department = session.scalar(sa.select(Department).where(
        Department.division_id == division.id, Department.name == identity.department
    ))
    if department is None:
        log.info("department %r not found in division %s", identity.department, division.code)
    return department


def _roles(sm, identity: DirectoryIdentity) -> list:
    """The FAB roles named by the mapping; names govkit does not have are logged and skipped."""
    roles, unknown = [], []
    for name in identity.roles:
        role = sm.find_role(name)
        (roles if role is not None else unknown).append(role or name)
    if unknown:
        log.warning("directory %r maps to roles govkit does not have: %s",
                    identity.directory, unknown)
    return roles


def _duty(identity: DirectoryIdentity, user) -> str:
    names = list(identity.roles) or [role.name for role in user.roles]
    for name in names:
        if name in _DUTIES:
            return name
    return (names[0] if names else Duty.AGENT.value)[:20]


def _free_email(sm, identity: DirectoryIdentity, user) -> str:
    """The directory's email, unless another govkit user already has it (emails are unique)."""
    owner = sm.find_user(email=identity.email)
    if owner is None or (user is not None and owner.id == user.id):
        return identity.email
    log.warning("email %r of %r is taken by %r", identity.email, identity.username, owner.username)
    return placeholder_email(identity.username, identity.directory)


# --- per-app state -------------------------------------------------------


def auth_directories(app) -> list[DirectoryConfig]:
    """Directories of ``app``: the setting, then the hook, each name once (built on first use)."""
    state = app.extensions["govkit"]
    if "auth_directories" not in state.cache:
        state.cache["auth_directories"] = collect_directories(state.pm, state.settings)
    return state.cache["auth_directories"]


def collect_directories(pm, settings) -> list[DirectoryConfig]:
    """Call ``register_auth_directories`` and check what it returned."""
    found: dict[str, DirectoryConfig] = {}
    for item in pm.collect("register_auth_directories", settings=settings):
        if isinstance(item, dict):
            item = DirectoryConfig.from_mapping(item)
        if not isinstance(item, DirectoryConfig):
            raise PluginError(
                f"register_auth_directories 返回了 {type(item).__name__}，应为 DirectoryConfig 或 dict。",
                hook="register_auth_directories",
            )
        # A later directory of the same name replaces the earlier one in its place.
        found[item.name] = item
    return list(found.values())


def login_throttle(app) -> DatabaseLoginThrottle | LoginThrottle:
    """The app's throttle (counts in the database, shared by all workers), from the LOGIN_* settings."""
    state = app.extensions["govkit"]
    throttle = state.cache.get("login_throttle")
    if throttle is None:
        settings = state.settings

        throttle = state.cache["login_throttle"] = DatabaseLoginThrottle(
            lambda: db.session,
            max_failures_per_user=settings["LOGIN_MAX_FAILURES"],
            max_failures_per_ip=settings["LOGIN_MAX_FAILURES_PER_IP"],
            window_seconds=settings["LOGIN_LOCKOUT_SECONDS"],
            lockout_seconds=settings["LOGIN_LOCKOUT_SECONDS"],
            max_failures_per_account=settings["LOGIN_ACCOUNT_MAX_FAILURES"],
            account_lockout_seconds=settings["LOGIN_ACCOUNT_LOCKOUT_SECONDS"],
        )
    return throttle


__all__ = ["LoginResult", "auth_user", "log_in", "auth_directories", "collect_directories",
           "login_throttle", "is_directory_user"]
