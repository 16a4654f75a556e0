"""The message channel (消息通道): how codes, status changes, 补正 requests and results reach an applicant.

A channel is a :class:`MessageChannel` a plugin returns from the ``register_message_channels`` hook (a county's
SMS gateway, 短信平台); the setting ``MESSAGE_CHANNEL`` names the one in use. The built-in ``development``
channel sends nothing: it stores each message in ``gk_dev_message`` (:class:`~govkit.online.models.DevMessage`),
which the demo's /demo/ page lists. Plain Python over a Session (no Flask).

Messages to applicants about their cases follow 行政许可法 §32 (the 补正 notice says at once everything to add)
and §44 (the decision is served): the status messages name the case number and the new state, never the
applicant's personal data beyond the phone they go to.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.states import state_label
from govkit.errors import PluginError, SettingsError
from govkit.online.models import DevMessage

log = logging.getLogger("govkit.online.messages")

#: The kinds of message (the ``kind`` of :class:`ApplicantMessage`) with their Chinese names.
MESSAGE_KINDS: dict[str, str] = {"code": "验证码", "status": "办件状态", "supplement": "补正通知",
                                 "result": "办理结果", "reply": "答复"}
DEVELOPMENT = "development"


@dataclass(frozen=True)
class ApplicantMessage:
    """One message to one phone. ``key`` is unique per message (a channel may de-duplicate on it)."""

    phone: str
    kind: str
    text: str
    key: str
    applicant_id: int | None = None
    case_number: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in MESSAGE_KINDS:
            raise ValueError(f"unknown message kind {self.kind!r}")


@dataclass(frozen=True)
class MessageChannel:
    """A way to deliver :class:`ApplicantMessage`: ``send(message, session)`` delivers it or raises.

    ``session`` is the database session of the sender (the development channel writes into it; a gateway
    usually ignores it). ``send`` runs inside the request or command that sends, so it should answer
    within seconds (queue in the gateway, not here).
    """

    name: str
    label: str
    send: Callable[[ApplicantMessage, Session], Any]


def _store(message: ApplicantMessage, session: Session) -> None:
    if session.scalar(select(DevMessage.id).where(DevMessage.key == message.key)) is not None:
        return  # already stored (a re-delivered event)
    session.add(DevMessage(key=message.key, phone=message.phone, kind=message.kind, text=message.text,
                           applicant_id=message.applicant_id, case_number=message.case_number))
    session.flush()


#: The built-in development channel: stores every message in gk_dev_message instead of sending it.
DEVELOPMENT_CHANNEL = MessageChannel(DEVELOPMENT, "开发用消息通道（只保存，不发送）", _store)


def channels(pm: Any, settings: Mapping[str, Any]) -> dict[str, MessageChannel]:
    """Every registered channel by name (a later one with the same name replaces an earlier one)."""
    found: dict[str, MessageChannel] = {}
    for plugin, item in pm.collect_by_plugin("register_message_channels", settings=settings):
        if not isinstance(item, MessageChannel):
            raise PluginError(f"插件 {plugin} 的 register_message_channels 返回了 {type(item).__name__}，"
                              "应为 MessageChannel。", plugin=plugin, hook="register_message_channels")
        found[item.name] = item
    return found


def active_channel(pm: Any, settings: Mapping[str, Any]) -> MessageChannel:
    """The channel ``MESSAGE_CHANNEL`` names; SettingsError (Chinese) when no plugin registered it."""
    name = settings["MESSAGE_CHANNEL"]
    found = channels(pm, settings)
    if name not in found:
        raise SettingsError(f"消息通道 MESSAGE_CHANNEL = {name!r} 未注册；已注册的通道："
                            f"{'、'.join(found) or '无'}。请检查短信平台插件是否已安装。")
    return found[name]


def send(session: Session, pm: Any, settings: Mapping[str, Any], message: ApplicantMessage) -> None:
    """Deliver ``message`` through the active channel."""
    active_channel(pm, settings).send(message, session)


def message_key(*parts: object) -> str:
    """A stable unique key from the parts (e.g. ``("case", event_id)``), at most 64 characters."""
    text = "|".join(str(part) for part in parts)
    return text if len(text) <= 64 else hashlib.sha256(text.encode("utf-8")).hexdigest()


def code_text(code: str, minutes: int) -> str:
    return f"【网上办事大厅】您的验证码为 {code}，{minutes} 分钟内有效。请勿告诉他人，工作人员不会向您索要验证码。"


#: States whose message kind is not a plain status change.
_KIND_OF_STATE = {"supplement": "supplement", "online_supplement": "supplement",
                  "approved": "result", "denied": "result", "refused": "result",
                  "completed": "result", "delivered": "result"}


def case_event_message(*, case_number: str, item_name: str, to_state: str, phone: str, event_id: int,
                       applicant_id: int | None, comment: str | None = None) -> ApplicantMessage:
    """The status-change message for one committed case event (行政许可法 §32, §44)."""
    kind = _KIND_OF_STATE.get(to_state, "status")
    text = f"【网上办事大厅】您的办件 {case_number}（{item_name}）状态：{state_label(to_state)}。"
    if kind == "supplement":
        text += "请登录“我的办件”查看需要补正的材料（一次性告知）。"
    elif kind == "result":
        text += "请登录“我的办件”查看办理结果和文书。"
    else:
        text += "详情请登录“我的办件”查看。"
    return ApplicantMessage(phone=phone, kind=kind, text=text, key=message_key("case-event", event_id),
                            applicant_id=applicant_id, case_number=case_number)
