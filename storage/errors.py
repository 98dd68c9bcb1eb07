"""Errors raised by the storage layer."""

from __future__ import annotations


class StorageError(Exception):
    """Base class for every error raised by `storage`."""


class NotFound(StorageError):
    """The requested row does not exist."""


class MailboxConflict(StorageError):
    """A Gmail address or a user already has a different mailbox connected."""


class LeaseLost(StorageError):
    """The caller no longer holds the mailbox lease, so its batch was not written."""


class InvalidChange(StorageError):
    """A change a person asked for cannot be made as asked; the message names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ChangeConflict(StorageError):
    """A change a person asked for clashes with what is stored (another application already has
    this company and role; an email with no application to correct); the message says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
