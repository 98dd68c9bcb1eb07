"""What can go wrong talking to Google, in the words the rest of ApplyTrack acts on."""

from __future__ import annotations


class GmailError(RuntimeError):
    """Gmail answered with an error that retrying did not fix."""


class TokenRevoked(GmailError):
    """The refresh token was revoked or expired (invalid_grant): the user must reconnect."""


class HistoryExpired(GmailError):
    """history.list answered 404: the cursor is older than Gmail's retained history."""


class MessageGone(GmailError):
    """The message was deleted between history.list and messages.get."""


class OAuthFailure(Exception):
    """The OAuth flow cannot finish; the message is a sentence for the person connecting Gmail."""
