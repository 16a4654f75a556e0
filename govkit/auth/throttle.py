"""Failed-login throttling (登录失败限制) per username and per client address.

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
    ) -> None:
        self.max_failures_per_user = max_failures_per_user
        self.max_failures_per_ip = max_failures_per_ip
        self.window_seconds = window_seconds
        self.lockout_seconds = lockout_seconds
        self.clock = clock
        # Bounds memory when someone sprays random usernames.
        self.max_tracked = max_tracked
        self._users: dict[str, _Counter] = {}
        self._ips: dict[str, _Counter] = {}
        self._lock = threading.Lock()

    def state(self, username: str, ip: str | None) -> ThrottleState:
        """The lock state for this username and address, without raising."""
        now = self.clock()
        with self._lock:
            remaining = max(
                self._remaining(self._users, _user_key(username), now),
                self._remaining(self._ips, ip, now),
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
            self._count(self._users, _user_key(username), self.max_failures_per_user, now)
            self._count(self._ips, ip, self.max_failures_per_ip, now)
        return self.state(username, ip)

    def record_success(self, username: str, ip: str | None) -> None:
        """Forget the username's failures.

        The address keeps its count: one good login of the attacker's own
        account must not reset the budget for guessing others.
        """
        with self._lock:
            self._users.pop(_user_key(username), None)

    def _remaining(self, table: dict[str, _Counter], key: str | None, now: float) -> float:
        counter = table.get(key) if key else None
        return max(0.0, counter.locked_until - now) if counter else 0.0

    def _count(self, table: dict[str, _Counter], key: str | None, limit: int, now: float) -> None:
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
            counter.locked_until = now + self.lockout_seconds
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
    ) -> None:
        self.session_factory = session_factory
        self.max_failures_per_user = max_failures_per_user
        self.max_failures_per_ip = max_failures_per_ip
        self.window_seconds = window_seconds
        self.lockout_seconds = lockout_seconds
        self.clock = clock
        self._since_purge = 0

    def _keys(self, username: str | None, ip: str | None) -> list[tuple[str, str, int]]:
        keys = []
        user = _user_key(username)
        if user:
            keys.append(("user", user[:255], self.max_failures_per_user))
        if ip:
            keys.append(("ip", ip[:255], self.max_failures_per_ip))
        return keys

    def state(self, username: str, ip: str | None) -> ThrottleState:
        keys = self._keys(username, ip)
        if not keys:
            return ThrottleState(locked=False)
        now = self.clock()
        session = self.session_factory()
        latest = session.scalar(
            select(T.locked_until).where(or_(*[and_(T.kind == kind, T.key == key) for kind, key, _ in keys]))
            .order_by(T.locked_until.desc()).limit(1))
        remaining = max(0.0, (latest or 0.0) - now)
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
            for kind, key, limit in self._keys(username, ip):
                if limit > 0:
                    session.execute(self._count_statement(session, kind, key, limit, now))
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
        """Forget the username's failures (the address keeps its count)."""
        user = _user_key(username)
        if not user:
            return
        session = self.session_factory()
        try:
            session.execute(delete(T).where(T.kind == "user", T.key == user[:255]))
            session.commit()
        except BaseException:
            session.rollback()
            raise

    def _count_statement(self, session: Any, kind: str, key: str, limit: int, now: float) -> Any:
        t = T.__table__
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        first_locks = limit <= 1
        statement = insert(t).values(kind=kind, key=key, failures=0 if first_locks else 1, window_start=now,
                                     locked_until=now + self.lockout_seconds if first_locks else 0.0)
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
                "locked_until": case((locked, t.c.locked_until), (reaches, literal(now + self.lockout_seconds)),
                                     else_=t.c.locked_until),
            },
        )

    def _purge(self, session: Any, now: float) -> None:
        session.execute(delete(T).where(T.locked_until <= now, T.window_start <= now - self.window_seconds))
