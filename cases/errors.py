"""Refusals with a message for the user. Views turn them into 4xx responses; nothing was written."""

from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _


class CaseError(Exception):
    status_code = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, field: str | None = None):
        self.message = message or self.default_message
        self.field = field
        super().__init__(str(self.message))


class InvalidInput(CaseError):
    status_code = 400
    default_message = _("The input is not valid.")


class NotAllowed(CaseError):
    status_code = 403
    default_message = _("You may not do this.")


class NotTaskOwner(NotAllowed):
    default_message = _("Only the person who claimed the task may complete it.")


class Conflict(CaseError):
    status_code = 409
    default_message = _("Someone changed this meanwhile; reload and try again.")


class TooLarge(CaseError):
    status_code = 413
    default_message = _("What you sent is too large.")


class NotFound(CaseError):
    """Also for what exists but the caller may not see: never reveal existence."""

    status_code = 404
    default_message = _("Not found.")


RETRY_AFTER = 5  # seconds: a database that went away (a restart, a failover) is usually back by then


def database_unreachable(exc: BaseException | None) -> bool:
    """The database could not be reached or dropped the connection (the driver's operational and interface
    errors: refused, reset, shut down), as opposed to a query of ours that failed: a 503 to retry, not a 500."""
    return isinstance(exc, OperationalError | InterfaceError)
