"""Hierarchy models: Division (行政区划), ServiceCentre, Department, Staff."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govkit.hierarchy.codes import URBAN_RURAL_CLASSES, parent_code, subtree_prefix, township_kind
from govkit.orm import Model, UTCDateTime, utcnow

if TYPE_CHECKING:  # FAB's User: importing it loads Flask, which models (and services) must not
    from flask_appbuilder.security.sqla.models import User


def _fab_user() -> type:
    """FAB's User model, resolved when the mappers are configured (not at import)."""
    from flask_appbuilder.security.sqla.models import User  # deferred: loads Flask; see TYPE_CHECKING above

    return User


class DivisionLevel(enum.IntEnum):
    """Level of a division: province 1 … village 5."""

    PROVINCE = 1
    CITY = 2
    COUNTY = 3
    TOWNSHIP = 4
    VILLAGE = 5


LEVEL_NAMES = {1: "省级", 2: "市级", 3: "县级", 4: "乡级", 5: "村级"}


class Division(Model):
    """A division (行政区划) identified by its 12-digit NBS statistical code (统计用区划代码).

    ``code`` is the materialised path: the subtree of a county is every code that
    starts with the county's significant prefix, an index range scan on both SQLite
    and PostgreSQL (``code >= prefix AND code < prefix+1``).
    """

    __tablename__ = "gk_division"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_division.id"), index=True)
    urban_rural_class: Mapped[Optional[str]] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    valid_from: Mapped[Optional[date]] = mapped_column(Date)
    valid_to: Mapped[Optional[date]] = mapped_column(Date)

    parent: Mapped[Optional["Division"]] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Division"]] = relationship(back_populates="parent")

    __table_args__ = (Index("ix_gk_division_level_code", "level", "code"),)

    def __repr__(self) -> str:
        return f"{self.name}（{self.code}）"

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """The significant code prefix shared by this division's whole subtree."""
        return subtree_prefix(self.code)

    @property
    def level_name(self) -> str:
        """省级/市级/县级/乡级/村级."""
        return LEVEL_NAMES.get(self.level, str(self.level))

    @property
    def ancestor_codes(self) -> list[str]:
        """Codes of every ancestor, province first (computed from the code, no query)."""
        codes: list[str] = []
        code = parent_code(self.code)
        while code:
            codes.append(code)
            code = parent_code(code)
        return codes[::-1]

    @property
    def urban_rural_label(self) -> str | None:
        """城乡分类 name, e.g. ``220 村庄``."""
        if not self.urban_rural_class:
            return None
        return f"{self.urban_rural_class} {URBAN_RURAL_CLASSES.get(self.urban_rural_class, '')}".strip()

    @property
    def township_kind(self) -> str | None:
        """街道/镇/乡/其他 for a township, derived from digits 7–9 of the code."""
        if self.level != DivisionLevel.TOWNSHIP:
            return None

        return township_kind(self.code)


class CentreKind(str, enum.Enum):
    GOV_CENTRE = "政务服务中心"
    CONVENIENCE_CENTRE = "便民服务中心"
    CONVENIENCE_STATION = "便民服务站"


class ServiceCentre(Model):
    """A service centre (政务服务中心/便民服务中心/便民服务站) of a division."""

    __tablename__ = "gk_service_centre"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("gk_division.id"), index=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default=CentreKind.CONVENIENCE_STATION.value)
    address: Mapped[Optional[str]] = mapped_column(String(300))
    phone: Mapped[Optional[str]] = mapped_column(String(50))
    opening_hours: Mapped[Optional[str]] = mapped_column(String(200))
    equipment_notes: Mapped[Optional[str]] = mapped_column(Text)

    division: Mapped[Division] = relationship()

    def __str__(self) -> str:
        return self.name


class Department(Model):
    """A department or window (部门/窗口) at county or township level, e.g. 民政局."""

    __tablename__ = "gk_department"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("gk_division.id"), index=True, nullable=False)
    centre_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_service_centre.id"))
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    window_no: Mapped[Optional[str]] = mapped_column(String(20))
    uscc: Mapped[Optional[str]] = mapped_column(String(18))
    phone: Mapped[Optional[str]] = mapped_column(String(50))

    division: Mapped[Division] = relationship()
    centre: Mapped[Optional[ServiceCentre]] = relationship()

    def __str__(self) -> str:
        return self.name


class Duty(str, enum.Enum):
    """Staff duties; each maps to a built-in role of the same name."""

    INTAKE = "受理员"
    AGENT = "代办员"
    HANDLER = "办理员"
    DISPATCH = "指挥中心"
    SUPERVISOR = "监察"
    CATALOG_ADMIN = "事项管理员"
    DISCLOSURE_REVIEWER = "公开审核"
    #: 本行政机关负责人 (行政许可法第四十二条): approves extensions of the implementing organ's cases.
    ORGAN_HEAD = "机关负责人"


class Staff(Model):
    """A staff member: a FAB user with a home division, department and duty."""

    __tablename__ = "gk_staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), unique=True, nullable=False)
    division_id: Mapped[int] = mapped_column(ForeignKey("gk_division.id"), index=True, nullable=False)
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_department.id"))
    duty: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    public_contact: Mapped[Optional[str]] = mapped_column(String(100))
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(_fab_user)
    division: Mapped[Division] = relationship()
    department: Mapped[Optional[Department]] = relationship()

    def __str__(self) -> str:
        return f"{self.name}（{self.duty}）"


class Organ(Model):
    """An implementing organ (实施机关): a division's government, or one of its departments.

    Documents are issued in the organ's name (行政许可法 §38: the decision is the organ's,
    not the village service point's that received the application) and carry what the law
    asks of them: the full name and seal, and for the rights text the 复议机关 (行政复议法,
    60 days) and the 人民法院 (行政诉讼法 §46, 6 months).  ``department_id`` is empty for
    the division's own government (e.g. 清河镇人民政府).
    """

    __tablename__ = "gk_organ"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("gk_division.id"), index=True, nullable=False)
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_department.id"), index=True)
    full_name: Mapped[Optional[str]] = mapped_column(String(200))
    #: PKCS#12 certificate signing the organ's documents (PAdES), and the environment
    #: variable holding its passphrase (never stored in the database).
    seal_p12_path: Mapped[Optional[str]] = mapped_column(String(300))
    seal_passphrase_env: Mapped[Optional[str]] = mapped_column(String(100))
    #: Image of the official seal (PNG, transparent) printed over the issuer line.
    seal_image_path: Mapped[Optional[str]] = mapped_column(String(300))
    review_body: Mapped[Optional[str]] = mapped_column(String(200))  # 行政复议机关
    court: Mapped[Optional[str]] = mapped_column(String(200))  # 行政诉讼管辖法院
    phone: Mapped[Optional[str]] = mapped_column(String(50))

    division: Mapped[Division] = relationship()
    department: Mapped[Optional[Department]] = relationship()

    __table_args__ = (Index("ix_gk_organ_division_department", "division_id", "department_id", unique=True),)

    def __str__(self) -> str:
        # Before its first flush an organ may have only ids set (no related objects loaded yet).
        unit = self.department if self.department_id is not None else self.division
        return self.full_name or (unit.name if unit is not None else f"实施机关（单位 {self.division_id}）")

    @property
    def missing(self) -> list[str]:
        """Chinese names of the fields documents need that this organ lacks."""
        present = {"full_name": self.full_name, "seal": self.seal_p12_path or self.seal_image_path,
                   "review_body": self.review_body, "court": self.court, "phone": self.phone}
        return [label for key, label in ORGAN_REQUIRED_FIELDS.items() if not (present[key] or "").strip()]

    @property
    def completeness(self) -> str:
        """完整, or 缺少：… (shown in the admin list)."""
        missing = self.missing
        return "缺少：" + "、".join(missing) if missing else "完整"


#: What each issued document needs of its organ, with the Chinese name errors and screens show.
ORGAN_REQUIRED_FIELDS: dict[str, str] = {
    "full_name": "机关全称",
    "seal": "印章（电子印章证书或印章图片）",
    "review_body": "行政复议机关",
    "court": "行政诉讼管辖法院",
    "phone": "联系电话",
}
