"""Tables of the auth package: failed-login counters shared by every worker process, session epochs, forced
password changes and the administrators' runtime settings."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govkit.orm import Model, UTCDateTime, utcnow


class LoginFailure(Model):
    """Failed logins of one (name, address) pair (``kind='pair'``, key ``name|address``), one client
    address (``kind='ip'``) or one account name from anywhere (``kind='account'``); ``kind='known'``
    rows remember where an account logged in (``locked_until`` is then when that memory ends).

    Times are Unix seconds (every worker and host compares the same clock). ``failures``
    counts within the window that began at ``window_start``; ``locked_until`` > now means
    locked. Rows of idle keys are purged now and then by the throttle.
    """

    __tablename__ = "gk_login_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    window_start: Mapped[float] = mapped_column(Float, nullable=False)
    locked_until: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)

    __table_args__ = (UniqueConstraint("kind", "key", name="uq_gk_login_failure_kind_key"),)


class SessionEpoch(Model):
    """The session epoch (会话代次) of one user: sessions and API tokens carry the epoch of their login.

    Logout, a password change, deactivation and the removal of a role raise it, which ends every
    session cookie and bearer token issued before, in every worker (each checks it per request,
    cached for at most ``AUTH_CACHE_SECONDS``). A user without a row is at epoch 0.
    """

    __tablename__ = "gk_session_epoch"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    changed_at: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)


class PasswordChangeRequired(Model):
    """Users who must choose a new password at their next login (after an admin reset, or a seeded account)."""

    __tablename__ = "gk_password_change_required"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    reason: Mapped[str] = mapped_column(String(32), nullable=False, default="reset")


class RuntimeSetting(Model):
    """An administrator's value of a runtime setting (运行参数), overriding the config file until removed.

    ``value`` is the JSON text of the converted value. Audited (govkit.audit.trail.AUDITED_TABLES): every
    change is an entry with the old and new value, who and when.
    """

    __tablename__ = "gk_runtime_setting"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(500), nullable=False)
    changed_by: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __str__(self) -> str:
        return f"运行参数 {self.name}"
