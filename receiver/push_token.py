"""Reading a push token's header and claims without its signature, to refuse it before any fetch.

Checking a signature needs Google's certificates, fetched over the network. Whether the token is a
JWT at all, signed the way Google signs, for our audience, by our push service account and not
expired can all be seen without them. A token that fails here can never succeed, so it is refused
with 401/403 even while the certificates are out of reach; only a token that passes is worth the
fetch. Nothing read here is trusted: the claims are checked again once the signature verified.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from receiver.bounded_json import BoundedJsonError, loads_bounded

# Google's push tokens are about 1 KB; anything far larger is not one.
MAX_TOKEN_CHARS = 8192
SIGNING_ALGORITHM = "RS256"  # how Google signs its OIDC tokens
MAX_JSON_DEPTH = 8
MAX_INT_DIGITS = 20

NOT_A_JWT = "it is not a well-formed JWT"
UNSIGNED = "it is unsigned or uses an unsupported algorithm"
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")


class MalformedToken(ValueError):
    """The bearer token is not a JWT signed the way Google signs; ``reason`` says how."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class UnverifiedToken:
    """A JWT's header and claims, decoded but not yet verified."""

    header: Mapping[str, Any]
    claims: Mapping[str, Any]


def read_unverified_token(token: str) -> UnverifiedToken:
    """Decode ``token``'s header and claims, or raise `MalformedToken` (no network, no key)."""
    if len(token) > MAX_TOKEN_CHARS:
        raise MalformedToken(NOT_A_JWT)
    segments = token.split(".")
    if len(segments) != 3 or not all(_SEGMENT.fullmatch(segment) for segment in segments):
        raise MalformedToken(NOT_A_JWT)
    header = _json_segment(segments[0])
    claims = _json_segment(segments[1])
    if header.get("alg") != SIGNING_ALGORITHM or not segments[2]:
        raise MalformedToken(UNSIGNED)
    if not isinstance(header.get("kid", ""), str):
        raise MalformedToken(NOT_A_JWT)
    return UnverifiedToken(header=header, claims=claims)


def _json_segment(segment: str) -> Mapping[str, Any]:
    """One base64url segment holding a JSON object."""
    if not segment:
        raise MalformedToken(NOT_A_JWT)
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        value = loads_bounded(raw, max_depth=MAX_JSON_DEPTH, max_int_digits=MAX_INT_DIGITS)
    except (binascii.Error, BoundedJsonError, ValueError):
        raise MalformedToken(NOT_A_JWT) from None
    if not isinstance(value, dict):
        raise MalformedToken(NOT_A_JWT)
    return value
