"""State shared by every app node (多节点共享状态): one small interface, two backends.

Each node (each gunicorn/granian worker process, on one host or many) keeps caches of its own:
verified tokens, actors and the role → permission table (:mod:`govkit.web.protect`), session
epochs — the revocation list of sessions and tokens (:mod:`govkit.auth.sessions`) — and the
working-day calendar (:mod:`govkit.cases.runtime`). A change committed on one node must reach
the caches of the others. Which caches a change reaches is named by a *topic*:

* ``auth`` — users, roles, permissions, staff, divisions and session epochs (logout, password
  change, deactivation, role removal): the tables of :data:`govkit.auth.cache.AUTH_TABLES`;
* ``calendar`` — entered holidays, published years and the SQL working-day table.

A commit through govkit's session that wrote one of those tables *publishes* its topics
(after the commit, so no node reloads before the rows are visible); before a request, at most
every ``SHARED_STATE_CHECK_SECONDS``, a node *syncs*: it reads every topic's version and
drops the caches of the topics that moved.

Backends (:func:`backend_for`):

* :class:`LocalState` — no ``REDIS_URL``: one node, as before; the process that changes
  something drops its own caches at once, other worker processes within their TTLs
  (``AUTH_CACHE_SECONDS``, ``CALENDAR_CACHE_SECONDS``).
* :class:`RedisState` — ``REDIS_URL`` set: each topic is a counter in Redis (``INCR`` to
  publish, one ``MGET`` to sync), so a logout, a role change or a calendar entry on one node
  is effective on every node within ``SHARED_STATE_CHECK_SECONDS``. With Redis unreachable a
  node logs it and falls back to its TTLs: requests never fail because of it.

Counters that must be shared, not invalidated: the public portal's rate limits and look-up
failure budgets count in flask-limiter's storage (:mod:`govkit.publicity.limiter`), which is
``REDIS_URL`` when ``RATELIMIT_STORAGE_URI`` is left at ``memory://``; the login lockouts
(:mod:`govkit.auth.throttle`) count in the database table ``gk_login_failure``, which every
node already shares.
"""
from __future__ import annotations

import logging
import threading
import time
from itertools import chain
from typing import Any, Iterable, Protocol

from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from govkit.auth import cache as auth_cache
from govkit.cases.runtime import invalidate_calendar
from govkit.listeners import Listeners
from govkit.state import get_state

log = logging.getLogger(__name__)

#: topic → the tables whose committed changes move it.
TOPICS: dict[str, frozenset[str]] = {
    "auth": auth_cache.AUTH_TABLES,
    "calendar": frozenset({"gk_calendar_day", "gk_calendar_year", "gk_working_day"}),
}
_INFO_KEY = "gk_shared_topics"


class SharedState(Protocol):
    """The backend interface: publish topics, read every topic's version."""

    def publish(self, topics: Iterable[str]) -> dict[str, int]:
        """Move ``topics`` on (after a commit); returns their new versions where known."""

    def versions(self) -> dict[str, int] | None:
        """Every topic's current version; None when there is nothing to compare (one node)."""


class LocalState:
    """One node: nothing to share. The changing process drops its own caches at once."""

    name = "local"

    def publish(self, topics: Iterable[str]) -> dict[str, int]:
        return {}

    def versions(self) -> dict[str, int] | None:
        return None


class RedisState:
    """Topic versions as Redis counters (``<prefix>:version:<topic>``), shared by every node."""

    name = "redis"

    def __init__(self, url: str, prefix: str = "govkit", timeout: float = 0.5) -> None:
        import redis  # deferred: redis-py is needed only when REDIS_URL is set

        self.client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self.errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self.keys = {topic: f"{prefix}:version:{topic}" for topic in TOPICS}

    def publish(self, topics: Iterable[str]) -> dict[str, int]:
        topics = [topic for topic in TOPICS if topic in set(topics)]
        pipe = self.client.pipeline(transaction=False)
        for topic in topics:
            pipe.incr(self.keys[topic])
        return dict(zip(topics, map(int, pipe.execute())))

    def versions(self) -> dict[str, int] | None:
        values = self.client.mget(list(self.keys.values()))
        return {topic: int(value or 0) for topic, value in zip(self.keys, values)}


def backend_for(settings: Any) -> LocalState | RedisState:
    """The backend the settings ask for: Redis when ``REDIS_URL`` is set, else one node."""
    url = settings.get("REDIS_URL")
    return RedisState(url, prefix=settings.get("REDIS_KEY_PREFIX") or "govkit") if url else LocalState()


def drop_caches(app: Flask, topics: Iterable[str]) -> None:
    """Drop this process's caches behind ``topics`` (what a published change means here)."""
    topics = set(topics)
    if "auth" in topics:
        auth_cache.bump()  # tokens, actors, permissions and session epochs (one generation)
    if "calendar" in topics:
        invalidate_calendar(app)


class NodeSync:
    """One app's view of the shared versions: what it has seen, and when it last looked."""

    def __init__(self, backend: LocalState | RedisState, interval: float) -> None:
        self.backend, self.interval = backend, interval
        self.seen: dict[str, int] | None = None
        self.checked = float("-inf")
        self.failing = False
        self._lock = threading.Lock()

    def sync(self, app: Flask) -> None:
        """Drop the caches of every topic another node moved since the last look."""
        now = time.monotonic()
        if now - self.checked < self.interval:
            return
        self.checked = now
        try:
            current = self.backend.versions()
        except self.errors as exc:
            self._failed("读取", exc)
            return
        self.failing = False
        if current is None:
            return
        with self._lock:
            seen, self.seen = self.seen, current
        moved = [t for t in current if seen is None or current[t] != seen.get(t)]
        if moved:
            drop_caches(app, moved)

    def publish(self, topics: set[str]) -> None:
        try:
            versions = self.backend.publish(topics)
        except self.errors as exc:
            self._failed("发布", exc)
            return
        with self._lock:
            # Our own change needs no second drop here; another node's change in between still does.
            if self.seen is not None:
                for topic, version in versions.items():
                    if self.seen.get(topic) == version - 1:
                        self.seen[topic] = version

    @property
    def errors(self) -> tuple[type[BaseException], ...]:
        return getattr(self.backend, "errors", ())

    def _failed(self, what: str, exc: BaseException) -> None:
        if not self.failing:
            log.warning("共享状态（Redis）%s失败，本节点暂按缓存时限失效：%s", what, exc)
        self.failing = True


def node_sync(app: Flask) -> NodeSync:
    """The app's :class:`NodeSync` (made by :func:`init_shared_state`)."""
    return get_state(app).cache["shared_state"]


def init_shared_state(app: Flask) -> NodeSync:
    """Choose the backend from the settings and sync before every request."""
    settings = get_state(app).settings
    sync = NodeSync(backend_for(settings), float(settings.get("SHARED_STATE_CHECK_SECONDS", 0.5) or 0))
    get_state(app).cache["shared_state"] = sync
    if isinstance(sync.backend, RedisState):
        app.before_request(lambda: sync.sync(app))
    return sync


# -- publishing: which topics a transaction touched, sent after its commit ---------------------------


def _topics_of(tables: Iterable[str]) -> set[str]:
    tables = set(tables)
    return {topic for topic, names in TOPICS.items() if tables & names}


def _mark(session: Session, topics: set[str]) -> None:
    if topics:
        session.info.setdefault(_INFO_KEY, set()).update(topics)


def _after_flush(session: Session, flush_context: Any) -> None:
    objects = chain(session.new, session.dirty, session.deleted)
    _mark(session, _topics_of(getattr(type(obj), "__tablename__", "") for obj in objects))


def _do_orm_execute(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        _mark(state.session, _topics_of([getattr(table, "name", "")]))


def _after_commit(session: Session) -> None:
    # Topics of a rolled-back transaction stay marked and go with the next commit: one needless drop at worst.
    topics = session.info.pop(_INFO_KEY, None)
    if topics and has_app_context():
        sync = get_state(current_app).cache.get("shared_state")
        if sync is not None:
            sync.publish(topics)


#: On govkit's session factory (govkit.app.SESSION_LISTENER_SETS).
SESSION_LISTENERS = Listeners(
    ("after_flush", _after_flush), ("do_orm_execute", _do_orm_execute),
    ("after_commit", _after_commit),
)
