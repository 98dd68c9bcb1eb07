"""Gmail's batch endpoint: multipart/mixed of application/http requests in, the same shape out.

Each inner request runs through this same app, so it is authorized, charged and faulted exactly
like a direct call. Content-IDs are echoed as ``<response-ID>``, which is what
googleapiclient.http.BatchHttpRequest expects.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser
from http import HTTPStatus

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue
from werkzeug.test import Client

from sandbox.errors import invalid_argument

bp = Blueprint("batch", __name__)

MAX_CALLS_PER_BATCH = 100
_BLANK_LINE = re.compile(r"\r?\n\r?\n")


@dataclass(frozen=True)
class InnerRequest:
    """One application/http part of a batch."""

    content_id: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class InnerResponse:
    """The answer to one inner request."""

    content_id: str
    status: int
    headers: dict[str, str]
    body: bytes


@bp.post("/batch/gmail/v1")
@bp.post("/batch")
def batch() -> ResponseReturnValue:
    """Run every inner request and answer multipart/mixed in the same order."""
    content_type = request.headers.get("Content-Type", "")
    if not content_type.startswith("multipart/mixed") or "boundary=" not in content_type:
        raise invalid_argument("A batch request must be multipart/mixed with a boundary.")
    parts = parse_batch(content_type, request.get_data())
    if not parts:
        raise invalid_argument("The batch request holds no application/http parts.")
    if len(parts) > MAX_CALLS_PER_BATCH:
        raise invalid_argument(f"A batch may hold at most {MAX_CALLS_PER_BATCH} calls.")
    outer_authorization = request.headers.get("Authorization")
    responses = [run_inner(part, outer_authorization) for part in parts]
    boundary = "batch_" + secrets.token_hex(12)
    return Response(
        render_batch(responses, boundary), content_type=f"multipart/mixed; boundary={boundary}"
    )


def parse_batch(content_type: str, data: bytes) -> list[InnerRequest]:
    """Split a multipart/mixed batch body into its inner HTTP requests."""
    envelope = f"Content-Type: {content_type}\r\n\r\n".encode() + data
    message = BytesParser(policy=policy.compat32).parsebytes(envelope)
    if not message.is_multipart():
        raise invalid_argument("The batch body is not valid multipart/mixed.")
    requests = []
    for part in message.get_payload():
        if not isinstance(part, Message):
            raise invalid_argument("Every batch part must be application/http.")
        text = part.get_payload()
        if not isinstance(text, str):
            raise invalid_argument("Every batch part must be application/http.")
        requests.append(_parse_inner(part.get("Content-ID", ""), text))
    return requests


def _parse_inner(content_id: str, text: str) -> InnerRequest:
    pieces = _BLANK_LINE.split(text.lstrip("\r\n"), maxsplit=1)
    head, body = pieces[0], pieces[1] if len(pieces) > 1 else ""
    lines = head.splitlines()
    request_line = lines[0].split() if lines else []
    if len(request_line) < 2:
        raise invalid_argument(f"Batch part {content_id or '(no Content-ID)'} has no request line.")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip()] = value.strip()
    return InnerRequest(
        content_id, request_line[0].upper(), request_line[1], headers, body.encode("utf-8")
    )


def run_inner(inner: InnerRequest, outer_authorization: str | None) -> InnerResponse:
    """Dispatch one inner request through this app; it inherits the batch's Authorization."""
    headers = {
        k: v for k, v in inner.headers.items() if k.lower() not in ("host", "content-length")
    }
    if outer_authorization and not any(k.lower() == "authorization" for k in headers):
        headers["Authorization"] = outer_authorization
    client = Client(current_app._get_current_object())  # type: ignore[attr-defined]
    response = client.open(inner.path, method=inner.method, headers=headers, data=inner.body)
    kept = {
        name: value
        for name, value in response.headers.items()
        if name.lower() in ("content-type", "retry-after", "www-authenticate")
    }
    return InnerResponse(inner.content_id, response.status_code, kept, response.get_data())


def render_batch(responses: list[InnerResponse], boundary: str) -> bytes:
    """Serialise inner responses as Google's multipart/mixed batch answer."""
    chunks = []
    for response in responses:
        reason = _reason_phrase(response.status)
        head = [
            f"--{boundary}",
            "Content-Type: application/http",
            f"Content-ID: {_response_id(response.content_id)}",
            "",
            f"HTTP/1.1 {response.status} {reason}",
            *(f"{name}: {value}" for name, value in response.headers.items()),
            "",
            "",
        ]
        chunks.append("\r\n".join(head).encode() + response.body + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks)


def _response_id(content_id: str) -> str:
    inner = content_id.strip()
    if inner.startswith("<") and inner.endswith(">"):
        inner = inner[1:-1]
    return f"<response-{inner}>"


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
