"""Value types a plugin returns from ``register_service_items`` (plain dataclasses)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class MaterialSpec:
    """An application material (申请材料)."""

    name: str
    form: str = "原件"  # 原件/复印件/电子
    copies: int = 1
    necessity: str = "必需"  # 必需/容缺/情形必需
    condition_text: str | None = None
    source_channel: str | None = None
    acceptance_standard: str | None = None


@dataclass(frozen=True)
class FeeSpec:
    """A fee with amount (元) and basis."""

    name: str
    amount: Decimal
    basis: str


@dataclass(frozen=True)
class StepSpec:
    """A procedure step (办理流程) with its time allowance in working days."""

    name: str
    days: int = 0
    description: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class SpecialProcedureSpec:
    """A special procedure (特别程序: 听证/检验/专家评审) and its time allowance."""

    name: str
    days: int = 0
    counts_in_deadline: bool = False
    description: str | None = None


@dataclass(frozen=True)
class LegalBasisSpec:
    """A legal basis entry (设定依据)."""

    law: str
    article: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class ImplementationSpec:
    """An implementation (实施清单) of an item at a division (12-digit code) and department."""

    division_code: str
    department: str | None = None
    implementing_uscc: str | None = None
    exercise_level: int | None = None
    legal_days: int = 20
    promised_days: int = 10
    kind: str = "承诺件"
    conditions: str | None = None
    handling_forms: str = "窗口办理"
    online_mode: str = "仅窗口"  # 全程网办 / 网上申报+窗口核验 / 仅窗口
    visits_needed: int = 1
    proxy_allowed: bool = True
    presence_required: bool = False
    consult_phone: str | None = None
    complaint_phone: str | None = None
    place: str | None = None
    hours: str | None = None
    materials: tuple[MaterialSpec, ...] = ()
    fees: tuple[FeeSpec, ...] = ()
    steps: tuple[StepSpec, ...] = ()
    special_procedures: tuple[SpecialProcedureSpec, ...] = ()
    #: Full implementation code; default = implementing_uscc + exercise level + basic code.
    code: str | None = None
    #: Implementation name; default = the item's name.
    name: str | None = None
    implementing_body: str | None = None


@dataclass(frozen=True)
class ServiceItemSpec:
    """A basic catalog item (基本目录事项) with its implementations."""

    basic_code: str
    name: str
    item_type: str = "20"
    service_object: str = "自然人"
    exercise_level: int = 4
    legal_bases: tuple[LegalBasisSpec, ...] = ()
    implementations: tuple[ImplementationSpec, ...] = field(default_factory=tuple)
    parent_code: str | None = None
