"""Inbound data exchange (govkit.cases.inbound): the JSON Schema check in Chinese, and the consumer on a real
RabbitMQ node on loopback — a redelivered registration makes one case, a malformed one is recorded, acked and
answered, a status query is answered to reply_to with the correlation id and no personal data."""
from __future__ import annotations

import json
import uuid

import pika
import pytest
from sqlalchemy import func, select

from govkit.cases import inbound
from govkit.cases.models import Case, InboundMessage
from tests.cases.conftest import ID_NUMBER, VILLAGE


def registration(key: str | None = None, **changes) -> dict:
    message = {
        "kind": "registration", "key": key or f"prov-{uuid.uuid4().hex}", "item_code": "000123456001",
        "receiving_division_code": VILLAGE, "received_at": "2026-03-02T09:30:00+08:00",
        "applicant": {"name": "张三", "id_number": ID_NUMBER, "phone": "13800001234"},
        "form_data": {},
    }
    message.update(changes)
    return message


def test_the_schema_check_names_every_problem_in_chinese():
    assert inbound.problems(registration()) == []
    assert inbound.problems({"kind": "status_query", "key": "q-12345678", "case_number": "X1"}) == []
    found = inbound.problems(registration(item_code=None, receiving_division_code="62100", extra=1,
                                          applicant={"id_number": 5}))
    assert "字段“receiving_division_code”格式不正确" in found
    assert "字段“item_code”应为字符串" in found
    assert "消息含有不认识的项“extra”" in found
    assert "字段“applicant”缺少必填项“name”" in found
    assert "字段“applicant.id_number”应为字符串" in found
    bare = {k: v for k, v in registration().items() if k != "item_code"}
    assert inbound.problems(bare) == ["消息须填写“item_code”或“implementation_code”"]
    assert inbound.problems({"kind": "delete", "key": "k-12345678"}) == [
        "字段“kind”应为以下之一：registration、status_query"]
    assert inbound.problems([1]) == ["消息应为对象"]
    assert inbound.parse(b"\xff{")[1] == "消息不是 UTF-8 编码的 JSON。"
    assert inbound.schema()["$defs"]["registration"]["properties"]["applicant"]["required"] == ["name", "id_number"]


@pytest.mark.both_backends
def test_handle_is_idempotent_and_records_refusals(db, world, workflow):
    body = json.dumps(registration("key-once-0001")).encode()
    first, again = (inbound.handle(db.session, workflow, body) for _ in range(2))
    assert first.body["status"] == "已处理" and first.body["case_number"]
    assert again.body == {**first.body, "duplicate": True}
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    refused = inbound.handle(db.session, workflow, json.dumps(registration(item_code="999999999999")).encode())
    assert refused.rejected
    assert refused.body["error"] == "办件登记被拒绝：事项编码 999999999999 在本地没有已发布的事项实施清单。"
    bad_id = inbound.handle(db.session, workflow, json.dumps(
        registration(applicant={"name": "李四", "id_number": "110105194912310021"})).encode())
    assert bad_id.rejected and "身份证" in bad_id.body["error"]
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1  # nothing half-written
    rows = {r.key: (r.kind, r.status, r.case_id is not None) for r in db.session.scalars(select(InboundMessage))}
    assert rows["key-once-0001"] == ("registration", "已处理", True)
    assert sorted(status for _, status, _ in rows.values()) == ["已处理", "已拒绝", "已拒绝"]


@pytest.mark.both_backends
def test_a_consumer_that_lost_the_race_answers_from_the_winners_record(db, world, workflow, monkeypatch):
    body = json.dumps(registration("key-race-0001")).encode()
    first = inbound.handle(db.session, workflow, body)
    looked: list[str] = []
    real = inbound.recorded

    def before_the_winner_committed(session, key):
        looked.append(key)
        return None if len(looked) == 1 else real(session, key)

    # The second consumer looked before the first committed: only the unique key stops a second case.
    monkeypatch.setattr(inbound, "recorded", before_the_winner_committed)
    second = inbound.handle(db.session, workflow, body)
    assert looked == ["key-race-0001", "key-race-0001"]  # looked, lost at commit, read the winner's row
    assert second.body == {**first.body, "duplicate": True}
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 1


class Platform:
    """The provincial platform's side: publishes to the inbound queue, reads answers from its reply queue."""

    def __init__(self, url: str, queue: str) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        self.queue = queue
        self.channel.queue_declare(queue, durable=True)
        self.replies = self.channel.queue_declare("", exclusive=True).method.queue

    def send(self, message: dict | bytes, correlation_id: str) -> None:
        body = message if isinstance(message, bytes) else json.dumps(message, ensure_ascii=False).encode()
        self.channel.basic_publish("", self.queue, body, pika.BasicProperties(
            reply_to=self.replies, correlation_id=correlation_id, delivery_mode=2))

    def answers(self) -> dict[str, dict]:
        taken = {}
        while True:
            method, properties, body = self.channel.basic_get(self.replies, auto_ack=True)
            if method is None:
                return taken
            taken[properties.correlation_id] = json.loads(body)

    def left_in_queue(self) -> int:
        return self.channel.queue_declare(self.queue, passive=True).method.message_count


def test_consumer_on_rabbitmq(db, world, workflow, rabbitmq_server):
    queue = f"inbound-{uuid.uuid4().hex[:8]}"
    platform = Platform(rabbitmq_server.url, queue)
    message = registration()
    platform.send(message, "reg-1")
    platform.send(message, "reg-2")  # the platform sends it again (its own retry)
    platform.send(registration(applicant={"name": "李四"}), "bad-1")
    platform.send(b"not json", "bad-2")
    consumer = inbound.Consumer(rabbitmq_server.url, queue, prefetch=2)
    counts = consumer.run(lambda: db.session, workflow, stopped=lambda: False, idle_seconds=0.6)
    assert counts == {"handled": 2, "rejected": 2, "failed": 0}
    answers = platform.answers()
    assert answers["reg-1"]["status"] == answers["reg-2"]["status"] == "已处理"
    number = answers["reg-1"]["case_number"]
    assert answers["reg-2"] == {**answers["reg-1"], "duplicate": True}
    assert db.session.scalars(select(Case.number)).all() == [number]  # one case, not two
    assert answers["bad-1"]["status"] == "已拒绝"
    assert answers["bad-1"]["error"] == "消息格式不符合数据交换规范：字段“applicant”缺少必填项“id_number”。"
    assert answers["bad-2"]["error"] == "消息不是 UTF-8 编码的 JSON。"
    rejected = db.session.scalars(select(InboundMessage).where(InboundMessage.status == "已拒绝")).all()
    assert sorted(r.error for r in rejected) == sorted([answers["bad-1"]["error"], answers["bad-2"]["error"]])
    assert platform.left_in_queue() == 0  # acked, not requeued

    platform.send({"kind": "status_query", "key": "query-000001", "case_number": number}, "q-1")
    platform.send({"kind": "status_query", "key": "query-000002", "case_number": "不存在的编号"}, "q-2")
    counts = consumer.run(lambda: db.session, workflow, stopped=lambda: False, idle_seconds=0.6)
    assert counts == {"handled": 1, "rejected": 1, "failed": 0}
    answers = platform.answers()
    status = answers["q-1"]
    assert status["state_label"] == "已登记" and status["case_number"] == number
    assert status["received_date"] == "2026年3月2日" and status["intake_due_date"]
    assert [step["step"] for step in status["timeline"]] == ["已登记"]
    assert status["timeline"][0]["date"] == "2026年3月2日" and status["timeline"][0]["unit"]
    text = json.dumps(status, ensure_ascii=False)
    assert ID_NUMBER not in text and "张三" not in text and "13800001234" not in text
    assert answers["q-2"]["error"] == "办件编号 不存在的编号 不存在。"
    platform.connection.close()


def test_the_command_consumes_until_idle(db, world, workflow, govkit_config, monkeypatch, rabbitmq_server):
    from click.testing import CliRunner

    for key in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY"):
        monkeypatch.setenv(f"GOVKIT_{key}", str(govkit_config[key]))
    monkeypatch.delenv("GOVKIT_AMQP_URL", raising=False)
    result = CliRunner().invoke(inbound.inbound_group, ["consume", "--until-idle", "0.3"])
    assert result.exit_code == 2 and "未配置 AMQP_URL" in result.output
    queue = f"inbound-{uuid.uuid4().hex[:8]}"
    platform = Platform(rabbitmq_server.url, queue)
    platform.send(registration(), "reg-cli")
    monkeypatch.setenv("GOVKIT_AMQP_URL", rabbitmq_server.url)
    result = CliRunner().invoke(inbound.inbound_group, ["consume", "--queue", queue, "--until-idle", "0.3"])
    assert result.exit_code == 0, result.output
    assert "已处理 1 条，拒绝 0 条，失败 0 条。" in result.output
    assert platform.answers()["reg-cli"]["status"] == "已处理"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    platform.connection.close()
