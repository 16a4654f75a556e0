"""Applicant accounts and one-time codes (短信验证码): the rules, in plain Python over a Session (no Flask).

Sign-up and login are one flow, so that no answer tells whether a phone has an account (no enumeration):
the applicant asks for a code, proves the phone with it, and is then logged in — or, when the phone has no
account yet, asked for the real-name details (实名: 姓名 + GB 11643 公民身份号码, or 名称 + GB 32100 统一社会信用代码,
check characters verified). Codes are six digits, stored only as an HMAC, valid ``ttl`` seconds, used once, and
die after ``max_attempts`` wrong guesses. Sending is throttled per phone (one per ``resend`` seconds, at most
``per_phone_hour`` an hour) and per client address (``per_ip_hour``). Wrong codes and wrong passwords count in the
staff login's throttle (:mod:`govkit.auth.throttle`, the same ``LOGIN_*`` rules and lockout) under the name
``手机:<phone>``, so a phone and an address are locked exactly as a staff name is.

个人信息保护法 §6 (minimum necessary): an account keeps the name, the number, the phone and nothing else.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from govkit.auth.passwords import password_problems
from govkit.cases.idnumber import validate_id_number
from govkit.cases.models import Case
from govkit.catalog.codes import validate_uscc
from govkit.errors import GovkitError, ValidationError
from govkit.online.models import COMPANY, PERSON, Applicant, OneTimeCode
from govkit.orm import utcnow

__all__ = ["CodePolicy", "CodeThrottled", "applicant_cases_clause", "check_code", "check_password", "issue_code",
           "normalise_phone", "register_applicant", "set_password", "throttle_name", "validate_identity"]

LOGIN, SIGNUP = "login", "signup"
_PHONE = re.compile(r"^1[3-9]\d{9}$")
#: A hash checked when the phone has no account, so a password login takes as long either way.
_DUMMY_HASH = generate_password_hash("govkit-no-such-account")


class CodeThrottled(GovkitError):
    """Too many codes asked for this phone or from this address."""

    status_code = 429


@dataclass(frozen=True)
class CodePolicy:
    """How codes are made and limited (settings ``ONLINE_CODE_*``)."""

    ttl: int = 300
    resend: int = 60
    per_phone_hour: int = 5
    per_ip_hour: int = 30
    max_attempts: int = 5

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "CodePolicy":
        return cls(ttl=settings["ONLINE_CODE_TTL_SECONDS"], resend=settings["ONLINE_CODE_RESEND_SECONDS"],
                   per_phone_hour=settings["ONLINE_CODES_PER_PHONE_HOUR"],
                   per_ip_hour=settings["ONLINE_CODES_PER_IP_HOUR"],
                   max_attempts=settings["ONLINE_CODE_MAX_ATTEMPTS"])


def normalise_phone(value: str | None) -> str:
    """An 11-digit mainland mobile number (spaces, dashes and +86 dropped), or ValidationError."""
    phone = re.sub(r"[\s-]", "", str(value or ""))
    if phone.startswith("+86"):
        phone = phone[3:]
    if not _PHONE.match(phone):
        raise ValidationError("请填写正确的 11 位手机号码。")
    return phone


def validate_identity(kind: str, number: str | None) -> str:
    """The normalised 公民身份号码 (GB 11643, check character) or 统一社会信用代码 (GB 32100), or ValidationError."""
    if kind == PERSON:
        return validate_id_number(number or "")
    if kind == COMPANY:
        return validate_uscc(number or "")
    raise ValidationError("请选择个人或法人。")


def throttle_name(phone: str) -> str:
    """The name an applicant's failures are counted under in the login throttle (never clashes with staff)."""
    return f"手机:{phone}"


def _digest(secret: str, phone: str, purpose: str, code: str) -> str:
    return hmac.new(secret.encode("utf-8"), f"{phone}|{purpose}|{code}".encode("utf-8"), hashlib.sha256).hexdigest()


def issue_code(session: Session, phone: str, purpose: str, *, secret: str, policy: CodePolicy,
               ip: str | None = None, now: datetime | None = None) -> str:
    """Make a new code for ``phone``, store its hash, and return it (to be sent; never stored in clear).

    Raises :class:`CodeThrottled` when the phone had a code less than ``resend`` seconds ago, or has had
    ``per_phone_hour`` codes this hour, or the address ``per_ip_hour``. The caller commits.
    """
    now = now or utcnow()
    hour_ago = now - timedelta(hours=1)
    session.execute(delete(OneTimeCode).where(OneTimeCode.created_at < now - timedelta(days=1)))
    last = session.scalar(select(func.max(OneTimeCode.created_at)).where(OneTimeCode.phone == phone))
    if last is not None and _aware(last) > now - timedelta(seconds=policy.resend):
        wait = policy.resend - int((now - _aware(last)).total_seconds())
        raise CodeThrottled(f"验证码已发送，请 {max(wait, 1)} 秒后再重新获取。", retry_after=max(wait, 1))
    per_phone = session.scalar(select(func.count()).select_from(OneTimeCode).where(
        OneTimeCode.phone == phone, OneTimeCode.created_at >= hour_ago))
    per_ip = session.scalar(select(func.count()).select_from(OneTimeCode).where(
        OneTimeCode.client_ip == ip, OneTimeCode.created_at >= hour_ago)) if ip else 0
    if per_phone >= policy.per_phone_hour or per_ip >= policy.per_ip_hour:
        raise CodeThrottled("获取验证码过于频繁，请一小时后再试。", retry_after=3600)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    # A new code replaces the earlier ones of the same purpose (kept, used up, so they still count).
    session.execute(update(OneTimeCode).where(OneTimeCode.phone == phone, OneTimeCode.purpose == purpose,
                                              OneTimeCode.used_at.is_(None)).values(used_at=now))
    session.add(OneTimeCode(phone=phone, purpose=purpose, code_hash=_digest(secret, phone, purpose, code),
                            created_at=now, expires_at=now + timedelta(seconds=policy.ttl), client_ip=ip))
    return code


def check_code(session: Session, phone: str, purpose: str, code: str | None, *, secret: str, policy: CodePolicy,
               now: datetime | None = None) -> bool:
    """True (and the code is used up) when ``code`` is the live code of ``phone``; a wrong guess counts.

    The caller commits either way (a wrong guess must stay counted) and records the failure in the login
    throttle.
    """
    now = now or utcnow()
    row = session.scalar(select(OneTimeCode).where(
        OneTimeCode.phone == phone, OneTimeCode.purpose == purpose, OneTimeCode.used_at.is_(None),
    ).order_by(OneTimeCode.id.desc()).limit(1))
    if row is None or _aware(row.expires_at) <= now or row.attempts >= policy.max_attempts:
        return False
    given = re.sub(r"\s", "", str(code or ""))
    if hmac.compare_digest(row.code_hash, _digest(secret, phone, purpose, given)):
        row.used_at = now
        return True
    row.attempts += 1
    return False


def register_applicant(session: Session, *, kind: str, name: str, id_number: str, phone: str,
                       contact_name: str | None = None, password: str | None = None,
                       verified_at: datetime | None = None) -> Applicant:
    """Create the account of a phone just proven by a code (``verified_at``); the caller commits.

    Raises ValidationError (Chinese, what to fix) for a bad name, number or password, or a number that
    already has an account.
    """
    name = (name or "").strip()
    if not 2 <= len(name) <= 100:
        raise ValidationError("请填写真实姓名或单位全称（2–100 个字）。")
    number = validate_identity(kind, id_number)
    if kind == COMPANY and not (contact_name or "").strip():
        raise ValidationError("法人账号请填写经办人姓名。")
    phone = normalise_phone(phone)
    if session.scalar(select(Applicant.id).where(Applicant.id_number == number)) is not None:
        raise ValidationError("该证件号码已注册账号。请用注册时的手机号登录；手机号已更换的，请携带证件到窗口办理。")
    if session.scalar(select(Applicant.id).where(Applicant.phone == phone)) is not None:
        raise ValidationError("该手机号已注册账号，请直接登录。")
    applicant = Applicant(kind=kind, name=name, id_number=number, phone=phone,
                          contact_name=(contact_name or "").strip() or None,
                          phone_verified_at=verified_at)
    if password:
        set_password(applicant, password)
    session.add(applicant)
    session.flush()
    return applicant


def set_password(applicant: Applicant, password: str) -> None:
    """Set the optional password (the staff password policy); ends the account's other sessions."""
    problems = password_problems(password, applicant.phone)
    if problems:
        raise ValidationError(" ".join(problems))
    applicant.password_hash = generate_password_hash(password)
    applicant.session_epoch = (applicant.session_epoch or 0) + 1


def check_password(session: Session, phone: str, password: str) -> Applicant | None:
    """The active account of ``phone`` when ``password`` is its password; None otherwise, in the same time."""
    applicant = session.scalar(select(Applicant).where(Applicant.phone == phone))
    stored = applicant.password_hash if applicant is not None and applicant.active else None
    ok = check_password_hash(stored or _DUMMY_HASH, password or "")
    return applicant if ok and stored else None


def applicant_cases_clause(applicant: Applicant) -> Any:
    """SQL condition for the cases of ``applicant`` (我的办件): filed through the account, or registered at a
    counter under the account's own 证件号码. Every applicant-facing query of cases must use it."""
    return or_(Case.applicant_account_id == applicant.id,
               (Case.applicant_id_number == applicant.id_number) & (Case.applicant_id_type == applicant.id_type))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
