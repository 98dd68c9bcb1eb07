"""Errors the stand-in answers with, in the shapes Google's servers use."""

from __future__ import annotations

from collections.abc import Mapping


class SandboxInputError(ValueError):
    """Bad input to the sandbox's own admin API or Python helpers; the message says what to fix."""


class UnknownMailbox(LookupError):
    """No mailbox with that address exists in the sandbox."""

    def __init__(self, email: str) -> None:
        super().__init__(f"No sandbox mailbox {email!r}: create it with POST /sandbox/users first.")
        self.email = email


class GmailApiError(Exception):
    """An error answered with Gmail's JSON body: {"error": {code, message, status, errors}}."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        reason: str,
        status: str,
        domain: str = "global",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.status = status
        self.domain = domain
        self.headers = dict(headers or {})

    def body(self) -> dict:
        """Return Gmail's error JSON for this error."""
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "errors": [{"message": self.message, "domain": self.domain, "reason": self.reason}],
                "status": self.status,
            }
        }


def not_found() -> GmailApiError:
    """Gmail's 404 for an unknown message, or a history id outside the retained window."""
    return GmailApiError(
        404, "Requested entity was not found.", reason="notFound", status="NOT_FOUND"
    )


def invalid_argument(message: str) -> GmailApiError:
    """Gmail's 400 for a malformed parameter."""
    return GmailApiError(400, message, reason="invalidArgument", status="INVALID_ARGUMENT")


def unauthenticated() -> GmailApiError:
    """Gmail's 401 for a missing, unknown, expired or revoked access token."""
    return GmailApiError(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
        "cookie or other valid authentication credential.",
        reason="authError",
        status="UNAUTHENTICATED",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
    )


def insufficient_scope() -> GmailApiError:
    """Gmail's 403 when the token lacks a Gmail scope that allows the call."""
    return GmailApiError(
        403,
        "Request had insufficient authentication scopes.",
        reason="insufficientPermissions",
        status="PERMISSION_DENIED",
    )


def delegation_denied(email: str) -> GmailApiError:
    """Gmail's 403 when userId names someone other than the token's owner."""
    return GmailApiError(
        403, f"Delegation denied for {email}", reason="forbidden", status="PERMISSION_DENIED"
    )


def rate_limited(retry_after_seconds: int) -> GmailApiError:
    """Gmail's 429 for a mailbox over its per-user quota."""
    return GmailApiError(
        429,
        "User-rate limit exceeded.  Retry after a short wait.",
        reason="rateLimitExceeded",
        status="RESOURCE_EXHAUSTED",
        domain="usageLimits",
        headers={"Retry-After": str(retry_after_seconds)},
    )


_STATUS_NAMES = {
    400: ("INVALID_ARGUMENT", "badRequest"),
    401: ("UNAUTHENTICATED", "authError"),
    403: ("PERMISSION_DENIED", "forbidden"),
    404: ("NOT_FOUND", "notFound"),
    409: ("ABORTED", "conflict"),
    429: ("RESOURCE_EXHAUSTED", "rateLimitExceeded"),
    500: ("INTERNAL", "backendError"),
    502: ("UNAVAILABLE", "backendError"),
    503: ("UNAVAILABLE", "backendError"),
    504: ("DEADLINE_EXCEEDED", "backendError"),
}


def injected(code: int) -> GmailApiError:
    """An error with the given HTTP status, as a fault injected through the admin API."""
    status, reason = _STATUS_NAMES.get(code, ("UNKNOWN", "backendError"))
    return GmailApiError(code, f"Injected sandbox fault ({code}).", reason=reason, status=status)
