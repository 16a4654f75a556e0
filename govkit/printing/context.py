"""What a printed notice needs: plain, immutable context values (打印上下文).

Templates render from these dataclasses, never from database models, so a
template can be tested (and written by a county plugin) without an app.  A
small adapter in the cases package builds them from a ``Case``.

Sequences may be given as lists or plain tuples; they are stored as tuples of
the named row types (``ReceivedMaterial("身份证", "原件", 1)`` or just
``("身份证", "原件", 1)``).

Personal data arrives masked.  As a safety net the ``*_masked`` fields mask a
complete 18-digit ID number or 11-digit mobile number they are handed by
mistake, so a notice never prints one in full.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

__all__ = [
    "ReceivedMaterial", "MissingMaterial", "CaseNotice",
    "GuideMaterial", "ProcedureStep", "Fee", "ImplementationGuide",
    "RegisterRow", "RegisterRange", "TransferCase", "TransferBatch", "Letter",
    "mask_id_number", "mask_phone",
]

_FULL_ID = re.compile(r"^\s*(\d{6})\d{8}(\d{3}[\dXx])\s*$")
_FULL_MOBILE = re.compile(r"^\s*(1\d{2})\d{4}(\d{4})\s*$")


def mask_id_number(value: str) -> str:
    """Mask a full 18-digit ID number as ``110101********123X``; else unchanged."""
    m = _FULL_ID.match(value or "")
    return f"{m.group(1)}********{m.group(2).upper()}" if m else (value or "")


def mask_phone(value: str) -> str:
    """Mask a full mobile number as ``138****5678``; else unchanged."""
    m = _FULL_MOBILE.match(value or "")
    return f"{m.group(1)}****{m.group(2)}" if m else (value or "")


class ReceivedMaterial(NamedTuple):
    """A material the desk received (已收材料)."""

    name: str
    form: str = "原件"  # 原件 / 复印件 / 电子
    copies: int = 1


class MissingMaterial(NamedTuple):
    """A material to supply or correct (需补正材料) and what it must satisfy."""

    name: str
    requirement: str = ""


class GuideMaterial(NamedTuple):
    """A material listed in the service guide (申请材料)."""

    name: str
    form: str = "原件"
    copies: int = 1
    necessity: str = "必要"  # 必要 / 非必要 / 容缺 / "符合……情形时提供"
    standard: str = ""  # 受理标准


class ProcedureStep(NamedTuple):
    """One step of the procedure (办理流程环节)."""

    name: str  # 受理 / 审查 / 决定 / 送达
    description: str = ""
    time_limit: str = ""  # "即时" / "3个工作日"


class Fee(NamedTuple):
    """A fee and its legal basis (收费项目及依据)."""

    name: str
    amount: str
    basis: str = ""


class RegisterRow(NamedTuple):
    """One line of the intake register (登记簿)."""

    case_number: str
    received_date: date
    applicant_name: str
    item_name: str
    status: str = ""  # 已受理 / 不予受理 / 补正 / 已办结 …
    due_date: date | None = None
    due_date_provisional: bool = False
    handler: str = ""
    applicant_id_masked: str = ""
    note: str = ""


class TransferCase(NamedTuple):
    """One case in a paper transfer batch with the originals it carries."""

    case_number: str
    applicant_name: str
    item_name: str
    materials: tuple[ReceivedMaterial, ...] = ()


def _rows(values, row_type):
    out = []
    for v in values or ():
        if isinstance(v, row_type):
            out.append(v)
        elif isinstance(v, Mapping):
            out.append(row_type(**v))
        else:
            out.append(row_type(*v))
    return tuple(out)


def _strings(values) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,) if values else ()
    return tuple(str(v) for v in values)


class _Context:
    """Shared helpers; subclasses are frozen dataclasses."""

    def _set(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)

    def replace(self, **changes):
        """A copy with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, kw_only=True)
class CaseNotice(_Context):
    """Everything a case document prints (受理/不予受理/一次性告知/决定书/延期/特别程序/送达回证).

    ``issuing_body`` is the implementing organ (实施机关) the document is issued in the
    name of; ``received_on_behalf`` names the receiving point when another unit received
    the application (``柳湾村便民服务站代收``).  ``decision``/``decision_title`` follow the
    item type (:mod:`govkit.catalog.wording`).

    ``progress_url`` is the absolute URL of the public progress page; the QR
    code adds ``?no=<case_number>#t=<progress_token>``.  ``issued_on`` is the
    date printed above the seal; it defaults to the accepted (else received)
    date.  ``verify_url`` (the public verify page) adds a line telling how to
    check the electronic copy.  ``extra`` carries item-specific values for
    plugin templates.

    Fields an issued case document receives (see docs/printing.md):
    ``document_number`` is the document's own number (文书编号, per issuing organ and
    year), ``case_number`` the case's; ``issuing_body`` the implementing organ (实施机关)
    and ``division_name`` the receiving point; ``issued_on`` the issue date;
    ``check_code`` the short hash the QR code carries (16 hex digits of the SHA-256 of
    what the document says); ``form_data`` the case's own application form (field name →
    value as text, lists joined with 、) and ``form_labels`` the item's labels of those
    fields (field name → 中文标签); ``extra`` holds the same values as ``form_data``
    (older plugin templates read it).
    """

    case_number: str
    document_number: str
    applicant_name: str
    item_name: str
    item_code: str
    issuing_body: str  # 出具通知的机关（印章名称）
    division_name: str = ""  # 受理地点，如“××村便民服务站”
    implementation_code: str = ""
    applicant_id_masked: str = ""
    applicant_phone_masked: str = ""
    received_date: date | None = None
    accepted_date: date | None = None
    issued_on: date | None = None
    materials_received: tuple[ReceivedMaterial, ...] = ()
    missing_materials: tuple[MissingMaterial, ...] = ()
    legal_days: int | None = None
    promised_days: int | None = None
    due_date: date | None = None
    due_date_provisional: bool = False
    contact_person: str = ""
    contact_phone: str = ""
    progress_url: str = ""
    progress_token: str = ""
    verify_url: str = ""
    refusal_reason: str = ""
    legal_basis: str = ""
    review_body: str = ""  # 行政复议机关
    court: str = ""  # 行政诉讼管辖法院
    supplement_deadline: date | None = None
    supplement_deadline_provisional: bool = False
    #: Accepted by operation of law (视为受理, 行政许可法 §32): accepted_date is the day of receipt.
    deemed_accepted: bool = False
    decision: str = ""  # 决定用语，按事项类型：准予行政许可 / 予以确认 / 给付 / 予以办结 …
    decision_title: str = ""  # 决定文书名称：准予行政许可决定书 / 不予给付决定书 …
    decision_reason: str = ""  # 决定理由（不予决定必填）
    decision_date: date | None = None
    appealable: bool = True  # 决定可申请复议、提起诉讼（行政许可、确认、给付等）
    item_type: str = ""  # 事项类型：行政许可 / 行政确认 / 行政给付 / 公共服务 …
    result_number: str = ""  # 证照/决定文号
    delivery_method: str = ""  # 直接送达 / 代办员送达 / 邮寄送达 …
    delivery_receiver: str = ""  # 签收人（本人或代收人）
    delivery_place: str = ""
    delivery_date: date | None = None
    received_on_behalf: str = ""  # 代收说明，如“柳湾村便民服务站代收”
    seal_image_path: str = ""  # 实施机关印章图片（PNG），印在落款处
    supplement_days: int | None = None  # 补正期限（工作日）：实施清单的 supplement_days，否则 SUPPLEMENT_PERIOD_DAYS
    extension_days: int | None = None  # 延长的工作日数（行政许可法 §42）
    extension_reason: str = ""
    extension_approved_by: str = ""  # 批准延期的负责人
    previous_due_date: date | None = None  # 延期前的承诺办结日期
    special_procedure: str = ""  # 特别程序名称：听证 / 检验 / 专家评审 …（行政许可法 §45）
    special_procedure_days: int | None = None  # 预计所需工作日
    special_procedure_until: date | None = None  # 预计结束日期
    special_procedure_counted: bool = False  # 所需时间计入办理时限（一般不计入）
    extra: Mapping[str, str] = field(default_factory=dict)
    form_data: Mapping[str, str] = field(default_factory=dict)
    form_labels: Mapping[str, str] = field(default_factory=dict)
    check_code: str = ""

    def __post_init__(self) -> None:
        self._set("form_data", dict(self.form_data))
        self._set("form_labels", dict(self.form_labels))
        self._set("materials_received", _rows(self.materials_received, ReceivedMaterial))
        self._set("missing_materials", _rows(self.missing_materials, MissingMaterial))
        self._set("applicant_id_masked", mask_id_number(self.applicant_id_masked))
        self._set("applicant_phone_masked", mask_phone(self.applicant_phone_masked))
        self._set("extra", dict(self.extra))

    @property
    def date_printed(self) -> date | None:
        """Date above the seal."""
        return self.issued_on or self.accepted_date or self.received_date


@dataclass(frozen=True, kw_only=True)
class ImplementationGuide(_Context):
    """The full service guide of one implementation (办事指南).

    Empty ``fees`` prints 免费 (free of charge).  ``guide_url`` (optional)
    adds a QR code to the public guide page.
    """

    item_name: str
    item_code: str
    implementing_body: str
    implementation_code: str = ""
    item_type: str = ""  # 行政许可 / 公共服务 …
    service_object: str = ""  # 自然人 / 法人 …
    legal_basis: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    materials: tuple[GuideMaterial, ...] = ()
    procedure: tuple[ProcedureStep, ...] = ()
    legal_days: int | None = None
    promised_days: int | None = None
    kind: str = ""  # 即办件 / 承诺件
    fees: tuple[Fee, ...] = ()
    place: str = ""
    hours: str = ""
    consultation_phone: str = ""
    complaint_phone: str = ""
    handling_forms: tuple[str, ...] = ()  # 窗口办理 / 网上办理 / 邮寄办理
    online_mode: str = ""  # 全程网办 / 网上申报+窗口核验 / 仅窗口
    visits: int | None = None  # 到办事现场次数
    proxy_allowed: bool = False  # 可代办
    applicant_must_be_present: bool = False
    result_name: str = ""  # 办理结果（证照/批文名称）
    version: str = ""
    effective_from: date | None = None
    issued_on: date | None = None
    guide_url: str = ""

    def __post_init__(self) -> None:
        for name in ("legal_basis", "conditions", "handling_forms"):
            self._set(name, _strings(getattr(self, name)))
        self._set("materials", _rows(self.materials, GuideMaterial))
        self._set("procedure", _rows(self.procedure, ProcedureStep))
        self._set("fees", _rows(self.fees, Fee))


@dataclass(frozen=True, kw_only=True)
class RegisterRange(_Context):
    """The intake register of one division for a date range (办件登记簿)."""

    division_name: str
    start: date
    end: date
    rows: tuple[RegisterRow, ...] = ()
    issuing_body: str = ""
    printed_on: date | None = None

    def __post_init__(self) -> None:
        self._set("rows", _rows(self.rows, RegisterRow))


@dataclass(frozen=True, kw_only=True)
class TransferBatch(_Context):
    """Paper originals handed from one centre to the next (纸质资料交接单).

    ``sender``/``receiver`` are printed beside the signature lines when known;
    the lines stay blank for a handwritten signature either way.
    """

    batch_number: str
    from_name: str
    to_name: str
    sent_on: date | None = None
    cases: tuple[TransferCase, ...] = ()
    sender: str = ""
    receiver: str = ""
    received_on: date | None = None
    note: str = ""

    def __post_init__(self) -> None:
        cases = []
        for c in _rows(self.cases, TransferCase):
            cases.append(c._replace(materials=_rows(c.materials, ReceivedMaterial)))
        self._set("cases", tuple(cases))


@dataclass(frozen=True, kw_only=True)
class Letter(_Context):
    """A letter to a requester that belongs to no case (政府信息公开申请答复书、补正告知书、延期告知书).

    ``paragraphs`` is the body, one string per paragraph; ``rights`` adds the remedies
    (行政复议 60 days, 行政诉讼 6 months, 政府信息公开条例第五十一条) naming ``review_body`` and ``court``.
    """

    title: str
    addressee: str
    reference: str  # the request number (申请编号)
    paragraphs: tuple[str, ...] = ()
    rights: bool = False
    review_body: str = ""
    court: str = ""
    document_number: str = ""
    issuing_body: str = ""
    issued_on: date | None = None
    seal_image_path: str = ""
    verify_url: str = ""
    check_code: str = ""

    def __post_init__(self) -> None:
        self._set("paragraphs", _strings(self.paragraphs))


@dataclass(frozen=True)
class SupervisionNotice:
    """What a 督办通知书 prints (one 督办单; subject "supervision").

    ``addressee`` is the unit ordered (被督办单位); ``subject`` what the order is about
    (办件/投诉/差评整改编号 or the unit); ``escalated_from`` names the order it escalates, if any.
    """

    document_number: str
    issuing_body: str
    addressee: str
    subject: str
    reason: str
    response_days: int
    due_date: date
    due_date_provisional: bool = False
    issued_on: date | None = None
    order_id: int = 0
    escalated_from: str = ""
    verify_url: str = ""
    check_code: str = ""


@dataclass(frozen=True)
class SupervisionReport:
    """What the monthly 电子监察 report prints (subject "supervision"): label/value pairs per section and the
    unit and staff tables (rows of text under ``headers``)."""

    division_name: str
    month: str  # 2026年11月
    period: str
    volumes: tuple[tuple[str, Any], ...] = ()
    ratings: tuple[tuple[str, Any], ...] = ()
    complaints: tuple[tuple[str, Any], ...] = ()
    orders: tuple[tuple[str, Any], ...] = ()
    rectifications: tuple[tuple[str, Any], ...] = ()
    headers: tuple[str, ...] = ()
    units: tuple[tuple[str, ...], ...] = ()
    staff: tuple[tuple[str, ...], ...] = ()
    document_number: str = ""
    issued_on: date | None = None
    check_code: str = ""
