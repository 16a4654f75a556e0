"""Anti-spam for public forms that needs no internet: a honeypot field and a minimum fill time.

The form carries a signed timestamp (itsdangerous, keyed by the app's SECRET_KEY). A
submission is refused when the hidden honeypot field is filled (bots fill every field),
when the stamp is missing, forged, older than ``max_age`` or younger than ``min_seconds``
(nobody types a complaint in two seconds). A stamp files one complaint only: the complaint keeps
:func:`stamp_digest` in a unique column, so replaying a filled-in form is refused. Plain Python:
no Flask imports.
"""
from __future__ import annotations

import hashlib
import secrets
import time

from itsdangerous import BadSignature, URLSafeSerializer

from govkit.errors import ValidationError

HONEYPOT_FIELD = "website"
STAMP_FIELD = "form_stamp"
_SALT = "govkit-public-form-stamp"


def issue_stamp(secret_key: str, now: float | None = None) -> str:
    """A signed timestamp (with a random nonce, so two forms never share a stamp) to put in the form."""
    return URLSafeSerializer(secret_key, salt=_SALT).dumps([int((now or time.time()) * 1000), secrets.token_hex(8)])


def stamp_digest(form: dict) -> str:
    """SHA-256 of the submitted stamp (kept with the complaint so the stamp cannot be used again)."""
    return hashlib.sha256((form.get(STAMP_FIELD) or "").encode()).hexdigest()


def check(secret_key: str, form: dict, *, min_seconds: float, max_age: float = 24 * 3600,
          now: float | None = None) -> None:
    """Raise ValidationError (with a neutral message) if the submission looks automated."""
    if (form.get(HONEYPOT_FIELD) or "").strip():
        raise ValidationError("提交未通过校验，请刷新页面后重新填写。")
    try:
        payload = URLSafeSerializer(secret_key, salt=_SALT).loads(form.get(STAMP_FIELD) or "")
    except BadSignature as exc:
        raise ValidationError("页面已失效，请刷新页面后重新填写。") from exc
    issued_ms = payload[0] if isinstance(payload, list) and len(payload) == 2 else None
    if not isinstance(issued_ms, int) or isinstance(issued_ms, bool):
        raise ValidationError("页面已失效，请刷新页面后重新填写。")
    elapsed = (now or time.time()) - issued_ms / 1000
    if elapsed > max_age:
        raise ValidationError("页面停留时间过长已失效，请刷新页面后重新填写。")
    if elapsed < min_seconds:
        raise ValidationError("提交过快，请核对填写内容后再提交。")
