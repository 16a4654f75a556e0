"""Tables of the online hall: applicant accounts, one-time codes and the development message channel.

Applicant accounts are separate from staff accounts (``ab_user``) and their roles: an applicant never gets
a Flask-AppBuilder login, and a staff login never makes anyone an applicant.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govkit.cases.idnumber import mask_id_number, mask_phone
from govkit.orm import Model, UTCDateTime, utcnow

#: Applicant kinds: a natural person (自然人, GB 11643 公民身份号码) or a legal person (法人, GB 32100 USCC).
PERSON, COMPANY = "person", "company"
KIND_LABELS = {PERSON: "个人", COMPANY: "法人"}
#: ``Case.applicant_id_type`` values for the two kinds (the counter's words).
ID_TYPE_OF_KIND = {PERSON: "居民身份证", COMPANY: "统一社会信用代码"}


class Applicant(Model):
    """An applicant account (申请人账号) of the online hall.

    ``id_number`` is the GB 11643 公民身份号码 of a person or the GB 32100 统一社会信用代码 of a company,
    both stored normalised with a valid check character; it is unique, so a counter case registered
    under the same number belongs to this account (我的办件). ``phone`` is verified by a one-time code
    (``phone_verified_at``); ``password_hash`` is optional (werkzeug hash). ``session_epoch`` is raised
    on logout and password change, which ends every session issued before.
    """

    __tablename__ = "gk_applicant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default=PERSON)
    #: 姓名 of a person, or the registered name (名称) of a company.
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    id_number: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    #: For a company: the person acting for it (经办人).
    contact_name: Mapped[Optional[str]] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    phone_verified_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    password_hash: Mapped[Optional[str]] = mapped_column(String(256))
    #: ``issuer|subject`` of a unified-identity (统一身份认证) login linked to this account.
    oidc_subject: Mapped[Optional[str]] = mapped_column(String(300), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    session_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    @property
    def id_type(self) -> str:
        return ID_TYPE_OF_KIND.get(self.kind, "居民身份证")

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, "个人")

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def __str__(self) -> str:
        return self.name


class OneTimeCode(Model):
    """A one-time code (短信验证码) sent to a phone: only its hash is kept; used once, within its TTL.

    ``purpose`` is ``login`` or ``signup``; ``attempts`` counts wrong guesses of this code (a code dies
    after ``ONLINE_CODE_MAX_ATTEMPTS``). Rows of used or expired codes are purged by the service.
    """

    __tablename__ = "gk_one_time_code"
    __table_args__ = (Index("ix_gk_one_time_code_phone", "phone", "purpose"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), nullable=False)
    purpose: Mapped[str] = mapped_column(String(10), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    client_ip: Mapped[Optional[str]] = mapped_column(String(64))


class DevMessage(Model):
    """A message of the built-in development channel (开发用消息通道): stored instead of sent.

    A county connects its SMS gateway through the ``register_message_channels`` hook; until then (and in
    the demo) messages land here and the demo's /demo/ page lists them. ``kind`` is one of
    :data:`govkit.online.messages.MESSAGE_KINDS`.
    """

    __tablename__ = "gk_dev_message"
    __table_args__ = (UniqueConstraint("key", name="uq_gk_dev_message_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    phone: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    applicant_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_applicant.id", ondelete="SET NULL"))
    case_number: Mapped[Optional[str]] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
