"""Anti-spam for public forms that needs no internet: a honeypot field and a minimum fill time.

The form carries a signed timestamp (itsdangerous, keyed by the app's SECRET_KEY). A
submission is refused when the hidden honeypot field is filled (bots fill every field),
when the stamp is missing, forged, older than ``max_age`` or younger than ``min_seconds``
(nobody types a complaint in two seconds). Plain Python: no Flask imports.
"""
from __future__ import annotations

import time

from itsdangerous import BadSignature, URLSafeSerializer

from govkit.errors import ValidationError

HONEYPOT_FIELD = "website"
STAMP_FIELD = "form_stamp"
_SALT = "govkit-public-form-stamp"


def issue_stamp(secret_key: str, now: float | None = None) -> str:
    """A signed timestamp to put in the form when it is shown."""
    return URLSafeSerializer(secret_key, salt=_SALT).dumps(int((now or time.time()) * 1000))


def check(secret_key: str, form: dict, *, min_seconds: float, max_age: float = 24 * 3600,
          now: float | None = None) -> None:
    """Raise ValidationError (with a neutral message) if the submission looks automated."""
    if (form.get(HONEYPOT_FIELD) or "").strip():
        raise ValidationError("提交未通过校验，请刷新页面后重新填写。")
    try:
        issued_ms = URLSafeSerializer(secret_key, salt=_SALT).loads(form.get(STAMP_FIELD) or "")
    except BadSignature as exc:
        raise ValidationError("页面已失效，请刷新页面后重新填写。") from exc
    if not isinstance(issued_ms, int):
        raise ValidationError("页面已失效，请刷新页面后重新填写。")
    elapsed = (now or time.time()) - issued_ms / 1000
    if elapsed > max_age:
        raise ValidationError("页面停留时间过长已失效，请刷新页面后重新填写。")
    if elapsed < min_seconds:
        raise ValidationError("提交过快，请核对填写内容后再提交。")
