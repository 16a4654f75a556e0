"""Transactional outbox: rows written with the change, drained idempotently."""
from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from click.testing import CliRunner

from govkit.cases.models import OutboxMessage
from govkit.cases.outbox import drain, http_sender, outbox_group, print_sender
from tests.cases.conftest import register

pytestmark = pytest.mark.both_backends


def test_outbox_row_is_written_in_the_same_transaction(workflow, world, db):
    case = register(workflow, db.session, world)
    workflow.perform(db.session, case, "accept", world.clerk, commit=False)
    assert db.session.query(OutboxMessage).count() == 2  # visible inside the transaction
    db.session.rollback()
    rows = db.session.query(OutboxMessage).all()
    assert [r.topic for r in rows] == ["case.register"]
    assert rows[0].payload["case_number"] == case.number and rows[0].payload["to_state"] == "registered"


def test_print_drain_marks_sent_and_sends_nothing_twice(workflow, world, db):
    case = register(workflow, db.session, world)
    workflow.perform(db.session, case, "accept", world.clerk)
    out = io.StringIO()
    assert drain(db.session, print_sender(out), batch_size=1) == (2, 0)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [m["topic"] for m in lines] == ["case.register", "case.accept"]
    assert len({m["key"] for m in lines}) == 2
    assert drain(db.session, print_sender(out)) == (0, 0)


class _Receiver(BaseHTTPRequestHandler):
    seen: list = []
    fail = False

    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if type(self).fail:
            self.send_response(503)
        else:
            type(self).seen.append((self.headers["Idempotency-Key"], body["key"], body["topic"]))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def _serve():
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/inbox"


def test_http_drain_sends_idempotency_key_and_keeps_failures_pending(workflow, world, db):
    register(workflow, db.session, world)
    server, url = _serve()
    try:
        _Receiver.seen, _Receiver.fail = [], True
        assert drain(db.session, http_sender(url)) == (0, 1)
        row = db.session.query(OutboxMessage).one()
        assert row.sent_at is None and row.attempts == 1 and "503" in row.last_error
        _Receiver.fail = False
        assert drain(db.session, http_sender(url)) == (1, 0)
        assert _Receiver.seen == [(row.key, row.key, "case.register")]
        assert row.sent_at is not None
    finally:
        server.shutdown()


def test_cli_drain_prints_pending_rows(workflow, world, db, govkit_config, monkeypatch):
    register(workflow, db.session, world)
    for key in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY"):
        monkeypatch.setenv(f"GOVKIT_{key}", str(govkit_config[key]))
    result = CliRunner().invoke(outbox_group, ["drain"])
    assert result.exit_code == 0, result.output
    assert '"topic": "case.register"' in result.output and "已发送 1 条" in result.output
    db.session.expire_all()
    assert db.session.query(OutboxMessage).filter(OutboxMessage.sent_at.is_(None)).count() == 0
