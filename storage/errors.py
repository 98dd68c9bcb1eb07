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
