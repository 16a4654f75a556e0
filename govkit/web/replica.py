"""Reads from a PostgreSQL streaming replica (只读副本): the public portal, dashboards, reports and exports.

With ``DATABASE_REPLICA_URL`` set (a hot standby made with ``pg_basebackup -R`` from the primary),
the read load that grows with a city or a province — the public portal, the supervision dashboards,
the reports and the CSV exports — is served by the replica, and the primary keeps the writes.

How a request is routed (:func:`decide`, before the view runs):

* only ``GET``/``HEAD`` requests of *routed* endpoints: the public portal's blueprints
  (:data:`PUBLIC_BLUEPRINTS`) and the views that declare ``replica_reads`` — ``True`` for every
  GET page of the view (dashboards, reports), or a tuple of method names (``("export_csv",)``);
* not when the replica is down, is not a standby, or lags more than ``REPLICA_MAX_LAG_SECONDS``
  (:meth:`ReplicaRouter.status`, measured at most every ``REPLICA_CHECK_SECONDS`` per worker, every
  5 s at most while it is down): the request reads from the primary, and the worker logs the change
  once (``只读副本…改从主库读取``); a page whose replica dies while it is being answered is answered
  again from the primary (:func:`_replica_lost`);
* not for a session whose last write the replica has not replayed yet (read your own writes): a commit
  through govkit's session in a request that carries a session cookie stamps the primary's WAL position
  after it (``pg_current_wal_insert_lsn()``, one query on a pooled connection) into the signed session as
  ``gk_wrote_lsn``; the request reads from the primary until the replica's replayed position, as last
  measured, has passed it. The cookie travels with the user, so this holds on every node.

Within a routed request the routing ``Session.get_bind`` (:class:`govkit.db.RoutingSession`, the
pattern SQLAlchemy documents for a leader and followers) sends a statement to the replica only when it
is a plain ``SELECT`` (no ``FOR UPDATE``) that reads none of :data:`PRIMARY_TABLES` — users, roles,
permissions, staff and session epochs, whose caches must never be filled from a replica that has not
yet seen a logout or a role removal. Flushes and every other statement go to the primary.

The lag is "how old is the newest data the replica lacks": 0 when the replica has replayed everything
the primary had flushed when the check began (``pg_last_wal_replay_lsn() >= pg_current_wal_flush_lsn()``),
else the age of the last transaction it replayed (``pg_last_xact_replay_timestamp()``). A replica whose
replay is paused, or whose WAL receiver is cut off, therefore counts as lagging however idle it is.
"""
from __future__ import annotations

import logging
import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request
from flask import session as flask_session
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import find_tables

from govkit.auth import cache as auth_cache
from govkit.db import READ_ROUTE, db
from govkit.listeners import Listeners
from govkit.state import get_state

log = logging.getLogger(__name__)

BIND_KEY = "replica"
#: The public portal: every GET page of these blueprints reads from the replica.
PUBLIC_BLUEPRINTS = frozenset({"public", "public_consult", "public_foi"})
#: Read from the primary even in a routed request: who may do what, and the revocation list.
PRIMARY_TABLES = auth_cache.AUTH_TABLES - {"gk_division"}
#: Key of the primary's WAL position after the session's last commit (``"16/B374D848"``) in the signed session.
WROTE_LSN = "gk_wrote_lsn"
#: While the replica is down it is tried again at most this often (a black-holed host costs a connect timeout).
DOWN_RETRY_SECONDS = 5.0
_WROTE = "gk_replica_wrote"
_SAFE_METHODS = ("GET", "HEAD")
_SELECT_TEXT = re.compile(r"\s*select\b", re.IGNORECASE)


@dataclass(frozen=True)
class ReplicaStatus:
    """What the last check found: whether the replica answered as a standby, its lag in seconds and the
    WAL position it had replayed (:func:`lsn`)."""

    up: bool
    lag: float = math.inf
    replayed: int = 0
    error: str = ""


def lsn(text: str | None) -> int:
    """PostgreSQL's ``pg_lsn`` text (``"16/B374D848"``) as a number; 0 for None or rubbish."""
    high, _, low = (text or "").partition("/")
    try:
        return (int(high, 16) << 32) | int(low, 16)
    except ValueError:
        return 0


def decide(*, routed: bool, status: ReplicaStatus | None, wrote_lsn: int, max_lag: float) -> tuple[bool, str]:
    """(read from the replica?, why) for one request. ``status`` None: no replica configured; ``wrote_lsn``:
    the session's last write (0: none)."""
    if not routed:
        return False, "not routed"
    if status is None:
        return False, "no replica"
    if not status.up:
        return False, "replica down"
    if status.lag > max_lag:
        return False, "replica lagging"
    if wrote_lsn > status.replayed:
        return False, "own write not replayed"
    return True, "replica"


def reads_only(clause: Any) -> bool:
    """A statement a hot standby can answer: a SELECT without FOR UPDATE (a TextClause starting with SELECT)."""
    if isinstance(clause, sa.sql.expression.GenerativeSelect):  # Select, CompoundSelect
        return clause._for_update_arg is None
    if isinstance(clause, sa.TextClause):
        return bool(_SELECT_TEXT.match(clause.text)) and "for update" not in clause.text.lower()
    return False


def touches_primary_tables(mapper: Any, clause: Any) -> bool:
    """Does the statement read one of :data:`PRIMARY_TABLES`?"""
    if isinstance(clause, sa.TextClause):
        text = clause.text.lower()
        return any(name in text for name in PRIMARY_TABLES)
    names = {table.name for table in find_tables(clause, include_joins=True, include_aliases=True)}
    if mapper is not None:
        names.update(table.name for table in getattr(sa.inspect(mapper), "tables", ()))
    return not names.isdisjoint(PRIMARY_TABLES)


class ReplicaRouter:
    """One app's replica: its engine, the last measured status, and the read route of a request."""

    def __init__(self, primary: Engine, replica: Engine, *, max_lag: float, interval: float) -> None:
        self.primary, self.replica = primary, replica
        self.max_lag, self.interval = max_lag, interval
        self.last: ReplicaStatus | None = None
        self.checked = -math.inf
        self.usable: bool | None = None
        self._lock = threading.Lock()

    def bind_for(self, mapper: Any, clause: Any) -> Engine | None:
        """The route :class:`govkit.db.RoutingSession` asks: the replica for plain reads, else None."""
        if clause is None or not reads_only(clause) or touches_primary_tables(mapper, clause):
            return None
        return self.replica

    def probe(self) -> ReplicaStatus:
        """Measure now: is the replica a standby that answers, and how far behind the primary is it?"""
        try:
            primary = lsn(self.flushed_position())
            with self.replica.connect() as conn:
                standby, replayed, lag = conn.execute(sa.text(
                    "SELECT pg_is_in_recovery(), CAST(pg_last_wal_replay_lsn() AS text),"
                    " EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())")).one()
        except sa.exc.DBAPIError as exc:
            return ReplicaStatus(False, error=_first_line(exc))
        if not standby:
            return ReplicaStatus(False, error="不是备库（pg_is_in_recovery() 为假）")
        replayed = lsn(replayed)
        if replayed >= primary:
            return ReplicaStatus(True, 0.0, replayed)
        return ReplicaStatus(True, math.inf if lag is None else max(float(lag), 0.0), replayed)

    def flushed_position(self) -> str:
        """The primary's WAL flush position: what a replica can have replayed at most. (The insert position can sit
        past a page header when the last record ended on a page boundary, or past a record not yet flushed, so
        an idle primary's replica would never reach it and would count as lagging more and more.)"""
        with self.primary.connect() as conn:
            return conn.execute(sa.text("SELECT CAST(pg_current_wal_flush_lsn() AS text)")).scalar_one()

    def wal_position(self) -> str:
        """The primary's WAL insert position now: at or after the end of every commit that has returned."""
        with self.primary.connect() as conn:
            return conn.execute(sa.text("SELECT CAST(pg_current_wal_insert_lsn() AS text)")).scalar_one()

    def status(self) -> ReplicaStatus:
        """The replica's status, measured at most every ``interval`` seconds (one thread measures, others wait
        only for the very first measurement)."""
        if not self._due():
            return self.last
        if not self._lock.acquire(blocking=self.last is None):
            return self.last  # another thread is measuring
        try:
            if self._due():
                self._record(self.probe())
            return self.last
        finally:
            self._lock.release()

    def _due(self) -> bool:
        if self.last is None:
            return True
        wait = self.interval if self.last.up else max(self.interval, DOWN_RETRY_SECONDS)
        return time.monotonic() - self.checked >= wait

    def failed(self, exc: BaseException) -> None:
        """A routed request could not reach the replica: count it as down until the next check."""
        self._record(ReplicaStatus(False, error=_first_line(exc)))

    def _record(self, status: ReplicaStatus) -> None:
        self.last, self.checked = status, time.monotonic()
        usable = status.up and status.lag <= self.max_lag
        if usable == self.usable:
            return
        if usable:
            log.info("只读副本可用（延迟 %.1f 秒），公众门户、看板、报表和导出从副本读取。", status.lag)
        elif status.up:
            log.warning("只读副本延迟 %.1f 秒，超过 REPLICA_MAX_LAG_SECONDS=%s，改从主库读取。",
                        status.lag, self.max_lag)
        else:
            log.warning("只读副本不可用，改从主库读取：%s", status.error)
        self.usable = usable


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def binds(settings: Any, database_url: str) -> dict[str, Any]:
    """``SQLALCHEMY_BINDS`` for Flask-SQLAlchemy: the replica's engine when one is configured."""
    url = settings.get("DATABASE_REPLICA_URL")
    if not url:
        return {}
    if not database_url.startswith("postgresql"):
        log.warning("DATABASE_REPLICA_URL 只用于 PostgreSQL 主库（DATABASE_URL），已忽略。")
        return {}
    # pre-ping: a replica restarted since the connection was pooled is noticed at checkout, not by a query.
    return {BIND_KEY: {"url": url, "pool_pre_ping": True, "connect_args": {"connect_timeout": 3}}}


def router_of(app: Flask) -> ReplicaRouter | None:
    """The app's :class:`ReplicaRouter`, None without a replica."""
    return get_state(app).cache.get("replica")


def routed_endpoint(app: Flask, blueprint: str | None, endpoint: str | None, method: str) -> bool:
    """Does this request read from the replica when it can? (GET/HEAD of a public or ``replica_reads`` page)"""
    if method not in _SAFE_METHODS or not endpoint:
        return False
    if blueprint in PUBLIC_BLUEPRINTS:
        return True
    views = get_state(app).cache.get("replica_views")
    if views is None:
        views = {view.endpoint: view for view in getattr(app, "appbuilder").baseviews}
        get_state(app).cache["replica_views"] = views
    reads = getattr(views.get(blueprint), "replica_reads", False)
    return reads is True or (bool(reads) and endpoint.rpartition(".")[2] in reads)


def _route_reads() -> None:
    router = router_of(current_app)
    if router is None:
        return
    routed = routed_endpoint(current_app, request.blueprint, request.endpoint, request.method)
    if not routed:
        return
    # Only a client with a session can have written; not touching the session keeps "Vary: Cookie" off the others.
    has_session = current_app.config["SESSION_COOKIE_NAME"] in request.cookies
    wrote = lsn(flask_session.get(WROTE_LSN)) if has_session else 0
    use, why = decide(routed=True, status=router.status(), wrote_lsn=wrote, max_lag=router.max_lag)
    log.debug("%s %s reads from the %s (%s)", request.method, request.path, "replica" if use else "primary", why)
    if not use:
        return
    try:  # check out the replica's connection now (pre-ping): a replica gone since the last check is skipped
        db.session.connection(bind_arguments={"bind": router.replica})
    except sa.exc.DBAPIError as exc:
        db.session.rollback()
        router.failed(exc)
        return
    setattr(g, READ_ROUTE, router.bind_for)


def _end_route(exc: BaseException | None = None) -> None:
    g.pop(READ_ROUTE, None)


def _replica_lost(exc: sa.exc.OperationalError) -> Any:
    """A routed page whose replica went away while it was being answered is answered again from the primary.

    Only routed requests (GET pages that read) get here with a read route, so running the view once more is
    safe; a second failure (then the primary's) is the ordinary error page.
    """
    route = g.pop(READ_ROUTE, None)
    if route is None:  # not a routed page: the app's handler of any other error (the Chinese 500 page)
        fallback = current_app.error_handler_spec[None][None].get(Exception)
        if fallback is None:
            raise exc
        return fallback(exc)
    db.session.rollback()
    router_of(current_app).failed(exc)
    return current_app.make_response(current_app.dispatch_request())


def init_replica(app: Flask) -> ReplicaRouter | None:
    """Route the reads of public, dashboard, report and export pages to the replica (when one is configured).

    Called at the end of ``create_app``: its ``before_request`` runs after the session and login checks,
    which therefore read from the primary.
    """
    if BIND_KEY not in app.config.get("SQLALCHEMY_BINDS", {}):
        return None
    settings = get_state(app).settings
    with app.app_context():
        router = ReplicaRouter(db.engines[None], db.engines[BIND_KEY],
                               max_lag=float(settings["REPLICA_MAX_LAG_SECONDS"]),
                               interval=float(settings["REPLICA_CHECK_SECONDS"]))
    get_state(app).cache["replica"] = router
    app.before_request(_route_reads)
    app.teardown_request(_end_route)
    app.register_error_handler(sa.exc.OperationalError, _replica_lost)
    return router


# -- read your own writes: a commit stamps the session -------------------------------------------------------


def _after_flush(session: Session, flush_context: Any) -> None:
    if session.new or session.dirty or session.deleted:
        session.info[_WROTE] = True


def _do_orm_execute(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop(_WROTE, False) or not has_request_context():
        return
    router = router_of(current_app)
    if router is None or current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return  # no replica, or a client without a session (API tokens): nothing to remember
    try:
        flask_session[WROTE_LSN] = router.wal_position()
    except sa.exc.DBAPIError as exc:  # the commit stands; the session reads the primary until its next write
        log.warning("提交后读取主库 WAL 位置失败：%s", _first_line(exc))
        flask_session[WROTE_LSN] = "FFFFFFFF/FFFFFFFF"


def _after_rollback(session: Session) -> None:
    session.info.pop(_WROTE, None)


#: On govkit's session factory (govkit.app.SESSION_LISTENER_SETS).
SESSION_LISTENERS = Listeners(
    ("after_flush", _after_flush), ("do_orm_execute", _do_orm_execute),
    ("after_commit", _after_commit), ("after_rollback", _after_rollback),
)
