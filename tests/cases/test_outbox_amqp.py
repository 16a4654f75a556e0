"""The outbox relay to a real RabbitMQ node on loopback: publisher confirms, message_id = the
outbox key, nothing marked sent that no queue took, and parallel relays on PostgreSQL
(FOR UPDATE SKIP LOCKED) delivering every key exactly once."""
from __future__ import annotations

import threading
import uuid
from collections import Counter

import pika
import sqlalchemy as sa
from sqlalchemy.orm import Session

from govkit.cases.models import OutboxMessage
from govkit.cases.outbox import AmqpSender, drain, relay


def _rows(session: Session, count: int, topic: str = "case.accept") -> list[str]:
    keys = [uuid.uuid4().hex for _ in range(count)]
    session.add_all(OutboxMessage(topic=topic, key=key, payload={"n": n}) for n, key in enumerate(keys))
    session.commit()
    return keys


def take_all(url: str, queue: str) -> list[tuple[str, bytes]]:
    """Every message of ``queue`` as (message_id, body), acknowledged (the queue is left empty)."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel, taken = connection.channel(), []
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            break
        taken.append((properties.message_id, body))
    connection.close()
    return taken


def test_drain_publishes_with_confirms_and_message_ids(db, rabbitmq_server):
    queue = f"q-{uuid.uuid4().hex[:8]}"
    keys = _rows(db.session, 5)
    sender = AmqpSender(rabbitmq_server.url, exchange=f"x-{queue}", queue=queue)
    try:
        assert drain(db.session, sender, batch_size=2) == (5, 0)
    finally:
        sender.close()
    taken = take_all(rabbitmq_server.url, queue)
    assert [message_id for message_id, _ in taken] == keys
    assert b'"topic": "case.accept"' in taken[0][1]
    assert db.session.query(OutboxMessage).filter(OutboxMessage.sent_at.is_(None)).count() == 0


def test_a_message_no_queue_takes_stays_pending(db, rabbitmq_server):
    _rows(db.session, 2)
    sender = AmqpSender(rabbitmq_server.url, exchange=f"x-{uuid.uuid4().hex[:8]}", queue=None)  # nothing bound
    try:
        assert drain(db.session, sender) == (0, 2)
    finally:
        sender.close()
    rows = db.session.query(OutboxMessage).all()
    assert {(r.sent_at, r.attempts) for r in rows} == {(None, 1)}
    assert all("没有队列接收主题 case.accept 的消息" in r.last_error for r in rows)


def test_parallel_relays_deliver_every_key_exactly_once(govkit_databases, rabbitmq_server):
    url = govkit_databases.copy("postgres", "schema")
    engine = sa.create_engine(url, pool_size=6)
    queue = f"q-{uuid.uuid4().hex[:8]}"
    with Session(engine) as session:
        keys = _rows(session, 300)
    done = threading.Event()
    results: list[tuple[int, int]] = []

    def run() -> None:
        sender = AmqpSender(rabbitmq_server.url, exchange=f"x-{queue}", queue=queue)
        with Session(engine) as session:
            pending = lambda: session.scalar(  # noqa: E731
                sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))
            results.append(relay(session, sender, batch_size=20, interval=0.05,
                                 stopped=lambda: done.is_set() or pending() == 0))
        sender.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    done.set()
    engine.dispose()
    taken = Counter(message_id for message_id, _ in take_all(rabbitmq_server.url, queue))
    assert sum(sent for sent, _ in results) == 300 and all(failed == 0 for _, failed in results)
    assert taken == Counter(keys)  # every key once, none twice
    assert sum(sent > 0 for sent, _ in results) >= 2, f"the relays shared the work: {results}"
    govkit_databases.drop(url)
