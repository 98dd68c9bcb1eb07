"""Opens Gmail clients for many mailboxes in a long-running process, cheaply.

Each mailbox's credentials are kept between syncs (its access token is refreshed once an hour,
not once a sync), and each thread keeps one HTTP connection alive to Gmail (a sync after the first
skips the TCP and TLS handshakes).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import httplib2
from google.oauth2.credentials import Credentials
from googleapiclient.http import build_http

from gmail.client import GmailClient, GmailConfig, GmailObserver
from gmail.oauth import user_credentials
from gmail.quota import QuotaGate


class CredentialsCache:
    """Each mailbox's credentials, bounded; a changed refresh token replaces the entry."""

    def __init__(self, config: GmailConfig, *, size: int = 2048) -> None:
        self._config = config
        self._size = size
        self._entries: OrderedDict[int, tuple[str, Credentials]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, mailbox_id: int, refresh_token: str) -> Credentials:
        """The cached credentials for this mailbox and token, or new ones."""
        with self._lock:
            entry = self._entries.get(mailbox_id)
            if entry is None or entry[0] != refresh_token:
                entry = (refresh_token, user_credentials(self._config.oauth, refresh_token))
            self._entries[mailbox_id] = entry
            self._entries.move_to_end(mailbox_id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
            return entry[1]


class MailboxConnector:
    """Opens a `GmailClient` for one mailbox under the quota gate it is given."""

    def __init__(self, config: GmailConfig, *, observer: GmailObserver | None = None) -> None:
        self._config = config
        self._observer = observer
        self._credentials = CredentialsCache(config)
        self._connections = threading.local()

    def open(self, mailbox_id: int, refresh_token: str, quota: QuotaGate) -> GmailClient:
        """A client on this thread's kept-alive connection (the caller must not close it)."""
        return GmailClient(
            self._config,
            refresh_token,
            quota=quota,
            credentials=self._credentials.get(mailbox_id, refresh_token),
            connection=self._thread_connection(),
            observer=self._observer,
        )

    def _thread_connection(self) -> httplib2.Http:
        """One per thread, because an `httplib2.Http` must not be shared between threads."""
        http: httplib2.Http | None = getattr(self._connections, "http", None)
        if http is None:
            http = build_http()
            self._connections.http = http
        return http
