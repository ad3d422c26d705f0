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
