"""Domain errors: one type per failure the user can fix.

Every error carries a message in plain Simplified Chinese that says what is
wrong and what to do; views show ``str(error)`` as it is.
"""
from __future__ import annotations


class GovkitError(Exception):
    """Base of every error govkit raises on purpose."""

    #: HTTP status a view should answer with when this error reaches it.
    status_code = 400

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class SettingsError(GovkitError):
    """A configuration value is missing or has the wrong type (names the key)."""


class PluginError(GovkitError):
    """A plugin failed to import or raised inside a hook (names plugin and hook)."""

    status_code = 500


class ValidationError(GovkitError):
    """Input data is invalid (a code, an ID number, a form field, a file)."""


class ImportRowError(ValidationError):
    """One or more rows of a bulk import are invalid; ``errors`` lists (line, message)."""

    def __init__(self, message: str, errors: list[tuple[int, str]]) -> None:
        super().__init__(message, errors=errors)
        self.errors = errors


class OutOfScope(GovkitError):
    """The object lies outside the user's division subtree or role."""

    status_code = 404


class PermissionDenied(GovkitError):
    """The user's role may not perform this action."""

    status_code = 403


class InvalidTransition(GovkitError):
    """A workflow action is not allowed in the case's current state."""

    status_code = 409


class ConcurrentModification(GovkitError):
    """Someone else changed the record first (optimistic lock); reload and retry."""

    status_code = 409


class PreconditionRequired(GovkitError):
    """A change must say which version it was decided on (optimistic lock; HTTP 428)."""

    status_code = 428


class CalendarYearNotCovered(GovkitError):
    """A working-day calculation needs a year the calendar cannot represent."""


class UploadRejected(ValidationError):
    """An uploaded file was refused (type, size, name or content)."""


class DirectoryUnavailable(GovkitError):
    """No configured LDAP directory answered."""

    status_code = 503


class OrganIncomplete(GovkitError):
    """The implementing organ (实施机关) lacks what an issued document needs (names organ and field)."""

    status_code = 409
