"""Catalog models: ServiceItem (基本目录), Implementation (实施清单), Material and friends."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import (Boolean, Date, ForeignKey, Integer, Numeric, String, Text,
                        UniqueConstraint, event, select)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from govkit.orm import Model, UTCDateTime, utcnow
from govkit.hierarchy.models import Department, Division

#: Item types (事项类型) in the national numbering; provinces map theirs via ItemTypeMapping.
ITEM_TYPES: dict[str, str] = {
    "01": "行政许可", "02": "行政处罚", "03": "行政强制", "04": "行政征收", "05": "行政给付",
    "06": "行政检查", "07": "行政确认", "08": "行政奖励", "09": "行政裁决", "10": "其他行政权力",
    "20": "公共服务",
}
SERVICE_OBJECTS = ("自然人", "企业法人", "事业法人", "社会组织法人", "非法人企业", "行政机关", "其他组织")
EXERCISE_LEVELS = {1: "国家级", 2: "省级", 3: "市级", 4: "县级", 5: "镇（乡、街道）级", 6: "村（社区）级"}


class ItemSource(str, enum.Enum):
    ADMIN = "admin"
    IMPORT = "import"
    PLUGIN = "plugin"


class ImplementationStatus(str, enum.Enum):
    DRAFT = "草稿"
    PUBLISHED = "已发布"
    RETIRED = "已停用"


#: Allowed values of the small vocabularies (checked by services and the import).
IMPLEMENTATION_KINDS = ("即办件", "承诺件")
HANDLING_FORMS = ("窗口办理", "网上办理", "快递申请")
MATERIAL_FORMS = ("原件", "复印件", "电子")
MATERIAL_NECESSITIES = ("必需", "容缺", "情形必需")
#: How an item can be done online (网上办理深度): 全程网办 — applied for, pre-reviewed, accepted and delivered
#: online; 网上申报+窗口核验 — applied for online, originals checked at the window before the decision;
#: 仅窗口 — no online application. Items declaring either of the first two are offered in the online hall.
ONLINE_FULL, ONLINE_WITH_COUNTER, COUNTER_ONLY = "全程网办", "网上申报+窗口核验", "仅窗口"
ONLINE_MODES = (ONLINE_FULL, ONLINE_WITH_COUNTER, COUNTER_ONLY)
ONLINE_APPLY_MODES = (ONLINE_FULL, ONLINE_WITH_COUNTER)


def pinyin_initials(text: str | None) -> str:
    """Lower-case pinyin initials of the Chinese characters in ``text`` (最低生活保障 → zdshbz).

    Letters and digits are kept as they are, so ``"B超"`` gives ``"bc"``.
    """
    if not text:
        return ""
    from pypinyin import Style, lazy_pinyin  # deferred: pypinyin loads its dictionaries (slow) on import

    parts = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda chars: list(chars))
    return "".join(p for p in "".join(parts).lower() if p.isascii() and p.isalnum())[:100]


class ItemTypeMapping(Model):
    """A province's own item-type code mapped to the national code (事项类型对照)."""

    __tablename__ = "gk_item_type_mapping"
    __table_args__ = (UniqueConstraint("province", "local_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province: Mapped[str] = mapped_column(String(2), nullable=False)
    local_code: Mapped[str] = mapped_column(String(10), nullable=False)
    local_name: Mapped[str] = mapped_column(String(50), nullable=False)
    national_code: Mapped[str] = mapped_column(String(2), nullable=False)

    def __str__(self) -> str:
        return f"{self.local_code} {self.local_name}"


#: ``province`` value of the rows that carry the national numbering itself.
NATIONAL = "00"


def seed_item_type_mappings(session: Session) -> int:
    """Insert the national item types as mapping rows (province ``00``); returns rows added."""
    existing = set(session.scalars(
        select(ItemTypeMapping.local_code).where(ItemTypeMapping.province == NATIONAL)))
    added = 0
    for code, name in ITEM_TYPES.items():
        if code not in existing:
            session.add(ItemTypeMapping(province=NATIONAL, local_code=code, local_name=name, national_code=code))
            added += 1
    session.flush()
    return added


def national_item_type(session: Session, value: str, province: str | None = None) -> str | None:
    """Resolve an item type given as national code, local code (for ``province``) or name."""
    value = str(value).strip()
    if value in ITEM_TYPES:
        return value
    for code, name in ITEM_TYPES.items():
        if value == name:
            return code
    query = select(ItemTypeMapping.national_code).where(
        (ItemTypeMapping.local_code == value) | (ItemTypeMapping.local_name == value))
    if province:
        query = query.where(ItemTypeMapping.province == province)
    return session.scalars(query.limit(1)).first()


class ServiceItem(Model):
    """A basic catalog item (基本目录事项) identified by its basic code (基本编码)."""

    __tablename__ = "gk_service_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    basic_code: Mapped[str] = mapped_column(String(12), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    pinyin_initials: Mapped[Optional[str]] = mapped_column(String(100), index=True)
    #: 别名/简称 people search by (低保, 医保, 社保卡, 户口), "、"-separated; the public and the desk search use them.
    synonyms: Mapped[Optional[str]] = mapped_column(String(500))
    item_type: Mapped[str] = mapped_column(String(2), nullable=False)
    service_object: Mapped[str] = mapped_column(String(100), nullable=False, default="自然人")
    exercise_level: Mapped[int] = mapped_column(Integer, nullable=False, default=4)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_service_item.id"))
    source: Mapped[str] = mapped_column(String(100), nullable=False, default=ItemSource.ADMIN.value)
    source_hash: Mapped[Optional[str]] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_admin: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    parent: Mapped[Optional["ServiceItem"]] = relationship(remote_side=[id], back_populates="sub_items")
    sub_items: Mapped[list["ServiceItem"]] = relationship(back_populates="parent", order_by="ServiceItem.basic_code")
    legal_bases: Mapped[list["LegalBasis"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="LegalBasis.position"
    )
    implementations: Mapped[list["Implementation"]] = relationship(back_populates="item")

    @property
    def item_type_name(self) -> str:
        return ITEM_TYPES.get(self.item_type, self.item_type)

    @property
    def legal_basis_text(self) -> str:
        """All legal bases as one comparable text (used by 三级四同 and the guide)."""
        return "；".join(str(b) for b in self.legal_bases)

    @property
    def exercise_level_name(self) -> str:
        return EXERCISE_LEVELS.get(self.exercise_level, str(self.exercise_level))

    def __str__(self) -> str:
        return self.name


class LegalBasis(Model):
    """One legal basis (设定依据) entry of an item: law name, article and text."""

    __tablename__ = "gk_legal_basis"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("gk_service_item.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    law: Mapped[str] = mapped_column(String(200), nullable=False)
    article: Mapped[Optional[str]] = mapped_column(String(100))
    text: Mapped[Optional[str]] = mapped_column(Text)

    item: Mapped[ServiceItem] = relationship(back_populates="legal_bases")

    def __str__(self) -> str:
        return f"《{self.law}》{self.article or ''}"


class Implementation(Model):
    """An item's implementation (实施清单) at a division and department, one row per version."""

    __tablename__ = "gk_implementation"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("gk_service_item.id"), index=True, nullable=False)
    division_id: Mapped[int] = mapped_column(ForeignKey("gk_division.id"), index=True, nullable=False)
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_department.id"))
    code: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    pinyin_initials: Mapped[Optional[str]] = mapped_column(String(100), index=True)
    #: 实施主体 (name of the implementing body, e.g. 示范县民政局).
    implementing_body: Mapped[Optional[str]] = mapped_column(String(200))
    #: 行使层级 1–6, the 19th character of the implementation code.
    exercise_level: Mapped[int] = mapped_column(Integer, nullable=False, default=4)
    #: The implementation list's own item type / 设定依据 when they differ from the item's
    #: (blank = the item's); 三级四同 compares these across levels.
    item_type: Mapped[Optional[str]] = mapped_column(String(2))
    legal_basis: Mapped[Optional[str]] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=ImplementationStatus.DRAFT.value)
    effective_from: Mapped[Optional[date]] = mapped_column(Date)
    effective_to: Mapped[Optional[date]] = mapped_column(Date)
    conditions: Mapped[Optional[str]] = mapped_column(Text)
    legal_days: Mapped[int] = mapped_column(Integer, nullable=False, default=20)
    promised_days: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
    #: Extensions of the time limit allowed (None = the default, one; 0 = none). 行政许可法第四十二条.
    max_extensions: Mapped[Optional[int]] = mapped_column(Integer)
    #: Working days one extension may add at most (None = the default, 10; 行政许可法第四十二条).
    max_extension_days: Mapped[Optional[int]] = mapped_column(Integer)
    #: The applicant's 补正 period in working days (None = the SUPPLEMENT_PERIOD_DAYS setting).
    supplement_days: Mapped[Optional[int]] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default="承诺件")  # 即办件/承诺件
    handling_forms: Mapped[str] = mapped_column(String(50), nullable=False, default="窗口办理")
    #: How the item can be done online (:data:`ONLINE_MODES`); 仅窗口 unless declared.
    online_mode: Mapped[str] = mapped_column(String(20), nullable=False, default=COUNTER_ONLY,
                                             server_default=COUNTER_ONLY)
    visits_needed: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    proxy_allowed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    presence_required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    free: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    consult_phone: Mapped[Optional[str]] = mapped_column(String(50))
    complaint_phone: Mapped[Optional[str]] = mapped_column(String(50))
    place: Mapped[Optional[str]] = mapped_column(String(300))
    hours: Mapped[Optional[str]] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(100), nullable=False, default=ItemSource.ADMIN.value)
    source_hash: Mapped[Optional[str]] = mapped_column(String(64))
    updated_by_admin: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    item: Mapped[ServiceItem] = relationship(back_populates="implementations")
    division: Mapped[Division] = relationship()
    department: Mapped[Optional[Department]] = relationship()
    materials: Mapped[list["Material"]] = relationship(
        back_populates="implementation", cascade="all, delete-orphan", order_by="Material.position"
    )
    steps: Mapped[list["ProcedureStep"]] = relationship(
        back_populates="implementation", cascade="all, delete-orphan", order_by="ProcedureStep.position"
    )
    fees: Mapped[list["Fee"]] = relationship(
        back_populates="implementation", cascade="all, delete-orphan", order_by="Fee.position"
    )
    special_procedures: Mapped[list["SpecialProcedure"]] = relationship(
        back_populates="implementation", cascade="all, delete-orphan", order_by="SpecialProcedure.position"
    )

    @property
    def is_immediate(self) -> bool:
        """即办件: decided the same day."""
        return self.kind == "即办件"

    @property
    def online_apply(self) -> bool:
        """Whether applicants may apply online (全程网办 or 网上申报+窗口核验)."""
        return self.online_mode in ONLINE_APPLY_MODES

    @property
    def effective_item_type(self) -> str:
        return self.item_type or self.item.item_type

    @property
    def effective_legal_basis(self) -> str:
        return self.legal_basis or self.item.legal_basis_text

    @property
    def basic_code(self) -> str:
        """The basic-code part of the implementation code (characters 20 onwards)."""
        return self.code[19:]

    def __str__(self) -> str:
        return f"{self.name}（v{self.version}）"


class ProcedureStep(Model):
    """One ordered step of the procedure (办理流程) with its own time allowance."""

    __tablename__ = "gk_procedure_step"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    implementation_id: Mapped[int] = mapped_column(ForeignKey("gk_implementation.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[Optional[str]] = mapped_column(Text)
    days: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[Optional[str]] = mapped_column(String(100))

    implementation: Mapped[Implementation] = relationship(back_populates="steps")

    def __str__(self) -> str:
        return self.name


class Fee(Model):
    """A fee (收费) with its amount and legal basis."""

    __tablename__ = "gk_fee"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    implementation_id: Mapped[int] = mapped_column(ForeignKey("gk_implementation.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    basis: Mapped[str] = mapped_column(Text, nullable=False)

    implementation: Mapped[Implementation] = relationship(back_populates="fees")

    def __str__(self) -> str:
        return f"{self.name} {self.amount} 元"


class SpecialProcedure(Model):
    """A special procedure (特别程序: 听证/检验/专家评审) with its time allowance."""

    __tablename__ = "gk_special_procedure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    implementation_id: Mapped[int] = mapped_column(ForeignKey("gk_implementation.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[Optional[str]] = mapped_column(Text)
    days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    counts_in_deadline: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    implementation: Mapped[Implementation] = relationship(back_populates="special_procedures")

    def __str__(self) -> str:
        return self.name


class Material(Model):
    """An application material (申请材料) of an implementation."""

    __tablename__ = "gk_material"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    implementation_id: Mapped[int] = mapped_column(ForeignKey("gk_implementation.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    form: Mapped[str] = mapped_column(String(10), nullable=False, default="原件")  # 原件/复印件/电子
    copies: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    necessity: Mapped[str] = mapped_column(String(10), nullable=False, default="必需")  # 必需/容缺/情形必需
    condition_text: Mapped[Optional[str]] = mapped_column(Text)
    source_channel: Mapped[Optional[str]] = mapped_column(String(100))
    acceptance_standard: Mapped[Optional[str]] = mapped_column(Text)
    #: Attachments: paths relative to the storage folder, plus the original file names.
    blank_form_path: Mapped[Optional[str]] = mapped_column(String(300))
    blank_form_name: Mapped[Optional[str]] = mapped_column(String(200))
    sample_path: Mapped[Optional[str]] = mapped_column(String(300))
    sample_name: Mapped[Optional[str]] = mapped_column(String(200))

    implementation: Mapped[Implementation] = relationship(back_populates="materials")

    #: Download routes of the attachments (served, scoped, by the catalog's MaterialView).
    @property
    def blank_form_url(self) -> str | None:
        return f"/catalog/materials/attachment/{self.id}/blank_form" if self.blank_form_path else None

    @property
    def sample_url(self) -> str | None:
        return f"/catalog/materials/attachment/{self.id}/sample" if self.sample_path else None

    def __str__(self) -> str:
        return self.name


@event.listens_for(ServiceItem, "before_insert")
@event.listens_for(ServiceItem, "before_update")
@event.listens_for(Implementation, "before_insert")
@event.listens_for(Implementation, "before_update")
def _compute_pinyin(mapper, connection, target) -> None:
    # Computed on every save so the search by initials (zdshbz) never goes stale.
    target.pinyin_initials = pinyin_initials(target.name)
