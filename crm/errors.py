"""One error family for domain code: services raise these, doors translate them."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A rule of the business was broken; ``message`` is shown to the user as it is."""

    default_message = _("The request could not be completed.")

    def __init__(self, message=None, *, extra: dict | None = None) -> None:
        self.message = message or self.default_message
        self.extra = extra or {}
        super().__init__(str(self.message))


class NotPermitted(ApplicationError):
    default_message = _("You are not allowed to do this.")


class NotFound(ApplicationError, Http404):
    """The thing asked for does not exist, or is outside what the user sees (the same answer: 404).

    Also an Http404, so that Django's own 404 handling (handler404) answers it wherever it escapes."""

    default_message = _("Not found.")


class Conflict(ApplicationError):
    default_message = _("Someone else changed this record meanwhile. Reload it and try again.")


class SpreadsheetError(ApplicationError):
    default_message = _("The spreadsheet could not be read.")
