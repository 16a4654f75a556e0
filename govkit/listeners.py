"""SQLAlchemy listeners on govkit's own engines and sessions only, never on every one in the process.

Listening on the ``Session`` or ``Engine`` class would hand govkit's listeners to every engine and session
of the process: a county's reporting job, a test's scratch database, another library's. So each module that
listens declares a :class:`Listeners` set instead; :func:`govkit.db.listen` attaches the engine sets to the
engines of each app govkit creates and the session sets to govkit's session factory (``db.session``).
Services take any ``Session``, so the case-writing sets also attach themselves to a session govkit's factory
did not make (:meth:`Listeners.ensure`, e.g. a worker's ``Session(engine)``) — to that one session only.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import scoped_session

__all__ = ["Listeners"]


class Listeners:
    """A named set of ``(event name, function)`` pairs attached together to one target."""

    def __init__(self, *listeners: tuple[str, Callable[..., Any]]) -> None:
        self.listeners = listeners

    def attach(self, target: Any) -> None:
        """Listen on ``target`` (an engine, a session factory or one session); attaching twice adds nothing."""
        for name, function in self.listeners:
            if not event.contains(target, name, function):
                event.listen(target, name, function)

    def attached(self, target: Any) -> bool:
        """True when every listener of the set is registered on ``target`` itself."""
        return all(event.contains(target, name, function) for name, function in self.listeners)

    def ensure(self, session: Any) -> None:
        """Attach to ``session`` unless it already runs the set (made by govkit's factory, or attached before)."""
        if isinstance(session, scoped_session):  # db.session itself: the session it stands for now
            session = session()
        name, function = self.listeners[0]
        if function not in getattr(session.dispatch, name):
            self.attach(session)
