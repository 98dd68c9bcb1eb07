"""A transport for google-auth that caches Google's signing certificates between requests."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from google.auth import transport
from google.auth.transport.requests import Request as RequestsRequest

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE_SECONDS = 300.0
FETCH_TIMEOUT_SECONDS = 10.0
_MAX_AGE = re.compile(r"max-age=(\d+)")
# What a certificates answer that is not a JSON object is turned into: google-auth then raises
# `TransportError` (retry later) rather than a parse error that would read as a bad token.
_BAD_GATEWAY = 502


@dataclass(frozen=True)
class _CachedResponse:
    """A response replayed from the cache: the three fields of `google.auth.transport.Response`."""

    status: int
    headers: dict[str, str]
    data: bytes


@dataclass
class _Entry:
    response: _CachedResponse
    fetched_at: float
    expires_at: float


class CachingCertsRequest(transport.Request):
    """A google-auth `Request` that keeps successful GET responses for their ``max-age``.

    `google.oauth2.id_token.verify_token` fetches the certificates on every call; behind this
    transport it costs one HTTP request per cache lifetime instead of one per push.
    """

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        default_max_age: float = DEFAULT_MAX_AGE_SECONDS,
    ) -> None:
        self._inner = RequestsRequest(session=session or requests.Session())
        self._clock = clock
        self._default_max_age = default_max_age
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: object,
    ) -> transport.Response | _CachedResponse:
        """Answer a GET from the cache when fresh; otherwise fetch it and remember success."""
        if method.upper() != "GET":
            return self._inner(
                url,
                method=method,
                body=body,
                headers=headers,
                timeout=timeout or FETCH_TIMEOUT_SECONDS,
                **kwargs,
            )
        with self._lock:
            entry = self._entries.get(url)
            if entry is not None and self._clock() < entry.expires_at:
                return entry.response
            response = self._inner(
                url,
                method="GET",
                headers=headers,
                timeout=timeout or FETCH_TIMEOUT_SECONDS,
                **kwargs,
            )
            if response.status != 200:
                return response
            if not _is_json_object(response.data):
                log.warning("the signing certificates answer is not a JSON object")
                return _CachedResponse(status=_BAD_GATEWAY, headers={}, data=b"")
            self._remember(url, response)
            return response

    def forget_if_older_than(self, url: str, seconds: float) -> bool:
        """Drop the cached ``url`` if it was fetched more than ``seconds`` ago; True if dropped."""
        with self._lock:
            entry = self._entries.get(url)
            if entry is None or self._clock() - entry.fetched_at < seconds:
                return False
            del self._entries[url]
            return True

    def _remember(self, url: str, response: transport.Response) -> None:
        now = self._clock()
        headers = dict(response.headers)
        cached = _CachedResponse(status=response.status, headers=headers, data=response.data)
        max_age = _max_age(headers, self._default_max_age)
        self._entries[url] = _Entry(cached, fetched_at=now, expires_at=now + max_age)
        log.info("fetched signing certificates (kept %.0f s)", max_age)


def _is_json_object(data: bytes) -> bool:
    try:
        return isinstance(json.loads(data), dict)
    except (ValueError, RecursionError):
        return False


def _max_age(headers: dict[str, str], default: float) -> float:
    cache_control = next((v for k, v in headers.items() if k.lower() == "cache-control"), "")
    if "no-store" in cache_control or "no-cache" in cache_control:
        return 0.0
    match = _MAX_AGE.search(cache_control)
    return float(match.group(1)) if match else default
