"""`POST /pubsub/gmail`: Pub/Sub's push of a Gmail notification, turned into `mailbox-changed`.

Pub/Sub treats any 2xx as an acknowledgement. So the webhook answers 204 only once the internal
queue accepted the message (or the notification is for a mailbox we do not sync), 4xx to a push
that can never succeed (401/403 for credentials, 400 for a body; Pub/Sub dead-letters it), and
503 only to what a retry can fix (certificates, database or queue out of reach).

Everything that can be decided on this machine — the credentials' shape and claims, then the
body — is decided before anything that needs the network, so a push that can never succeed is
refused even while Google's certificates are unreachable.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from messaging import MailboxChanged, Publisher
from receiver.context import ReceiverContext, receiver_context
from receiver.errors import json_error
from receiver.push_auth import PushAuthError, PushAuthUnavailable, PushCaller
from receiver.push_body import GmailNotification, MalformedPush, parse_push_body

log = logging.getLogger(__name__)

# Every path the webhook serves starts with this; `create_app` sends such requests to the webhook's
# own small app, so the pages' per-request hooks never run for a push.
URL_PREFIX = "/pubsub/"

bp = Blueprint("webhook", __name__)

ResponseOrError = Response | tuple[Response, int]


@bp.post("/pubsub/gmail")
def receive_gmail_push() -> ResponseOrError:
    """Authenticate a push, parse it, and publish `mailbox-changed` for a known mailbox."""
    context = receiver_context()
    context.metrics.count("received")
    try:
        credentials = context.authenticator.inspect(
            request.headers.get("Authorization"), _query_token()
        )
    except PushAuthError as error:
        return _rejected(context, error)
    try:
        notification = parse_push_body(request.get_data(cache=False))
    except MalformedPush as error:
        return _malformed(context, str(error))
    except RequestEntityTooLarge:
        return _malformed(context, "The push body is larger than a Gmail notification can be.")
    try:
        caller = context.authenticator.verify(credentials)
    except PushAuthError as error:
        return _rejected(context, error)
    except PushAuthUnavailable as error:
        context.metrics.count("unavailable")
        log.error("push not verified: %s", error)
        return json_error(503, str(error))
    return _accept(context, caller, notification)


def _query_token() -> str | None:
    """The emulator's ``?token=``; Google's pushes carry no query string, so skip parsing one."""
    return request.args.get("token") if request.query_string else None


def _rejected(context: ReceiverContext, error: PushAuthError) -> ResponseOrError:
    context.metrics.count("rejected")
    log.warning("push rejected: %s", error.message)
    return json_error(error.status, error.message)


def _malformed(context: ReceiverContext, reason: str) -> ResponseOrError:
    context.metrics.count("malformed")
    log.warning("push malformed: %s", reason)
    return json_error(400, reason)


def _accept(
    context: ReceiverContext, caller: PushCaller, notification: GmailNotification
) -> ResponseOrError:
    context.metrics.count("verified")
    if context.publisher is None:
        context.metrics.count("unavailable")
        log.error("push refused: the receiver was built without a queue publisher")
        return json_error(
            503,
            "The webhook has no queue publisher configured, so it cannot accept pushes; "
            "build the app with a publisher (see applytrack.wsgi).",
        )
    # A push that goes through is counted (`applytrack_push_published_total`) and logged at DEBUG
    # only: at INFO a busy webhook spent a fifth of its time writing success lines. Drops and
    # failures stay at INFO and above.
    log.debug("push verified (%s) message_id=%s", caller.method, notification.message_id)
    return _publish(context, context.publisher, notification)


def _publish(
    context: ReceiverContext, publisher: Publisher, notification: GmailNotification
) -> ResponseOrError:
    try:
        mailbox = context.mailboxes.connected_mailbox(notification.email_address)
    except Exception:
        context.metrics.count("unavailable")
        log.exception("push not processed: mailbox lookup failed")
        return json_error(503, "The mailbox could not be looked up; Pub/Sub will deliver it again.")
    if mailbox is None:
        context.metrics.count("unknown_mailbox")
        log.info("push dropped: no connected mailbox for message_id=%s", notification.message_id)
        return Response(status=204)
    message = MailboxChanged(mailbox.id, notification.history_id, "push")
    try:
        publisher.publish(message)
    except Exception:
        context.metrics.count("publish_failed")
        log.exception("push not published", extra={"mailbox_id": mailbox.id})
        return json_error(503, "The internal queue did not accept the change; Pub/Sub will retry.")
    context.metrics.count("published")
    log.debug("push published", extra={"mailbox_id": mailbox.id})
    context.mailboxes.note_push(mailbox.id)
    return Response(status=204)
