"""Inbound data exchange (数据交换·接收): case registrations and status queries from a provincial platform,
consumed from a RabbitMQ queue by ``govkit inbound consume``.

The messages follow the JSON Schema shipped in ``govkit/cases/schemas/inbound_message.schema.json``
(docs/data_exchange.md), checked with the ``jsonschema`` library. Each message is handled once per
idempotency key (``key``) and recorded in ``gk_inbound_message``:

- ``registration`` registers an ordinary case through :func:`govkit.cases.registration.register_case` (the
  desk's and the API's service, no second path) at the receiving division, by the actor
  ``省级平台（数据交换）``. 行政许可法第二十九条 lets an application arrive by electronic data exchange; the
  case then follows §32 like any registered at a window. The record is written in the case's own transaction,
  so a redelivered message finds it and never makes a second case (two consumers racing on one key: the
  unique key makes the loser roll back and answer from the winner's record).
- ``status_query`` answers the case's state label, deadlines and a timeline summary — no applicant name,
  ID number, phone or address, no staff names (as the public progress page).

A malformed message, an unknown item or any refusal of the registration service is recorded as 已拒绝 with
the Chinese reason, acknowledged (never requeued) and answered. Answers go to the message's ``reply_to`` queue
with its ``correlation_id``. The consumer acknowledges by hand after the database commit, with a prefetch
limit; a message whose handling failed for another reason (database down) is requeued once, then rejected.
"""
from __future__ import annotations

import hashlib
import json
import logging
import signal
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import click
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from govkit.cases.calendar import format_chinese_date
from govkit.cases.workflow import Actor, Workflow
from govkit.cases.models import INBOUND_DONE, INBOUND_REJECTED, Case, InboundMessage
from govkit.catalog.models import Implementation, ImplementationStatus, ServiceItem
from govkit.clock import local_date
from govkit.db import db
from govkit.errors import GovkitError
from govkit.hierarchy.models import Division
from govkit.hierarchy.codes import subtree_prefix


log = logging.getLogger("govkit.cases.inbound")

SCHEMA_PATH = Path(__file__).with_name("schemas") / "inbound_message.schema.json"
#: The name recorded on the events of cases registered from the platform.
INBOUND_ACTOR = "省级平台（数据交换）"
KINDS = {"registration": "办件登记", "status_query": "办件状态查询"}


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The message schema shipped in the package."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema  # deferred: only the inbound consumer and its tests validate messages

    return jsonschema.Draft202012Validator(schema())


_TYPES = {"object": "对象", "string": "字符串", "array": "数组", "integer": "整数", "number": "数字",
          "boolean": "是/否"}


def _where(path: Any) -> str:
    parts = [str(p) for p in path]
    return "字段“" + ".".join(parts) + "”" if parts else "消息"


def _chinese(error: Any) -> str:
    """One jsonschema error in Chinese (field path, what is wrong)."""
    where, kind, value = _where(error.absolute_path), error.validator, error.validator_value
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return f"{where}缺少必填项“{missing}”"
    if kind == "anyOf" and all("required" in option for option in value):
        return f"{where}须填写" + "或".join("“" + o["required"][0] + "”" for o in value)
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"{where}含有不认识的项“{'、'.join(extra)}”"
    if kind == "type":
        return f"{where}应为{_TYPES.get(value, value)}"
    if kind in ("enum", "const"):
        options = value if kind == "enum" else [value]
        return f"{where}应为以下之一：" + "、".join(map(str, options))
    if kind == "pattern":
        return f"{where}格式不正确"
    if kind in ("minLength", "maxLength"):
        return f"{where}长度应{'至少' if kind == 'minLength' else '至多'} {value} 个字符"
    return f"{where}不符合数据交换格式（{kind}）"


def problems(message: Any) -> list[str]:
    """The Chinese reasons ``message`` breaks the schema (empty when it is valid)."""
    errors = sorted(_validator().iter_errors(message), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    return list(dict.fromkeys(_chinese(error) for error in errors))  # the same reason once


def parse(body: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """(message, None) for a valid body, (the parsed object or None, Chinese reason) otherwise."""
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, "消息不是 UTF-8 编码的 JSON。"
    found = problems(message)
    if found:
        reason = "消息格式不符合数据交换规范：" + "；".join(found) + "。"
        return (message if isinstance(message, dict) else None), reason
    return message, None


@dataclass(frozen=True)
class Reply:
    """What is answered to ``reply_to`` (JSON) and whether the message was handled or rejected."""

    body: dict[str, Any]

    @property
    def rejected(self) -> bool:
        return self.body.get("status") == INBOUND_REJECTED


def _key_of(message: dict[str, Any] | None, body: bytes, message_id: str | None) -> str:
    """The idempotency key; a message without a valid one is recorded under its AMQP id or its content hash."""
    key = message.get("key") if isinstance(message, dict) else None
    if isinstance(key, str) and 8 <= len(key) <= 100:
        return key
    if message_id and len(message_id) <= 100:
        return message_id
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _answer(row: InboundMessage, session: Session, extra: dict[str, Any] | None = None) -> Reply:
    body: dict[str, Any] = {"key": row.key, "kind": row.kind, "status": row.status}
    if row.error:
        body["error"] = row.error
    if row.case_id is not None and row.kind == "registration":
        case = session.get(Case, row.case_id)
        body["case_number"] = case.number if case is not None else None
    body.update(extra or {})
    return Reply(body)


def _implementation(session: Session, message: dict[str, Any], division: Division) -> Implementation:
    """The published implementation the message names: by its code, or the item's one covering the division."""
    published = select(Implementation).where(Implementation.status == ImplementationStatus.PUBLISHED.value)
    code = message.get("implementation_code")
    if code:
        found = session.scalars(published.where(Implementation.code == code)).all()
        if len(found) != 1:
            raise GovkitError(f"实施编码 {code} 没有对应的已发布事项实施清单。" if not found
                              else f"实施编码 {code} 对应多个已发布的实施清单，请联系县级管理员核对。")
        return found[0]
    item_code = message["item_code"]
    candidates = session.scalars(published.join(ServiceItem, Implementation.item_id == ServiceItem.id)
                                 .where(ServiceItem.basic_code == item_code)).all()
    covering = [i for i in candidates if division.code.startswith(subtree_prefix(i.division.code))]
    if not candidates:
        raise GovkitError(f"事项编码 {item_code} 在本地没有已发布的事项实施清单。")
    if not covering:
        raise GovkitError(f"受理点 {division.name} 所属的实施机关没有发布事项 {item_code}。")
    # The nearest implementing organ (the longest covering prefix) takes it.
    covering.sort(key=lambda i: len(subtree_prefix(i.division.code)), reverse=True)
    return covering[0]


def _register(session: Session, workflow: Workflow, message: dict[str, Any]) -> Case:
    code = message["receiving_division_code"]
    division = session.scalar(select(Division).where(Division.code == code))
    if division is None:
        raise GovkitError(f"受理点区划代码 {code} 在本地不存在。")
    implementation = _implementation(session, message, division)
    applicant = message["applicant"]
    return workflow.register_case(
        session, implementation, actor=Actor.system(INBOUND_ACTOR), commit=False,
        applicant_name=applicant["name"], applicant_id_number=applicant["id_number"],
        applicant_id_type=applicant.get("id_type") or "居民身份证", applicant_phone=applicant.get("phone"),
        applicant_address=applicant.get("address"), applicant_village_code=applicant.get("village_code"),
        form_data=message.get("form_data") or {}, accepting_division_code=code)


def status_of(session: Session, workflow: Workflow, case: Case) -> dict[str, Any]:
    """The status answer: state label, deadlines, timeline (date, step, unit) — no personal data."""
    # The platform's own events carry no division: they happened at the receiving point.
    places = {e.id: e.division_code or case.accepting_division_code for e in case.events}
    codes = {code for code in places.values() if code}
    names = {code: name for code, name in session.execute(
        select(Division.code, Division.name).where(Division.code.in_(codes)))}

    def day(value: Any) -> str | None:
        return format_chinese_date(value) if value else None

    return {
        "case_number": case.number,
        "item_name": case.implementation.name if case.implementation is not None else "",
        "state_label": workflow.state_label(case.state),
        "received_date": day(case.received_date),
        "intake_due_date": day(case.intake_due_date),
        "promised_due_date": day(case.due_date),
        "legal_due_date": day(case.legal_due_date),
        "completed_date": day(case.completed_date),
        "timeline": [{"date": day(local_date(e.at)), "step": workflow.state_label(e.to_state),
                      "unit": names.get(places[e.id])}
                     for e in case.events if e.action != "document_issued"],
    }


def handle(session: Session, workflow: Workflow, body: bytes, message_id: str | None = None) -> Reply:
    """Handle one message body and commit its record; the answer to send to ``reply_to``."""
    message, reason = parse(body)
    key = _key_of(message, body, message_id)
    kind = message.get("kind") if isinstance(message, dict) and message.get("kind") in KINDS else "unknown"
    received_at = message.get("received_at") if isinstance(message, dict) else None
    received_at = received_at[:40] if isinstance(received_at, str) else None
    known = recorded(session, key)
    if known is not None and kind != "status_query":
        return _answer(known, session, {"duplicate": True})  # redelivered: the first outcome again
    if reason is None and kind == "status_query":
        case = session.scalar(select(Case).where(Case.number == message["case_number"].strip()))
        if case is None:
            reason = f"办件编号 {message['case_number'][:32]} 不存在。"
        else:
            extra = status_of(session, workflow, case)
            if known is None:
                session.add(InboundMessage(key=key, kind=kind, status=INBOUND_DONE, case_id=case.id))
                _commit_or_rollback(session)
            return Reply({"key": key, "kind": kind, "status": INBOUND_DONE, **extra})
    if known is not None:
        return _answer(known, session)
    case = None
    if reason is None:
        try:
            case = _register(session, workflow, message)  # type: ignore[arg-type]
        except GovkitError as exc:
            session.rollback()
            reason = f"办件登记被拒绝：{exc}"
    row = InboundMessage(key=key, kind=kind, status=INBOUND_REJECTED if reason else INBOUND_DONE,
                         case=case, error=reason, received_at=received_at)
    session.add(row)
    try:
        workflow.finish(session, commit=True)
    except IntegrityError:  # another consumer recorded the same key first: answer its outcome
        session.rollback()
        row = recorded(session, key)
        return _answer(row, session, {"duplicate": True})
    log.info("数据交换消息 %s（%s）：%s %s", key, kind, row.status, reason or "")
    return _answer(row, session)


def recorded(session: Session, key: str) -> InboundMessage | None:
    """The record of an earlier message with ``key``, if any."""
    return session.scalar(select(InboundMessage).where(InboundMessage.key == key))


def _commit_or_rollback(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError:  # a redelivered query recorded meanwhile: the answer is the same
        session.rollback()


class Consumer:
    """Take messages from ``queue`` (pika, manual acks, ``prefetch``), handle them, answer ``reply_to``."""

    def __init__(self, url: str, queue: str, *, prefetch: int = 10) -> None:
        import pika  # deferred: pika is needed only by the consumer

        self.pika, self.url, self.queue, self.prefetch = pika, url, queue, prefetch

    def run(self, session_of: Callable[[], Session], workflow: Workflow, *, stopped: Callable[[], bool],
            idle_seconds: float | None = None) -> dict[str, int]:
        """Consume until ``stopped()`` (checked at least every half second) or, with ``idle_seconds``, until no
        message came for that long; return counts of handled / rejected / failed messages."""
        counts = {"handled": 0, "rejected": 0, "failed": 0}
        connection = self.pika.BlockingConnection(self.pika.URLParameters(self.url))
        channel = connection.channel()
        channel.queue_declare(self.queue, durable=True)
        channel.basic_qos(prefetch_count=self.prefetch)
        last = time.monotonic()
        try:
            for method, properties, body in channel.consume(self.queue, inactivity_timeout=0.2):
                if stopped():
                    break
                if method is None:
                    if idle_seconds is not None and time.monotonic() - last > idle_seconds:
                        break
                    continue
                last = time.monotonic()
                self._one(channel, session_of(), workflow, method, properties, body, counts)
        finally:
            if channel.is_open:
                channel.cancel()  # unacknowledged prefetched messages go back to the queue
            if connection.is_open:
                connection.close()
        return counts

    def _one(self, channel: Any, session: Session, workflow: Workflow, method: Any, properties: Any,
             body: bytes, counts: dict[str, int]) -> None:
        try:
            reply = handle(session, workflow, body, properties.message_id)
        except Exception:  # the database or a bug: requeue once, then drop it to the dead-letter exchange if any
            session.rollback()
            log.exception("数据交换消息处理失败（%s）", "已重新投递过，拒收" if method.redelivered else "退回队列重试")
            counts["failed"] += 1
            channel.basic_nack(method.delivery_tag, requeue=not method.redelivered)
            return
        finally:
            session.close()
        if properties.reply_to:
            channel.basic_publish("", properties.reply_to, json.dumps(reply.body, ensure_ascii=False).encode(),
                                  self.pika.BasicProperties(correlation_id=properties.correlation_id,
                                                            content_type="application/json",
                                                            content_encoding="utf-8"))
        channel.basic_ack(method.delivery_tag)
        counts["rejected" if reply.rejected else "handled"] += 1


@click.group("inbound", help="数据交换·接收：从 RabbitMQ 队列读取省级平台的办件登记和状态查询。")
def inbound_group() -> None:
    pass


@inbound_group.command("consume")
@click.option("--queue", default=None, help="队列名（默认 AMQP_INBOUND_QUEUE）。")
@click.option("--prefetch", type=int, default=10, show_default=True, help="一次预取的未确认消息数。")
@click.option("--until-idle", type=float, default=None, help="连续这么多秒没有消息就退出（不填则一直运行）。")
def consume_command(queue: str | None, prefetch: int, until_idle: float | None) -> None:
    """Consume inbound messages until SIGTERM/SIGINT (or --until-idle seconds without one)."""
    from govkit.app import create_app, get_state  # deferred: the app factory imports every domain, cases too
    from govkit.cases.runtime import workflow_for  # deferred: runtime imports Flask; the core above must not

    app = create_app(update_perms=False)  # serves no screen (see create_app)
    with app.app_context():
        settings = get_state(app).settings
        if not settings.get("AMQP_URL"):
            raise click.UsageError("未配置 AMQP_URL（消息服务器地址），无法接收数据交换消息。")
        consumer = Consumer(settings["AMQP_URL"], queue or settings["AMQP_INBOUND_QUEUE"], prefetch=prefetch)
        stop: list[int] = []
        before = {signum: signal.signal(signum, lambda number, frame: stop.append(number))
                  for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            counts = consumer.run(lambda: db.session, workflow_for(app), stopped=lambda: bool(stop),
                                  idle_seconds=until_idle)
        finally:
            for signum, handler in before.items():
                signal.signal(signum, handler)
    click.echo(f"已处理 {counts['handled']} 条，拒绝 {counts['rejected']} 条，失败 {counts['failed']} 条。", err=True)
