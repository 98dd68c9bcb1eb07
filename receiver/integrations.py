"""Settings → Integrations: Connect Gmail (OAuth 2.0 + PKCE), Sync Now, Disconnect, Reconnect,
and the deeper historical scan (Premium: "Scan 90 days")."""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from werkzeug.wrappers import Response

from gmail import OAuthFailure, oauth
from messaging import MailboxChanged
from receiver.api_input import BadInput, whole_number
from receiver.config import ReceiverConfig
from receiver.context import ReceiverContext, receiver_context
from receiver.current_user import signed_in_user_id
from receiver.live_marker import take_live_marker
from receiver.serialize import iso_utc
from receiver.tiers import tier_description
from storage import ChangeConflict, MailboxConflict, MailboxState, MailboxView, Plan, Tier
from storage.sync_runs import DeepScanState, DeepScanView

log = logging.getLogger(__name__)

bp = Blueprint("integrations", __name__)

PENDING_OAUTH_KEY = "gmail_oauth"
DEEP_SCAN_DAYS = 90  # the most a Premium account may ask for, and what the button asks for
DEEP_SCAN_MIN_DAYS = 31  # the first sync reads the last 30 days already
DEEP_SCAN_FEATURE = "The deeper historical scan"
STATE_LABELS = {
    MailboxState.ACTIVE: "Active",
    MailboxState.RECONNECT_NEEDED: "Reconnect needed",
    MailboxState.DISCONNECTED: "Disconnected",
}


@bp.get("/settings/integrations")
@login_required
def integrations_page() -> ResponseReturnValue:
    """Settings → Integrations: the Gmail connection, its recent syncs and its controls."""
    take_live_marker()
    user_id = signed_in_user_id()
    context = receiver_context()
    integration = context.store.integration(user_id)
    polling = context.config.polling
    deep_scan = None if integration is None else context.store.deep_scan(integration.mailbox_id)
    tier = integration.tier if integration is not None else Tier(context.config.default_tier)
    covered_days = first_sync_days(context.config, tier)
    return render_template(
        "integrations.html",
        integration=integration,
        state_labels=STATE_LABELS,
        tiers=[(tier, tier_description(polling, tier)) for tier in (Tier.PREMIUM, Tier.FREE)],
        default_tier=Tier(context.config.default_tier),
        tier_description=lambda tier: tier_description(polling, tier),
        iso_utc=iso_utc,
        premium=context.store.plan_of(user_id) is Plan.PREMIUM,
        deep_scan=deep_scan,
        deep_scan_days=DEEP_SCAN_DAYS,
        first_sync_days=covered_days,
        nothing_older=covered_days >= DEEP_SCAN_DAYS,
    )


@bp.post("/settings/integrations/gmail/connect")
@login_required
def start_gmail_connection() -> ResponseReturnValue:
    """Connect Gmail (or Reconnect): send the browser to Google's consent page."""
    user_id = signed_in_user_id()
    context = receiver_context()
    tier_value = request.form.get("tier", context.config.default_tier)
    if tier_value not in {tier.value for tier in Tier}:
        flash("Choose a sync mode (push or polling) before connecting Gmail.", "error")
        return redirect(url_for(".integrations_page"))
    mailbox = context.store.mailbox_for_user(user_id)
    pkce = oauth.new_pkce_pair()
    state = oauth.new_state()
    session[PENDING_OAUTH_KEY] = {"state": state, "verifier": pkce.verifier, "tier": tier_value}
    url = oauth.authorization_url(
        context.config.gmail.oauth,
        redirect_uri=_callback_url(),
        state=state,
        code_challenge=pkce.challenge,
        login_hint=mailbox.gmail_address if mailbox is not None else "",
    )
    return redirect(url)


@bp.get("/oauth/gmail/callback")
@login_required
def finish_gmail_connection() -> ResponseReturnValue:
    """Google's redirect back: check state, exchange the code, check the scope, connect."""
    user_id = signed_in_user_id()
    pending = session.pop(PENDING_OAUTH_KEY, None)
    returned_state = request.args.get("state", "")
    if not isinstance(pending, dict) or not secrets.compare_digest(
        str(pending.get("state", "")), returned_state
    ):
        return _failed(
            "Gmail was not connected: the reply from Google did not match the request this "
            "browser started (for example after using Back or a second tab). "
            "Start again with Connect Gmail."
        )
    error = request.args.get("error")
    if error == "access_denied":
        return _failed(
            "Gmail was not connected because access was declined. ApplyTrack only reads the "
            "sender, subject and date of job emails; choose Connect Gmail and Allow to try again."
        )
    code = request.args.get("code")
    if error or not code:
        return _failed(
            f"Google reported a problem ({error or 'no authorization code'}), so Gmail was not "
            "connected. Start again with Connect Gmail."
        )
    try:
        return _connect(receiver_context(), user_id, code, pending)
    except OAuthFailure as failure:
        return _failed(str(failure))


def _connect(
    context: ReceiverContext, user_id: int, code: str, pending: dict[str, str]
) -> ResponseReturnValue:
    client = context.config.gmail.oauth
    grant = oauth.exchange_code(
        client, code=code, redirect_uri=_callback_url(), code_verifier=pending["verifier"]
    )
    try:
        oauth.require_gmail_readonly(grant)
        address = _gmail_address(context, grant.refresh_token)
        previous = context.store.mailbox_for_user(user_id)
        mailbox_id = context.store.connect_mailbox(
            user_id, address, tier=Tier(pending["tier"]), refresh_token=grant.refresh_token
        )
    except (OAuthFailure, MailboxConflict) as failure:
        oauth.revoke_token(client, grant.refresh_token)  # leave no unused grant behind
        return _failed(str(failure))
    resuming = previous is not None and previous.history_cursor is not None
    reason = "sync_now" if resuming else "initial"
    log.info("gmail connected", extra={"user_id": user_id, "mailbox_id": mailbox_id})
    if _publish(context, MailboxChanged(mailbox_id, None, reason)):
        flash(_connected_message(previous), "success")
    return redirect(url_for(".integrations_page"))


def _connected_message(previous: MailboxView | None) -> str:
    if previous is not None and previous.state is not MailboxState.ACTIVE:
        return "Gmail connected. Syncing resumes from where it stopped; your history is kept."
    return "Gmail connected. Your job emails are being read now; applications appear shortly."


def _gmail_address(context: ReceiverContext, refresh_token: str) -> str:
    client = context.gmail_factory(refresh_token)
    try:
        address = client.profile().get("emailAddress")
    except Exception as error:
        log.warning("users.getProfile failed: %s", type(error).__name__)
        raise OAuthFailure(
            "Gmail did not tell ApplyTrack which address was connected; try Connect Gmail again."
        ) from None
    finally:
        client.close()
    if not isinstance(address, str) or "@" not in address:
        raise OAuthFailure(
            "Gmail did not tell ApplyTrack which address was connected; try Connect Gmail again."
        )
    return address


@bp.post("/settings/integrations/gmail/sync")
@login_required
def sync_now() -> ResponseReturnValue:
    """Sync Now: queue a sync of the user's mailbox."""
    user_id = signed_in_user_id()
    context = receiver_context()
    mailbox = context.store.mailbox_for_user(user_id)
    if mailbox is None or mailbox.state is not MailboxState.ACTIVE:
        flash("Gmail is not connected, so there is nothing to sync; connect it first.", "error")
    elif _publish(context, MailboxChanged(mailbox.id, None, "sync_now")):
        flash("Sync started. New job emails appear here within a few seconds.", "success")
    return redirect(url_for(".integrations_page"))


@bp.post("/settings/integrations/gmail/deep-scan")
@login_required
def deep_scan() -> ResponseReturnValue:
    """Scan 90 days (Premium): queue the deeper historical scan of the user's mailbox."""
    user_id = signed_in_user_id()
    context = receiver_context()
    if context.store.plan_of(user_id) is not Plan.PREMIUM:
        flash(f"{DEEP_SCAN_FEATURE} is a Premium feature; the operator sets your plan.", "error")
        return integrations_page(), 403
    try:
        days = deep_scan_days(request.form.get("days", DEEP_SCAN_DAYS))
        request_deep_scan(context, user_id, days)
    except (BadInput, ChangeConflict) as refusal:
        flash(str(refusal), "error")
    else:
        flash(
            f"Scan of the last {days} days started: older job emails appear as they are read; "
            "its progress is shown below.",
            "success",
        )
    return redirect(url_for(".integrations_page"))


def first_sync_days(config: ReceiverConfig, tier: Tier) -> int:
    """How many days back the first sync of a mailbox on ``tier`` read. No column records it:
    it is the worker's setting for the tier, which is also what a deeper scan starts from."""
    return config.first_sync_days_premium if tier is Tier.PREMIUM else config.first_sync_days_free


def deep_scan_days(value: object) -> int:
    """The days a deeper scan is asked for: a whole number from 31 to 90 (`BadInput`)."""
    return whole_number("days", value, low=DEEP_SCAN_MIN_DAYS, high=DEEP_SCAN_DAYS)


def request_deep_scan(context: ReceiverContext, user_id: int, days: int) -> DeepScanView:
    """Record the scan on the user's mailbox and ask a worker for it. `ChangeConflict` when no
    mailbox is connected, its first sync already read ``days``, or a scan is running. The
    database holds the request: when the queue does not take the message, the scheduler's sweep
    starts the scan within a minute or so."""
    mailbox = context.store.mailbox_for_user(user_id)
    if mailbox is None:
        raise ChangeConflict("mailbox", "Gmail is not connected, so there is nothing to scan.")
    covered = first_sync_days(context.config, mailbox.tier)
    if covered >= days:
        raise ChangeConflict(
            "days",
            f"Your first sync already covered the last {covered} days; nothing older to scan.",
        )
    scan = context.store.request_deep_scan(mailbox.id, days=days)
    if context.publisher is None:
        log.warning("deep scan left to the sweep: no queue", extra={"mailbox_id": mailbox.id})
        return scan
    try:
        context.publisher.publish(MailboxChanged(mailbox.id, None, "deep_scan"))
    except Exception:
        log.exception("deep scan left to the sweep", extra={"mailbox_id": mailbox.id})
    return scan


def deep_scan_json(scan: DeepScanView) -> dict[str, object]:
    """A deeper scan's state as the API shows it (``messages_total`` is null until listed)."""
    return {
        "state": scan.state.value,
        "days": scan.days,
        "messages_read": scan.processed,
        "messages_total": scan.total,
        "requested_at": iso_utc(scan.requested_at),
        "started_at": iso_utc(scan.started_at),
        "finished_at": iso_utc(scan.finished_at),
    }


def idle_deep_scan() -> DeepScanView:
    """What is shown when no mailbox is connected: no scan was asked for."""
    return DeepScanView(0, DeepScanState.IDLE)


@bp.post("/settings/integrations/gmail/disconnect")
@login_required
def disconnect() -> ResponseReturnValue:
    """Disconnect: stop the watch, revoke and delete the token; applications stay."""
    user_id = signed_in_user_id()
    context = receiver_context()
    mailbox = context.store.mailbox_for_user(user_id)
    if mailbox is None or mailbox.state is MailboxState.DISCONNECTED:
        flash("Gmail is already disconnected.", "info")
        return redirect(url_for(".integrations_page"))
    token = context.store.refresh_token(mailbox.id)
    if token is not None:
        _stop_watch(context, token)
        if not oauth.revoke_token(context.config.gmail.oauth, token):
            log.warning("token not revoked at Google", extra={"mailbox_id": mailbox.id})
    context.store.disconnect_mailbox(mailbox.id)
    log.info("gmail disconnected", extra={"mailbox_id": mailbox.id})
    flash(
        "Gmail disconnected and ApplyTrack's access revoked. Your applications and their "
        "history are kept; Reconnect whenever you like.",
        "success",
    )
    return redirect(url_for(".integrations_page"))


def _stop_watch(context: ReceiverContext, token: str) -> None:
    try:
        client = context.gmail_factory(token)
    except Exception:
        log.warning("users.stop skipped: no Gmail client could be built")
        return
    try:
        client.stop()
    except Exception as error:
        # A revoked or expired token cannot stop the watch; revoking it silences Gmail anyway.
        log.warning("users.stop failed: %s", type(error).__name__)
    finally:
        client.close()


def _publish(context: ReceiverContext, message: MailboxChanged) -> bool:
    if context.publisher is None:
        flash("Syncing is unavailable right now (no queue is set up); try again later.", "error")
        return False
    try:
        context.publisher.publish(message)
    except Exception:
        log.exception("mailbox-changed not published", extra={"mailbox_id": message.mailbox_id})
        flash("The sync could not be queued; try Sync Now again in a minute.", "error")
        return False
    return True


def _failed(message: str) -> Response:
    flash(message, "error")
    return redirect(url_for(".integrations_page"))


def _callback_url() -> str:
    return url_for("integrations.finish_gmail_connection", _external=True)
