"""Failed-login throttling (登录失败限制) per (account, address), per address, and per account.

Three counters, so that no one can lock an account out for everybody:

* **pair** — the account name typed *from this address*: ``max_failures_per_user`` failures lock
  only this pair. Another address (the real owner at her desk) can still log in.
* **ip** — an address guessing many names: ``max_failures_per_ip`` failures lock the address.
* **account** — a slower back-off for a spread-out attack: ``max_failures_per_account`` failures from
  any addresses lock the name for ``account_lockout_seconds``, except from addresses where the
  account logged in successfully within ``known_address_seconds`` (so the back-off an attacker can
  trigger never locks the owner out of her usual workplace).

Two stores behind the same methods (``state``, ``check``, ``record_failure``,
``record_success``):

* :class:`DatabaseLoginThrottle` — what a running app uses: counters live in
  ``gk_login_failure``, so every gunicorn worker (and every host on the same
  database) shares one budget; each count is one atomic ``INSERT … ON CONFLICT
  DO UPDATE`` on SQLite and PostgreSQL. The window is fixed from the first
  counted failure (the in-memory store slides it).
* :class:`LoginThrottle` — in-process and thread-safe (sliding window), for
  tools and tests that have no database.

The throttle never looks at whether a username exists: it counts what was
typed, so a locked unknown name and a locked real account answer with the
same message at the same time.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any
from dataclasses import dataclass

from sqlalchemy import and_, case, delete, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from govkit.auth.models import LoginFailure as T
from govkit.errors import GovkitError

__all__ = ["DatabaseLoginThrottle", "LoginLocked", "LoginThrottle", "ThrottleState"]


class LoginLocked(GovkitError):
    """Too many failed logins for this username or from this address."""

    status_code = 429


@dataclass(frozen=True)
class ThrottleState:
    """Whether a login may be tried now, and if not, for how many more seconds."""

    locked: bool
    retry_after: float = 0.0

    @property
    def message(self) -> str:
        """The one lockout message; it names neither the reason nor the account."""
        minutes = max(1, math.ceil(self.retry_after / 60))
        return f"登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试。"


class _Counter:
    __slots__ = ("failures", "locked_until")

    def __init__(self) -> None:
        self.failures: deque[float] = deque()
        self.locked_until = 0.0


class LoginThrottle:
    """Lock a username after ``max_failures_per_user`` failures within
    ``window_seconds``, and a client address after ``max_failures_per_ip``;
    a lock lasts ``lockout_seconds``.
    """

    def __init__(
        self,
        max_failures_per_user: int = 5,
        max_failures_per_ip: int = 20,
        window_seconds: float = 900,
        lockout_seconds: float = 900,
        clock: Callable[[], float] = time.monotonic,
        max_tracked: int = 100_000,
        max_failures_per_account: int = 50,
        account_lockout_seconds: float = 300,
        known_address_seconds: float = 30 * 86400,
    ) -> None:
        self.max_failures_per_user = max_failures_per_user
        self.max_failures_per_ip = max_failures_per_ip
        self.max_failures_per_account = max_failures_per_account
        self.window_seconds = window_seconds
        self.lockout_seconds = lockout_seconds
        self.account_lockout_seconds = account_lockout_seconds
        self.known_address_seconds = known_address_seconds
        self.clock = clock
        # Bounds memory when someone sprays random usernames.
        self.max_tracked = max_tracked
        self._users: dict[str, _Counter] = {}
        self._ips: dict[str, _Counter] = {}
        self._accounts: dict[str, _Counter] = {}
        self._known: dict[str, float] = {}
        self._lock = threading.Lock()

    def state(self, username: str, ip: str | None) -> ThrottleState:
        """The lock state for this username and address, without raising."""
        now = self.clock()
        pair = _pair_key(username, ip)
        with self._lock:
            remaining = max(
                self._remaining(self._users, pair, now),
                self._remaining(self._ips, ip, now),
                0.0 if self._known.get(pair or "", 0.0) > now else
                self._remaining(self._accounts, _user_key(username), now),
            )
        return ThrottleState(locked=remaining > 0, retry_after=remaining)

    def check(self, username: str, ip: str | None) -> ThrottleState:
        """Raise :class:`LoginLocked` when locked; call before checking the password."""
        state = self.state(username, ip)
        if state.locked:
            raise LoginLocked(state.message, retry_after=state.retry_after)
        return state

    def record_failure(self, username: str, ip: str | None) -> ThrottleState:
        """Count one failed login; returns the state after counting it."""
        now = self.clock()
        with self._lock:
            self._count(self._users, _pair_key(username, ip), self.max_failures_per_user, now)
            self._count(self._ips, ip, self.max_failures_per_ip, now)
            self._count(self._accounts, _user_key(username), self.max_failures_per_account, now,
                        self.account_lockout_seconds)
        return self.state(username, ip)

    def record_success(self, username: str, ip: str | None) -> None:
        """Forget the failures of this name from this address, and remember the address as known.

        The address keeps its count: one good login of the attacker's own
        account must not reset the budget for guessing others.
        """
        pair = _pair_key(username, ip)
        with self._lock:
            self._users.pop(pair, None)
            if pair and ip:
                self._known[pair] = self.clock() + self.known_address_seconds

    def unlock(self, username: str | None = None, ip: str | None = None) -> None:
        """Lift the locks of an account name (every address) and/or an address (an admin's action)."""
        user = _user_key(username)
        with self._lock:
            if user:
                self._accounts.pop(user, None)
                for key in [key for key in self._users if key.split("|", 1)[0] == user]:
                    del self._users[key]
            if ip:
                self._ips.pop(ip, None)

    def _remaining(self, table: dict[str, _Counter], key: str | None, now: float) -> float:
        counter = table.get(key) if key else None
        return max(0.0, counter.locked_until - now) if counter else 0.0

    def _count(self, table: dict[str, _Counter], key: str | None, limit: int, now: float,
               lockout: float | None = None) -> None:
        if not key or limit <= 0:
            return
        counter = table.get(key)
        if counter is None:
            if len(table) >= self.max_tracked:
                self._forget_idle(table, now)
            counter = table[key] = _Counter()
        if counter.locked_until > now:
            return
        failures = counter.failures
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        failures.append(now)
        if len(failures) >= limit:
            counter.locked_until = now + (self.lockout_seconds if lockout is None else lockout)
            failures.clear()

    def _forget_idle(self, table: dict[str, _Counter], now: float) -> None:
        for key in [
            key for key, counter in table.items()
            if counter.locked_until <= now
            and (not counter.failures or counter.failures[-1] <= now - self.window_seconds)
        ]:
            del table[key]
        if len(table) >= self.max_tracked:
            # Still full: drop the oldest half of the unlocked entries.  Locked
            # ones stay, or flooding the table would be a way to unlock a name.
            unlocked = [key for key, counter in table.items() if counter.locked_until <= now]
            for key in unlocked[: len(unlocked) // 2 + 1]:
                del table[key]


def _user_key(username: str | None) -> str | None:
    """Case and surrounding blanks do not make a new account name (LDAP matching ignores both)."""
    if not username:
        return None
    return username.strip().casefold() or None


def _pair_key(username: str | None, ip: str | None) -> str | None:
    """``name|address``: the per-(account, address) counter; the name alone when the address is unknown."""
    user = _user_key(username)
    if not user:
        return None
    return f"{user}|{ip}" if ip else user


class DatabaseLoginThrottle:
    """:class:`LoginThrottle`'s rules with the counts in the database (shared by all workers).

    ``session_factory`` returns the SQLAlchemy session to use (the request's); counts are
    committed at once, so a failure is never lost with a rolled-back request. ``clock``
    returns Unix seconds.
    """

    PURGE_EVERY = 200  # failures between purges of idle rows

    def __init__(
        self,
        session_factory: Callable[[], Any],
        max_failures_per_user: int = 5,
        max_failures_per_ip: int = 20,
        window_seconds: float = 900,
        lockout_seconds: float = 900,
        clock: Callable[[], float] = time.time,
        max_failures_per_account: int = 50,
        account_lockout_seconds: float = 300,
        known_address_seconds: float = 30 * 86400,
    ) -> None:
        self.session_factory = session_factory
        self.max_failures_per_user = max_failures_per_user
        self.max_failures_per_ip = max_failures_per_ip
        self.max_failures_per_account = max_failures_per_account
        self.window_seconds = window_seconds
        self.lockout_seconds = lockout_seconds
        self.account_lockout_seconds = account_lockout_seconds
        self.known_address_seconds = known_address_seconds
        self.clock = clock
        self._since_purge = 0

    def _keys(self, username: str | None, ip: str | None) -> list[tuple[str, str, int, float]]:
        """(kind, key, limit, lockout) of every counter one failure adds to."""
        keys = []
        pair, user = _pair_key(username, ip), _user_key(username)
        if pair:
            keys.append(("pair", pair[:255], self.max_failures_per_user, self.lockout_seconds))
        if ip:
            keys.append(("ip", ip[:255], self.max_failures_per_ip, self.lockout_seconds))
        if user:
            keys.append(("account", user[:255], self.max_failures_per_account, self.account_lockout_seconds))
        return keys

    def state(self, username: str, ip: str | None) -> ThrottleState:
        keys = [(kind, key) for kind, key, _, _ in self._keys(username, ip)]
        pair = _pair_key(username, ip)
        if pair and ip:
            keys.append(("known", pair[:255]))
        if not keys:
            return ThrottleState(locked=False)
        now = self.clock()
        session = self.session_factory()
        rows = session.execute(
            select(T.kind, T.locked_until).where(or_(*[and_(T.kind == kind, T.key == key) for kind, key in keys]))
        ).all()
        until = {kind: locked_until for kind, locked_until in rows}
        if until.get("known", 0.0) > now:  # the account's usual address: no account back-off
            until.pop("account", None)
        until.pop("known", None)
        remaining = max([0.0] + [value - now for value in until.values()])
        return ThrottleState(locked=remaining > 0, retry_after=remaining)

    def check(self, username: str, ip: str | None) -> ThrottleState:
        state = self.state(username, ip)
        if state.locked:
            raise LoginLocked(state.message, retry_after=state.retry_after)
        return state

    def record_failure(self, username: str, ip: str | None) -> ThrottleState:
        """Count one failed login (committed); returns the state after counting it."""
        now = self.clock()
        session = self.session_factory()
        try:
            for kind, key, limit, lockout in self._keys(username, ip):
                if limit > 0:
                    session.execute(self._count_statement(session, kind, key, limit, now, lockout))
            self._since_purge += 1
            if self._since_purge >= self.PURGE_EVERY:
                self._since_purge = 0
                self._purge(session, now)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return self.state(username, ip)

    def record_success(self, username: str, ip: str | None) -> None:
        """Forget this name's failures from this address (the address keeps its count) and remember
        the address as one where the account logs in."""
        pair = _pair_key(username, ip)
        if not pair:
            return
        now = self.clock()
        session = self.session_factory()
        try:
            session.execute(delete(T).where(T.kind == "pair", T.key == pair[:255]))
            if ip:
                session.execute(delete(T).where(T.kind == "known", T.key == pair[:255]))
                session.add(T(kind="known", key=pair[:255], failures=0, window_start=now,
                              locked_until=now + self.known_address_seconds))
            session.commit()
        except BaseException:
            session.rollback()
            raise

    def locks(self) -> list[Any]:
        """Rows that lock something now (for the admin screen)."""
        now = self.clock()
        session = self.session_factory()
        return list(session.scalars(select(T).where(T.kind != "known", T.locked_until > now).order_by(T.kind, T.key)))

    def unlock(self, username: str | None = None, ip: str | None = None) -> int:
        """Lift the locks of an account name (every address) and/or an address (an admin's action); return
        how many lock rows were removed."""
        user, session = _user_key(username), self.session_factory()
        removed = 0
        try:
            if user:
                removed += session.execute(delete(T).where(T.kind == "account", T.key == user[:255])).rowcount
                removed += session.execute(delete(T).where(T.kind == "pair", or_(
                    T.key == user[:255], T.key.startswith(user[:250] + "|")))).rowcount
            if ip:
                removed += session.execute(delete(T).where(T.kind == "ip", T.key == ip[:255])).rowcount
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return removed

    def _count_statement(self, session: Any, kind: str, key: str, limit: int, now: float, lockout: float) -> Any:
        t = T.__table__
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        first_locks = limit <= 1
        statement = insert(t).values(kind=kind, key=key, failures=0 if first_locks else 1, window_start=now,
                                     locked_until=now + lockout if first_locks else 0.0)
        locked = t.c.locked_until > now
        counted = case((t.c.window_start <= now - self.window_seconds, literal(1)), else_=t.c.failures + 1)
        reaches = counted >= limit
        return statement.on_conflict_do_update(
            index_elements=[t.c.kind, t.c.key],
            set_={
                # During a lock nothing changes (failures do not extend it); reaching the
                # limit locks and starts the count again from zero, as the in-memory store.
                "failures": case((locked, t.c.failures), (reaches, literal(0)), else_=counted),
                "window_start": case((locked, t.c.window_start),
                                     (t.c.window_start <= now - self.window_seconds, literal(now)),
                                     else_=t.c.window_start),
                "locked_until": case((locked, t.c.locked_until), (reaches, literal(now + lockout)),
                                     else_=t.c.locked_until),
            },
        )

    def _purge(self, session: Any, now: float) -> None:
        # "known" rows keep their expiry in locked_until, so they stay until it passes.
        session.execute(delete(T).where(T.locked_until <= now, T.window_start <= now - self.window_seconds))
