"""Flask-AppBuilder warnings that say nothing to a govkit operator, filtered out of the logs.

FAB logs three warnings on every start that govkit makes meaningless:

* "No user yet created, use flask fab command to do it." — govkit's own ``govkit create-admin``
  creates the first user, and ``govkit init`` says so;
* "Refused to delete permission view, assoc with role exists …" — FAB prunes permissions a view no
  longer declares, while govkit's duty roles (``auth/roles.py``) keep the grants they need;
* "Filter type not supported for column: …" — FAB's user and role screens list relationship
  columns that have no search filter, which is intended.

Only these exact messages are dropped; every other FAB warning still reaches the log.
"""
from __future__ import annotations

import logging

from flask_appbuilder import const

#: Message templates (``record.msg``) dropped, by the FAB logger that emits them.
NOISE: dict[str, frozenset[str]] = {
    "flask_appbuilder.security.manager": frozenset({const.LOGMSG_WAR_SEC_NO_USER}),
    "flask_appbuilder.security.sqla.manager": frozenset({const.LOGMSG_WAR_SEC_DEL_PERMVIEW}),
    "flask_appbuilder.models.filters": frozenset({"Filter type not supported for column: %s"}),
}


class DropMessages(logging.Filter):
    """Drop log records whose message template is one of ``messages``."""

    def __init__(self, messages: frozenset[str]) -> None:
        super().__init__()
        self.messages = messages

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in self.messages


def silence_fab_noise() -> None:
    """Attach the filters to FAB's loggers (once per process: loggers are process-wide)."""
    for name, messages in NOISE.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropMessages) for f in logger.filters):
            logger.addFilter(DropMessages(messages))
