"""Tables of the convenience services (便民服务登记), owned by this plugin.

``info = {"plugin": ...}`` tells ``govkit db upgrade`` to create them when missing; they are
not part of govkit's own Alembic history.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from govkit.toolkit import Division, Model, UTCDateTime, mask_phone, utcnow

PLUGIN = "govkit_convenience"
TABLE_INFO = {"info": {"plugin": PLUGIN}}

STATUSES = ("已登记", "已完成", "已取消")


class _Registration:
    """Columns every registration has: the village, the resident, the status."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("gk_division.id"), index=True)
    resident_name: Mapped[str] = mapped_column(String(50))
    resident_phone: Mapped[Optional[str]] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="已登记")
    note: Mapped[Optional[str]] = mapped_column(String(500))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    @declared_attr
    def division(cls) -> Mapped[Division]:
        return relationship(Division)

    def phone_masked(self) -> str:
        """The phone number as lists show it (138****5678)."""
        return mask_phone(self.resident_phone) if self.resident_phone else ""


class UtilityPayment(_Registration, Model):
    """代缴水电: a bill paid at the desk for a resident."""

    __tablename__ = "gkc_utility_payment"
    __table_args__ = TABLE_INFO

    utility: Mapped[str] = mapped_column(String(10))  # 水费/电费/燃气费/话费
    account_number: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    receipt_number: Mapped[Optional[str]] = mapped_column(String(40))


class ParcelRecord(_Registration, Model):
    """代收快递: a parcel the desk received for a resident."""

    __tablename__ = "gkc_parcel"
    __table_args__ = TABLE_INFO

    carrier: Mapped[str] = mapped_column(String(30))
    tracking_number: Mapped[str] = mapped_column(String(40), index=True)
    shelf: Mapped[Optional[str]] = mapped_column(String(20))


class ProducePurchase(_Registration, Model):
    """农产品代购/代销: produce bought or sold on a resident's behalf."""

    __tablename__ = "gkc_produce_purchase"
    __table_args__ = TABLE_INFO

    direction: Mapped[str] = mapped_column(String(10), default="代购")  # 代购/代销
    product: Mapped[str] = mapped_column(String(60))
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    unit: Mapped[str] = mapped_column(String(10), default="公斤")
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))

    def total(self) -> Decimal:
        return (self.quantity or 0) * (self.unit_price or 0)


MODELS = (UtilityPayment, ParcelRecord, ProducePurchase)
