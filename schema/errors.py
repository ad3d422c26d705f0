"""Errors a person can cause. Each carries one sentence that says what to do; front ends print it
and exit non-zero instead of showing a traceback."""
from __future__ import annotations


class KacrmError(Exception):
    """Base of every error that is the user's to fix (bad input, bad config, missing rights)."""


class ConfigError(KacrmError):
    """The configuration file is unreadable or has a bad value."""


class DatabaseError(KacrmError):
    """The database cannot be opened or is not at a version this code can use."""


class SchemaTooNew(DatabaseError):
    """The database was upgraded by a newer kacrm than this one."""


class NotFound(KacrmError):
    """A login, customer code or record that was named does not exist."""


class PermissionDenied(KacrmError):
    """The acting Rep may not do this."""


class ConcurrentEdit(KacrmError):
    """Someone else saved the record after it was read; nothing was overwritten."""

    def __init__(self, message: str, current: dict | None = None):
        super().__init__(message)
        self.current = current or {}


class ValidationError(KacrmError):
    """A value given by the user is not acceptable."""


class PendingApproval(KacrmError):
    """Not the user's mistake: where a site turns approvals on (`[access] approvals`, DESIGN §6), a
    rep's change was kept as a request that waits for the customer's manager instead of being
    written. `request_id` names the request."""

    def __init__(self, message: str, request_id: int):
        super().__init__(message)
        self.request_id = request_id
