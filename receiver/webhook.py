"""`POST /pubsub/gmail`: Pub/Sub's push of a Gmail notification, turned into `mailbox-changed`.

Pub/Sub treats any 2xx as an acknowledgement. So the webhook answers 204 only once the internal
queue accepted the message (or the notification is for a mailbox we do not sync), 400 to a body
that can never succeed (Pub/Sub dead-letters it), and 503 to anything worth retrying.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from messaging import MailboxChanged, Publisher
from receiver.context import ReceiverContext, receiver_context
from receiver.errors import json_error
from receiver.push_auth import PushAuthError, PushAuthUnavailable
from receiver.push_body import GmailNotification, MalformedPush, parse_push_body

log = logging.getLogger(__name__)

bp = Blueprint("webhook", __name__)


@bp.post("/pubsub/gmail")
def receive_gmail_push() -> Response | tuple[Response, int]:
    """Authenticate a push, parse it, and publish `mailbox-changed` for a known mailbox."""
    context = receiver_context()
    context.metrics.count("received")
    try:
        caller = context.authenticator.authenticate(
            request.headers.get("Authorization"), request.args.get("token")
        )
    except PushAuthError as error:
        context.metrics.count("rejected")
        log.warning("push rejected: %s", error.message)
        return json_error(error.status, error.message)
    except PushAuthUnavailable as error:
        context.metrics.count("unavailable")
        log.error("push not verified: %s", error)
        return json_error(503, str(error))
    context.metrics.count("verified")
    if context.publisher is None:
        context.metrics.count("unavailable")
        log.error("push refused: the receiver was built without a queue publisher")
        return json_error(
            503,
            "The webhook has no queue publisher configured, so it cannot accept pushes; "
            "build the app with a publisher (see applytrack.wsgi).",
        )
    try:
        notification = parse_push_body(request.get_data(cache=False))
    except MalformedPush as error:
        context.metrics.count("malformed")
        log.warning("push malformed: %s", error)
        return json_error(400, str(error))
    except RequestEntityTooLarge:
        context.metrics.count("malformed")
        log.warning("push malformed: body too large")
        return json_error(400, "The push body is larger than a Gmail notification can be.")
    log.info("push verified (%s) message_id=%s", caller.method, notification.message_id)
    return _publish(context, context.publisher, notification)


def _publish(
    context: ReceiverContext, publisher: Publisher, notification: GmailNotification
) -> Response | tuple[Response, int]:
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
    log.info("push published", extra={"mailbox_id": mailbox.id})
    context.mailboxes.note_push(mailbox.id)
    return Response(status=204)
