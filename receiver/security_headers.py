"""Security headers on every answer of the web process: pages, JSON, the webhook, static files.

A small `after_request` hook rather than flask-talisman: the web process needs a handful of fixed
headers and one condition (HSTS off loopback), which fit in a screen of code we can read, while
talisman would add a dependency whose HTTPS redirect, cookie flags and per-view options overlap
what `session_cookies` and the platform's TLS termination already do.

The Content-Security-Policy allows scripts and styles from this site's own files only — no inline
``<script>``, ``style=`` or ``on…=`` attribute runs — so an injected tag does nothing. Forms may
post to this site, and also lead to Google's consent page: browsers apply ``form-action`` to the
redirect that follows the Connect Gmail form, so the OAuth authorization origin is allowed too.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response

from receiver.current_user import is_loopback_request

HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600


def content_security_policy(*, form_origins: tuple[str, ...] = ()) -> str:
    """The policy: only our own files, no framing, forms to us and to ``form_origins``."""
    directives = {
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": "'self'",
        "font-src": "'self'",
        "form-action": " ".join(("'self'", *form_origins)),
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def init_app(app: Flask, *, oauth_authorize_url: str) -> None:
    """Add the security headers to every response ``app`` gives."""
    headers = {
        "Content-Security-Policy": content_security_policy(
            form_origins=_origins(oauth_authorize_url)
        ),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        # Same-origin requests keep their Referer, which Flask-WTF's CSRF check needs on HTTPS.
        "Referrer-Policy": "same-origin",
    }

    lowered = tuple((name.lower(), name, value) for name, value in headers.items())

    def add_security_headers(response: Response) -> Response:
        present = {name.lower() for name, _ in response.headers.items()}
        # One pass over the response's headers, not one per name; `extend` appends the missing ones
        # without searching for an existing header to replace.
        response.headers.extend(
            [(name, value) for lower, name, value in lowered if lower not in present]
        )
        if not is_loopback_request():  # browsers ignore HSTS over plain HTTP anyway
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains"
            )
        return response

    app.after_request(add_security_headers)


def _origins(url: str) -> tuple[str, ...]:
    parts = urlsplit(url)
    return (f"{parts.scheme}://{parts.netloc}",) if parts.scheme and parts.netloc else ()
