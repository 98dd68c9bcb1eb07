"""The one boundary to Google: the Gmail API client, OAuth, batches, retries and their errors."""

from gmail.client import (
    BATCH_LIMIT,
    GmailClient,
    GmailConfig,
    GmailObserver,
    HistoryDelta,
    MessageRef,
    is_retryable,
)
from gmail.connector import CredentialsCache, MailboxConnector
from gmail.errors import GmailError, HistoryExpired, MessageGone, OAuthFailure, TokenRevoked
from gmail.messages import (
    METADATA_HEADERS,
    body_text,
    counts_for_sync,
    header,
    message_date,
    parse_date,
)
from gmail.oauth import GMAIL_READONLY_SCOPE, OAuthClientConfig, TokenGrant, user_credentials
from gmail.quota import QUOTA_COST, QuotaGate

__all__ = [
    "BATCH_LIMIT",
    "GMAIL_READONLY_SCOPE",
    "METADATA_HEADERS",
    "QUOTA_COST",
    "CredentialsCache",
    "GmailClient",
    "GmailConfig",
    "GmailError",
    "GmailObserver",
    "HistoryDelta",
    "HistoryExpired",
    "MailboxConnector",
    "MessageGone",
    "MessageRef",
    "OAuthClientConfig",
    "OAuthFailure",
    "QuotaGate",
    "TokenGrant",
    "TokenRevoked",
    "body_text",
    "counts_for_sync",
    "header",
    "is_retryable",
    "message_date",
    "parse_date",
    "user_credentials",
]
