"""Per-process caches for the API's hot path: verified bearer tokens and who a user is.

Every case API call used to decode the JWT several times (PyJWT checks the base64 text
character by character), load the FAB user and its roles, and look up the staff row for
the division scope — about a quarter of the request's CPU. These caches keep:

* **tokens**: raw bearer token → (expiry, user id). The key is the whole signed token, so
  only a token that was verified once is ever accepted from the cache, and never after
  its ``exp``.
* **principals**: user id → whatever the caller builds from the database (e.g. the
  case API's :class:`~govkit.cases.workflow.Actor`).

Both are invalidated at once in this process when a flush touches users, roles,
permissions, staff or divisions through govkit's session (a SQLAlchemy ``after_flush``
listener bumps a generation counter), and expire after ``AUTH_CACHE_SECONDS`` in every other worker
process. ``AUTH_CACHE_SECONDS = 0`` turns caching off (every request reads the database).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from itertools import chain
from typing import Any, Callable, Hashable

from sqlalchemy.orm import Session

from govkit.listeners import Listeners

#: Bumped whenever this process flushes a change to who-may-do-what rows.
_generation = [0]
_generation_lock = threading.Lock()
AUTH_TABLES = frozenset({"ab_user", "ab_role", "ab_user_role", "ab_permission_view", "ab_permission_view_role",
                          "ab_permission", "ab_view_menu", "gk_staff", "gk_division",
                          "gk_session_epoch"})


def generation() -> int:
    return _generation[0]


def bump() -> None:
    """Invalidate every auth cache of this process (called after relevant flushes)."""
    with _generation_lock:
        _generation[0] += 1


def _touches_auth(obj: Any) -> bool:
    table = getattr(type(obj), "__tablename__", None)
    return table in AUTH_TABLES


def _after_flush(session: Session, flush_context: Any) -> None:
    if any(_touches_auth(obj) for obj in chain(session.new, session.dirty, session.deleted)):
        bump()


def _after_bulk_update(update_context: Any) -> None:
    if getattr(update_context.mapper, "local_table", None) is not None and \
            update_context.mapper.local_table.name in AUTH_TABLES:
        bump()


def _after_bulk_delete(delete_context: Any) -> None:
    if getattr(delete_context.mapper, "local_table", None) is not None and \
            delete_context.mapper.local_table.name in AUTH_TABLES:
        bump()


#: On govkit's session factory only (govkit.db.listen): a change made through some other session is seen
#: here as one made by another process, after AUTH_CACHE_SECONDS.
SESSION_LISTENERS = Listeners(
    ("after_flush", _after_flush), ("after_bulk_update", _after_bulk_update),
    ("after_bulk_delete", _after_bulk_delete),
)


class TTLCache:
    """A small thread-safe LRU whose entries expire after ``ttl`` seconds or on :func:`bump`."""

    def __init__(self, ttl: float, max_entries: int = 4096) -> None:
        self.ttl, self.max_entries = ttl, max_entries
        self._data: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        if self.ttl <= 0:
            return None
        entry = self._data.get(key)
        if entry is None:
            return None
        expires, gen, value = entry
        if gen != _generation[0] or time.monotonic() >= expires:
            with self._lock:
                self._data.pop(key, None)
            return None
        return value

    def put(self, key: Hashable, value: Any, ttl: float | None = None, gen: int | None = None) -> None:
        """Store ``value``; ``gen`` is the generation read *before* building it (default: now)."""
        if self.ttl <= 0:
            return
        ttl = self.ttl if ttl is None else min(ttl, self.ttl)
        with self._lock:
            self._data[key] = (time.monotonic() + ttl, _generation[0] if gen is None else gen, value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def get_or_build(self, key: Hashable, build: Callable[[], Any]) -> Any:
        value = self.get(key)
        if value is None:
            gen = _generation[0]  # a change flushed while building makes the entry stale at once
            value = build()
            if value is not None:
                self.put(key, value, gen=gen)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def auth_cache(state: Any, name: str) -> TTLCache:
    """The worker's :class:`TTLCache` ``name`` in ``state.cache`` (a :class:`govkit.state.GovkitState`), living
    ``AUTH_CACHE_SECONDS`` and dropped with the other auth caches: signed-in users, session epochs, division
    names."""
    cache = state.cache.get(name)
    if cache is None:
        cache = state.cache.setdefault(name, TTLCache(float(state.settings.get("AUTH_CACHE_SECONDS", 30))))
    return cache
