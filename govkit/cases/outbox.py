"""Draining the transactional outbox (数据交换): ``govkit outbox drain [--url URL]``.

Rows are written by the workflow engine in the same transaction as the case change, so
an event exists exactly when its change was committed. ``drain`` sends pending rows in
id order, marks each sent, and records failures (attempts, last error) for the next run.
Receivers de-duplicate on the unique ``key`` (also sent as the ``Idempotency-Key``
header): a row may be delivered again if the process dies between sending and marking.
On PostgreSQL concurrent drainers skip each other's rows (``FOR UPDATE SKIP LOCKED``).
"""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Any, Callable, TextIO

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.models import OutboxMessage
from govkit.db import db

Sender = Callable[[OutboxMessage], None]


def message_body(row: OutboxMessage) -> dict[str, Any]:
    return {"key": row.key, "topic": row.topic, "created_at": row.created_at.isoformat() if row.created_at else None,
            "payload": row.payload}


def http_sender(url: str, timeout: float = 10.0) -> Sender:
    """POST each message as JSON; 2xx (or 409 = already received) counts as delivered."""

    def send(row: OutboxMessage) -> None:
        data = json.dumps(message_body(row), ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(url, data=data, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": row.key})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            if exc.code != 409:
                raise RuntimeError(f"接收方返回 HTTP {exc.code}") from exc

    return send


def print_sender(stream: TextIO | None = None) -> Sender:
    """Write each message as one JSON line (for piping into another tool)."""

    def send(row: OutboxMessage) -> None:
        out = stream or sys.stdout
        out.write(json.dumps(message_body(row), ensure_ascii=False) + "\n")

    return send


def drain(session: Session, send: Sender, *, batch_size: int = 500, limit: int | None = None) -> tuple[int, int]:
    """Send pending rows until none are left (or a whole batch failed); return (sent, failed)."""
    sent = failed = 0
    locking = session.get_bind().dialect.name == "postgresql"
    while limit is None or sent < limit:
        query = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id)
        query = query.limit(batch_size if limit is None else min(batch_size, limit - sent))
        if locking:
            query = query.with_for_update(skip_locked=True)
        rows = session.scalars(query).all()
        if not rows:
            break
        batch_sent = 0
        for row in rows:
            try:
                send(row)
            except Exception as exc:  # recorded on the row; the next run retries it
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                failed += 1
                continue
            row.sent_at = datetime.now(timezone.utc)
            row.attempts += 1
            batch_sent += 1
        session.commit()
        sent += batch_sent
        if batch_sent == 0:
            break
    return sent, failed


@click.group("outbox", help="数据交换发件箱（transactional outbox）。")
def outbox_group() -> None:
    pass


@outbox_group.command("drain")
@click.option("--url", default=None, help="接收方地址（POST JSON）；不填则逐行打印到标准输出。")
@click.option("--batch", "batch_size", type=int, default=None, help="每批条数（默认 OUTBOX_BATCH_SIZE）。")
@click.option("--limit", type=int, default=None, help="最多发送条数。")
def drain_command(url: str | None, batch_size: int | None, limit: int | None) -> None:
    """Send pending outbox rows and mark them sent."""
    from govkit.app import create_app, get_state  # deferred: the app factory imports every domain, cases too

    app = create_app()
    with app.app_context():
        size = batch_size or get_state(app).settings["OUTBOX_BATCH_SIZE"]
        sender = http_sender(url) if url else print_sender()
        sent, failed = drain(db.session, sender, batch_size=size, limit=limit)
    click.echo(f"已发送 {sent} 条，失败 {failed} 条。", err=True)
    if failed:
        sys.exit(1)
