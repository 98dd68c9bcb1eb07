"""The one way ApplyTrack talks to Gmail: google-api-python-client with retries and batching.

Every call retries 429, rate-limit 403s and 5xx with exponential backoff and jitter (tenacity),
honouring Retry-After. A revoked or expired grant surfaces as `TokenRevoked`; a cursor older than
Gmail's retained history as `HistoryExpired`. Whoever wants to count calls passes a
`GmailObserver`; the client tells it about every attempt.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

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

from gmail.errors import HistoryExpired, MessageGone, TokenRevoked
from gmail.messages import METADATA_HEADERS
from gmail.oauth import OAuthClientConfig, user_credentials
from gmail.quota import QUOTA_COST, QuotaGate

log = logging.getLogger(__name__)

BATCH_LIMIT = 50
Answer = dict[str, Any]
_T = TypeVar("_T")


class GmailObserver(Protocol):
    """Told about every Gmail call a client attempts (metrics implement it)."""

    def gmail_called(self, method: str, count: int) -> None:
        """``count`` calls of ``method`` were attempted (a batch counts one per message)."""
        ...

    def gmail_rate_limited(self) -> None:
        """Gmail answered 429 or a rate-limit 403; the call will be retried."""
        ...


@dataclass(frozen=True)
class GmailConfig:
    """Where Gmail is, the OAuth client that reaches it, and how hard to retry."""

    api_endpoint: str
    oauth: OAuthClientConfig
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


def _is_rate_limit(exc: BaseException) -> bool:
    return is_retryable(exc) and _status(exc) in (403, 429)


class _RetryAfterWait:
    """Exponential backoff with jitter, but never shorter than a Retry-After the server sent."""

    def __init__(self, max_backoff: float) -> None:
        self._jitter = wait_random_exponential(multiplier=0.25, max=max_backoff)

    def __call__(self, state: RetryCallState) -> float:
        wait = float(self._jitter(state))
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, HttpError):
            retry_after = exc.resp.get("retry-after")
            if retry_after and retry_after.replace(".", "", 1).isdigit():
                wait = max(wait, float(retry_after))
        return wait


def _translate_auth_errors(call: Callable[[], _T]) -> _T:
    try:
        return call()
    except google.auth.exceptions.RefreshError as exc:
        raise TokenRevoked(f"Google refused the refresh token: {exc}") from exc


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
        observer: GmailObserver | None = None,
    ) -> None:
        """With ``connection``, requests go over that (kept-alive) HTTP connection, which the
        caller owns and must use from one thread at a time; otherwise the client opens its own."""
        self._config = config
        self._credentials = credentials or user_credentials(config.oauth, refresh_token)
        self._owns_connection = connection is None
        self._http = google_auth_httplib2.AuthorizedHttp(
            self._credentials, http=connection or build_http()
        )
        api = _gmail_api(config.api_endpoint)
        self._users, self._messages, self._history = api.users, api.messages, api.history
        self._batch_uri = f"{config.api_endpoint.rstrip('/')}/batch/gmail/v1"
        self._quota = quota
        self._observer = observer
        self.rate_limited = 0  # 429s and rate-limit 403s seen (each was retried)
        self._retrying = retry(
            retry=retry_if_exception(is_retryable),
            wait=_RetryAfterWait(config.max_backoff_seconds),
            stop=stop_after_attempt(config.max_attempts),
            reraise=True,
        )

    def _execute(self, method: str, request: HttpRequest) -> Answer:
        def attempt() -> Answer:
            self._spend(QUOTA_COST[method])
            self._note_calls(method, 1)
            try:
                answer: Answer = _translate_auth_errors(self._bind(request).execute)
            except HttpError as exc:
                self._note_error(exc)
                raise
            return answer

        result: Answer = self._retrying(attempt)()
        return result

    def _bind(self, request: HttpRequest) -> HttpRequest:
        """Send ``request`` (made from the shared API methods) with this user's credentials."""
        request.http = self._http
        return request

    def _spend(self, units: int) -> None:
        if self._quota is not None and units:
            self._quota.spend(units)

    def _note_calls(self, method: str, count: int) -> None:
        if self._observer is not None and count:
            self._observer.gmail_called(method, count)

    def _note_error(self, exc: BaseException) -> None:
        if _is_rate_limit(exc):
            self.rate_limited += 1
            if self._observer is not None:
                self._observer.gmail_rate_limited()

    def profile(self) -> Answer:
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
            delta.messages.extend(_added_messages(page))
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

    def get_message(self, message_id: str, *, message_format: str = "metadata") -> Answer:
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

    def get_metadata_batch(self, message_ids: Iterable[str]) -> dict[str, Answer]:
        """messages.get(format=metadata) for many ids, ≤ 50 per batch; deleted ones are left out."""
        ids = list(dict.fromkeys(message_ids))
        if len(ids) == 1:  # a push usually brings one message: skip the multipart round trip
            try:
                return {ids[0]: self.get_message(ids[0])}
            except MessageGone:
                log.info("message %s was deleted before it could be fetched", ids[0])
                return {}
        found: dict[str, Answer] = {}
        size = max(1, min(self._config.batch_size, BATCH_LIMIT))
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            self._retrying(functools.partial(self._batch_attempt, chunk, found))()
        return found

    def _batch_attempt(self, chunk: list[str], found: dict[str, Answer]) -> None:
        """One batch request for the ids not fetched yet, adding answers to ``found``; raises the
        first retryable error so that the retry asks again for what is missing."""
        retryable: list[HttpError] = []
        todo = [message_id for message_id in chunk if message_id not in found]

        def on_response(request_id: str, response: Any, exception: Exception | None) -> None:
            if exception is None:
                found[request_id] = response
            elif isinstance(exception, HttpError) and _status(exception) == 404:
                log.info("message %s was deleted before it could be fetched", request_id)
            elif isinstance(exception, HttpError) and is_retryable(exception):
                self._note_error(exception)
                retryable.append(exception)
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
        self._note_calls("messages.get", len(todo))
        _translate_auth_errors(lambda: batch.execute(http=self._http))
        if retryable:
            raise retryable[0]

    def watch(self, topic_name: str, *, label_ids: tuple[str, ...] = ("INBOX",)) -> Answer:
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


def _added_messages(page: Answer) -> Iterator[MessageRef]:
    for record in page.get("history", []):
        record_id = int(record["id"])
        for added in record.get("messagesAdded", []):
            message = added["message"]
            yield MessageRef(
                id=message["id"],
                thread_id=message.get("threadId", message["id"]),
                label_ids=tuple(message.get("labelIds", ())),
                history_id=record_id,
            )


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
