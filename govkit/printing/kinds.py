"""Case document kinds (办件文书种类): what a case may have issued, and when.

A :class:`CaseDocumentKind` names a document, its title, the print template that
renders it and the workflow steps after which it may be issued (行政许可法 §32: the
受理/不予受理 notice and the 一次性告知 follow the desk's decision on the
application; §38 and §44: decisions and their delivery). The built-in kinds are in
:data:`BUILTIN_KINDS` — one table, extended by the built-in plugin and by county
plugins through the ``register_case_documents`` hook; a later kind with the same
name replaces the earlier one.

Plain Python: the check reads only the case's state and the actions in its history.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from govkit.errors import GovkitError, PluginError

__all__ = ["CaseDocumentKind", "DocumentNotAllowed", "KindRegistry", "BUILTIN_KINDS", "SUPERVISION_NOTICE",
           "SUPERVISION_REPORT", "kinds_from_plugins", "kinds_for", "LetterKind", "INFO_REQUEST_KINDS"]


class DocumentNotAllowed(GovkitError):
    """The case's state does not allow issuing this document (本办件…不能出具…)."""

    status_code = 409


@dataclass(frozen=True, kw_only=True)
class CaseDocumentKind:
    """One kind of case document (办件文书).

    ``after``: workflow actions (e.g. ``accept``); the document may be issued once the
    case's history holds one of them. ``states``: when given, the case must also be in
    one of these states. ``requirement`` completes the refusal message
    "本办件{requirement}，不能出具{title}。" (e.g. 未受理). ``template`` defaults to ``name``.

    ``issue_on``: actions that issue the document by themselves, in the action's transaction
    (行政许可法第四十五条: the applicant is told the special procedure in writing; 第四十二条: the
    extension, its reason and new date); a valid copy issued before is superseded. ``reissue_on``:
    actions that make an issued copy wrong (an extension moves the dates a 受理通知书 promised):
    a valid copy is superseded by a new one; without one nothing is issued.
    """

    name: str
    title: str
    after: tuple[str, ...]
    template: str = ""
    states: tuple[str, ...] = ()
    requirement: str = ""
    source: str = ""
    issue_on: tuple[str, ...] = ()
    reissue_on: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("after", "states", "issue_on", "reissue_on"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not self.template:
            object.__setattr__(self, "template", self.name)

    def allows(self, state: str, history: Iterable[str]) -> bool:
        """True when a case in ``state`` whose history holds the actions ``history`` may have it issued."""
        if self.states and state not in self.states:
            return False
        return bool(set(self.after) & set(history))

    def require(self, state: str, history: Iterable[str], **details: object) -> None:
        """Raise :class:`DocumentNotAllowed` (the :meth:`refusal` message) unless :meth:`allows` holds."""
        if not self.allows(state, history):
            raise DocumentNotAllowed(self.refusal(), kind=self.name, **details)

    def refusal(self) -> str:
        """The Chinese message given when the case does not allow this document."""
        return f"本办件{self.requirement or '当前办理状态'}，不能出具{self.title}。"


#: The built-in kinds, in print-box order (registered by the built-in plugin); the decision
#: documents' titles are worded by the item type on the case (govkit.catalog.wording).
BUILTIN_KINDS: tuple[CaseDocumentKind, ...] = (
    # 行政许可法第三十二条: a case deemed accepted (视为受理) has its 受理通知书 too, saying so.
    CaseDocumentKind(name="acceptance_notice", title="受理通知书", after=("accept", "deem_accepted"),
                     requirement="未受理", reissue_on=("extend",)),
    CaseDocumentKind(name="supplement_notice", title="一次性告知书",
                     after=("request_supplement", "request_supplement_online"),
                     requirement="未作一次性告知补正"),
    CaseDocumentKind(name="refusal_notice", title="不予受理通知书", after=("refuse",), requirement="未作不予受理决定"),
    CaseDocumentKind(name="extension_notice", title="延期通知书", after=("extend",), requirement="未批准延期",
                     issue_on=("extend",)),
    CaseDocumentKind(name="special_procedure_notice", title="特别程序告知书", after=("suspend",),
                     requirement="未进入特别程序", issue_on=("suspend",)),
    CaseDocumentKind(name="decision_grant", title="准予决定书", after=("approve",), requirement="未作出准予决定"),
    CaseDocumentKind(name="decision_deny", title="不予决定书", after=("deny",), requirement="未作出不予决定"),
    CaseDocumentKind(name="delivery_receipt", title="送达回证", after=("complete",), requirement="尚未办结"),
)

#: An organ document kind, not a case's: the 督办通知书 of a 督办单 (govkit.supervision.orders),
#: issued by the supervising division through :func:`govkit.desk.issuing.issue_organ_document`
#: once the order is issued (its ``after`` names the order's first event; the caller passes
#: ``check=partial(SUPERVISION_NOTICE.require, order.state, history)``).
SUPERVISION_NOTICE = CaseDocumentKind(name="supervision_notice", title="督办通知书",
                                      after=("issue", "escalate", "auto_escalate"), requirement="未发出督办单")
#: The monthly 电子监察 report of a division (govkit.supervision.report), also an organ document.
SUPERVISION_REPORT = CaseDocumentKind(name="supervision_report", title="电子监察月报", after=("report",),
                                      requirement="未生成月报")


class KindRegistry:
    """Active case document kinds by name (later registrations replace earlier ones)."""

    def __init__(self) -> None:
        self._kinds: dict[str, CaseDocumentKind] = {}

    def register(self, kind: CaseDocumentKind, source: str = "") -> None:
        src = source or kind.source or "unknown"
        if not isinstance(kind, CaseDocumentKind) or not kind.name.isidentifier() or not kind.after:
            raise PluginError(f"插件 {src} 登记的办件文书无效：须为 CaseDocumentKind，name 为英文标识符，"
                              f"after 至少列出一个办理环节（收到 {kind!r}）。",
                              plugin=src, hook="register_case_documents")
        self._kinds.pop(kind.name, None)  # a replacement moves to the end of the print box
        self._kinds[kind.name] = CaseDocumentKind(**{**kind.__dict__, "source": src})

    def get(self, name: str) -> CaseDocumentKind | None:
        return self._kinds.get(name)

    def __iter__(self):
        return iter(self._kinds.values())

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def following(self, action: str) -> list[CaseDocumentKind]:
        """The kinds that ``action`` issues (``issue_on``) or re-issues (``reissue_on``), in order."""
        return [kind for kind in self._kinds.values() if action in kind.issue_on or action in kind.reissue_on]

    def allowed(self, state: str, history: Iterable[str]) -> list[CaseDocumentKind]:
        """The kinds a case in ``state`` with action ``history`` may have issued, in order."""
        seen = set(history)
        return [kind for kind in self._kinds.values() if kind.allows(state, seen)]


def kinds_from_plugins(pm, settings=None) -> KindRegistry:
    """Build the registry from every ``register_case_documents`` implementation (built-ins first)."""
    registry = KindRegistry()
    for plugin, kind in pm.collect_by_plugin("register_case_documents", settings=settings):
        registry.register(kind, source=plugin)
    return registry


def kinds_for(state) -> KindRegistry:
    """The kinds of one app (its ``get_state(app)``), built once from its plugins and cached."""
    registry = state.cache.get("case_document_kinds")
    if registry is None:
        registry = state.cache["case_document_kinds"] = kinds_from_plugins(state.pm, state.settings)
    return registry


@dataclass(frozen=True, kw_only=True)
class LetterKind:
    """A document issued for something that is not a case (依申请公开的答复书、告知书): its name,
    title, the print template (subject ``request``) and the law it rests on. Issued through
    :func:`govkit.desk.issuing.issue_organ_document` (numbered per organ and year, frozen, verifiable)."""

    name: str
    title: str
    basis: str
    template: str = "foi_letter"


#: 政府信息公开条例 (2019) documents of a request (依申请公开): one kind per reply type (第三十六、三十七条),
#: the 补正 notice (第三十条) and the extension notice (第三十三条).
INFO_REQUEST_KINDS: dict[str, LetterKind] = {kind.name: kind for kind in (
    LetterKind(name="foi_reply_open", title="政府信息公开申请答复书（予以公开）", basis="第三十六条第（二）项"),
    LetterKind(name="foi_reply_partial", title="政府信息公开申请答复书（部分公开）", basis="第三十七条"),
    LetterKind(name="foi_reply_withheld", title="政府信息公开申请答复书（不予公开）", basis="第三十六条第（三）项"),
    LetterKind(name="foi_reply_nonexistent", title="政府信息公开申请答复书（信息不存在）",
               basis="第三十六条第（四）项"),
    LetterKind(name="foi_reply_not_ours", title="政府信息公开申请答复书（非本机关负责公开）",
               basis="第三十六条第（五）项"),
    LetterKind(name="foi_reply_repeat", title="政府信息公开申请答复书（重复申请）", basis="第三十六条第（六）项"),
    LetterKind(name="foi_supplement_notice", title="政府信息公开申请补正告知书", basis="第三十条"),
    LetterKind(name="foi_extension_notice", title="延长政府信息公开答复期限告知书", basis="第三十三条第二款"),
)}
