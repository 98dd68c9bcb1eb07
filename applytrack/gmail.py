"""The one way ApplyTrack talks to Gmail: google-api-python-client with retries and batching.

Every call retries 429, rate-limit 403s and 5xx with exponential backoff and jitter (tenacity),
honouring Retry-After. A revoked or expired grant surfaces as `TokenRevoked`; a cursor older than
Gmail's retained history as `HistoryExpired`.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import google.auth.exceptions
import google.oauth2.credentials
import google_auth_httplib2
import httplib2
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest, HttpRequest, build_http
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from applytrack.settings import Settings

log = logging.getLogger(__name__)

GMAIL_READONLY_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"
METADATA_HEADERS = (
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
)
BATCH_LIMIT = 50
SKIPPED_LABELS = frozenset({"SENT", "DRAFT", "SPAM", "TRASH", "CHAT"})


# Gmail's per-user quota units per method (the sandbox enforces the same table).
QUOTA_COST = {
    "getProfile": 1,
    "messages.list": 5,
    "messages.get": 5,
    "history.list": 2,
    "watch": 100,
    "stop": 0,
}


class QuotaGate(Protocol):
    """Blocks until the mailbox's Gmail quota has room for ``units``, then counts them as spent."""

    def spend(self, units: int) -> None:
        """Wait for room and spend."""
        ...


class GmailError(RuntimeError):
    """Gmail answered with an error that retrying did not fix."""


class TokenRevoked(GmailError):
    """The refresh token was revoked or expired (invalid_grant): the user must reconnect."""


class HistoryExpired(GmailError):
    """history.list answered 404: the cursor is older than Gmail's retained history."""


class MessageGone(GmailError):
    """The message was deleted between history.list and messages.get."""


@dataclass(frozen=True)
class GmailConfig:
    """Where Gmail and Google's token endpoint are, and the OAuth client that talks to them."""

    api_endpoint: str
    token_uri: str
    client_id: str
    client_secret: str
    max_attempts: int = 8
    max_backoff_seconds: float = 32.0
    batch_size: int = BATCH_LIMIT


@dataclass(frozen=True)
class MessageRef:
    """A message named by history or a list, with the labels Gmail reported (if it did)."""

    id: str
    thread_id: str
    label_ids: tuple[str, ...] = ()
    history_id: int | None = None


@dataclass
class HistoryDelta:
    """New messages since a cursor, and the mailbox's current history id."""

    messages: list[MessageRef] = field(default_factory=list)
    latest_history_id: int = 0


def _status(exc: BaseException) -> int | None:
    if isinstance(exc, HttpError):
        return int(exc.resp.status)
    return None


def _reason(exc: HttpError) -> str:
    try:
        error = json.loads(exc.content or b"{}").get("error", {})
        errors = error.get("errors") or [{}]
        return str(errors[0].get("reason") or error.get("status") or "")
    except (ValueError, AttributeError):
        return ""


def is_retryable(exc: BaseException) -> bool:
    """429, 5xx and Gmail's rate-limit 403s are worth another try; other errors are not."""
    if isinstance(exc, HttpError):
        status = _status(exc)
        if status == 429 or (status is not None and status >= 500):
            return True
        return status == 403 and _reason(exc) in {"rateLimitExceeded", "userRateLimitExceeded"}
    return isinstance(exc, (ConnectionError, TimeoutError, OSError)) and not isinstance(
        exc, google.auth.exceptions.RefreshError
    )


class _RetryAfterWait:
    """Exponential backoff with jitter, but never shorter than a Retry-After the server sent."""

    def __init__(self, max_backoff: float) -> None:
        self._jitter = wait_random_exponential(multiplier=0.25, max=max_backoff)

    def __call__(self, state: RetryCallState) -> float:
        wait = self._jitter(state)
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, HttpError):
            retry_after = exc.resp.get("retry-after")
            if retry_after and retry_after.replace(".", "", 1).isdigit():
                wait = max(wait, float(retry_after))
        return wait


def _translate_auth_errors(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except google.auth.exceptions.RefreshError as exc:
        raise TokenRevoked(f"Google refused the refresh token: {exc}") from exc


def user_credentials(
    config: GmailConfig, refresh_token: str
) -> google.oauth2.credentials.Credentials:
    """OAuth credentials that refresh their access token from ``refresh_token`` when needed."""
    return google.oauth2.credentials.Credentials(
        token=None,
        refresh_token=refresh_token,
        token_uri=config.token_uri,
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=[GMAIL_READONLY_SCOPE],
    )


class GmailClient:
    """A Gmail mailbox reached with one user's credentials."""

    def __init__(
        self,
        config: GmailConfig,
        refresh_token: str,
        *,
        quota: QuotaGate | None = None,
        credentials: google.oauth2.credentials.Credentials | None = None,
        connection: httplib2.Http | None = None,
    ) -> None:
        """With ``connection``, requests go over that (kept-alive) HTTP connection, which the
        caller owns and must use from one thread at a time; otherwise the client opens its own."""
        self._config = config
        self._credentials = credentials or user_credentials(config, refresh_token)
        self._owns_connection = connection is None
        self._http = google_auth_httplib2.AuthorizedHttp(
            self._credentials, http=connection or build_http()
        )
        api = _gmail_api(config.api_endpoint)
        self._users, self._messages, self._history = api.users, api.messages, api.history
        self._batch_uri = f"{config.api_endpoint.rstrip('/')}/batch/gmail/v1"
        self._quota = quota
        self.rate_limited = 0  # 429s and rate-limit 403s seen (each was retried)
        self._retrying = retry(
            retry=retry_if_exception(is_retryable),
            wait=_RetryAfterWait(config.max_backoff_seconds),
            stop=stop_after_attempt(config.max_attempts),
            reraise=True,
        )

    def _execute(self, method: str, request: Any) -> dict[str, Any]:
        def attempt() -> dict[str, Any]:
            self._spend(QUOTA_COST[method])
            try:
                return _translate_auth_errors(self._bind(request).execute)
            except HttpError as exc:
                self._count_rate_limit(exc)
                raise

        return self._retrying(attempt)()

    def _bind(self, request: HttpRequest) -> HttpRequest:
        """Send ``request`` (made from the shared API methods) with this user's credentials."""
        request.http = self._http
        return request

    def _spend(self, units: int) -> None:
        if self._quota is not None and units:
            self._quota.spend(units)

    def _count_rate_limit(self, exc: HttpError) -> None:
        if is_retryable(exc) and _status(exc) in (403, 429):
            self.rate_limited += 1

    def profile(self) -> dict[str, Any]:
        """users.getProfile: the address and current history id."""
        return self._execute("getProfile", self._users.getProfile(userId="me"))

    def history_since(self, cursor: int) -> HistoryDelta:
        """Every message added since ``cursor``, page by page; `HistoryExpired` if it is stale."""
        delta = HistoryDelta(latest_history_id=cursor)
        page_token: str | None = None
        while True:
            request = self._history.list(
                userId="me",
                startHistoryId=str(cursor),
                historyTypes="messageAdded",
                pageToken=page_token,
                maxResults=500,
            )
            try:
                page = self._execute("history.list", request)
            except HttpError as exc:
                if _status(exc) == 404:
                    raise HistoryExpired(f"history id {cursor} is no longer retained") from exc
                raise
            for record in page.get("history", []):
                record_id = int(record["id"])
                for added in record.get("messagesAdded", []):
                    message = added["message"]
                    delta.messages.append(
                        MessageRef(
                            id=message["id"],
                            thread_id=message.get("threadId", message["id"]),
                            label_ids=tuple(message.get("labelIds", ())),
                            history_id=record_id,
                        )
                    )
            delta.latest_history_id = max(delta.latest_history_id, int(page.get("historyId", 0)))
            page_token = page.get("nextPageToken")
            if not page_token:
                return delta

    def list_messages(self, query: str) -> Iterator[MessageRef]:
        """messages.list with a ``q`` query, every page."""
        page_token: str | None = None
        while True:
            request = self._messages.list(
                userId="me", q=query, pageToken=page_token, maxResults=500
            )
            page = self._execute("messages.list", request)
            for message in page.get("messages", []):
                yield MessageRef(id=message["id"], thread_id=message.get("threadId", message["id"]))
            page_token = page.get("nextPageToken")
            if not page_token:
                return

    def get_message(self, message_id: str, *, message_format: str = "metadata") -> dict[str, Any]:
        """messages.get in one format; `MessageGone` when it was deleted."""
        request = self._messages.get(
            userId="me",
            id=message_id,
            format=message_format,
            metadataHeaders=list(METADATA_HEADERS) if message_format == "metadata" else None,
        )
        try:
            return self._execute("messages.get", request)
        except HttpError as exc:
            if _status(exc) == 404:
                raise MessageGone(f"message {message_id} no longer exists") from exc
            raise

    def get_metadata_batch(self, message_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """messages.get(format=metadata) for many ids, ≤ 50 per batch; deleted ones are left out."""
        ids = list(dict.fromkeys(message_ids))
        if len(ids) == 1:  # a push usually brings one message: skip the multipart round trip
            try:
                return {ids[0]: self.get_message(ids[0])}
            except MessageGone:
                log.info("message %s was deleted before it could be fetched", ids[0])
                return {}
        found: dict[str, dict[str, Any]] = {}
        size = max(1, min(self._config.batch_size, BATCH_LIMIT))
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            found.update(self._retrying(lambda chunk=chunk: self._batch_attempt(chunk, found))())
        return found

    def _batch_attempt(
        self, chunk: list[str], already: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        """One batch request for the ids not fetched yet; raises the first retryable error."""
        results: dict[str, dict[str, Any]] = {}
        retryable: list[HttpError] = []
        todo = [message_id for message_id in chunk if message_id not in already]

        def on_response(request_id: str, response: Any, exception: Exception | None) -> None:
            if exception is None:
                results[request_id] = response
            elif isinstance(exception, HttpError) and _status(exception) == 404:
                log.info("message %s was deleted before it could be fetched", request_id)
            elif is_retryable(exception):
                self._count_rate_limit(exception)  # type: ignore[arg-type]
                retryable.append(exception)  # type: ignore[arg-type]
            else:
                raise exception

        batch = BatchHttpRequest(callback=on_response, batch_uri=self._batch_uri)
        for message_id in todo:
            request = self._messages.get(
                userId="me",
                id=message_id,
                format="metadata",
                metadataHeaders=list(METADATA_HEADERS),
            )
            batch.add(self._bind(request), request_id=message_id)
        self._spend(QUOTA_COST["messages.get"] * len(todo))
        _translate_auth_errors(lambda: batch.execute(http=self._http))
        already.update(results)
        if retryable:
            raise retryable[0]
        return results

    def watch(self, topic_name: str, *, label_ids: tuple[str, ...] = ("INBOX",)) -> dict[str, Any]:
        """users.watch: Gmail publishes to ``topic_name``; returns historyId and expiration."""
        body = {
            "topicName": topic_name,
            "labelIds": list(label_ids),
            "labelFilterBehavior": "include",
        }
        return self._execute("watch", self._users.watch(userId="me", body=body))

    def stop(self) -> None:
        """users.stop: no more push notifications for this mailbox."""
        self._execute("stop", self._users.stop(userId="me"))

    def close(self) -> None:
        """Close the HTTP connection, unless the caller owns it."""
        if self._owns_connection:
            self._http.close()


@dataclass(frozen=True)
class _GmailApi:
    users: Any
    messages: Any
    history: Any


@functools.lru_cache(maxsize=4)
def _gmail_api(api_endpoint: str) -> _GmailApi:
    """Gmail's API methods, built once per endpoint and shared by every client: building them
    from the discovery document costs about 5 ms, as much as a push sync's own work. They only
    make requests; each client sends them over its own authorized connection (`_bind`)."""
    service = build(
        "gmail",
        "v1",
        http=build_http(),
        client_options={"api_endpoint": api_endpoint},
        static_discovery=True,
        cache_discovery=False,
    )
    users = service.users()
    return _GmailApi(users=users, messages=users.messages(), history=users.history())


def gmail_config(settings: Settings) -> GmailConfig:
    """Where Gmail and the token endpoint are, and the OAuth client, from settings."""
    return GmailConfig(
        api_endpoint=settings.gmail_api_endpoint,
        token_uri=settings.oauth_token_uri,
        client_id=settings.oauth_client_id,
        client_secret=settings.oauth_client_secret,
        batch_size=settings.gmail_batch_size,
        max_attempts=settings.gmail_max_attempts,
    )


def header(message: dict[str, Any], name: str) -> str | None:
    """The first header called ``name`` (case-insensitive) in a messages.get answer."""
    wanted = name.lower()
    for item in message.get("payload", {}).get("headers", []):
        if item.get("name", "").lower() == wanted:
            return str(item.get("value", ""))
    return None


def counts_for_sync(label_ids: Iterable[str]) -> bool:
    """Only inbox mail is classified: sent mail, drafts, spam, trash and chats never are."""
    labels = set(label_ids)
    return "INBOX" in labels and not labels & SKIPPED_LABELS
