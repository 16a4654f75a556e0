"""Tables of the auth package: failed-login counters shared by every worker process."""
from __future__ import annotations

from sqlalchemy import Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govkit.orm import Model


class LoginFailure(Model):
    """Failed logins of one username (``kind='user'``) or client address (``kind='ip'``).

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
