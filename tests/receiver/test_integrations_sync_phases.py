"""Settings → Integrations shows the two phases of a first sync (or a resync) as two runs."""

from __future__ import annotations

import pytest
from flask import Flask
from session_helpers import signed_in

from storage import Store, Tier

pytestmark = pytest.mark.unit


def test_both_phases_of_a_first_sync_are_shown(app: Flask, store: Store) -> None:
    user_id = store.create_user("sam@example.com")
    mailbox_id = store.connect_mailbox(
        user_id, "sam@gmail.com", tier=Tier.FREE, refresh_token="1//r"
    )
    first = store.start_sync_run(mailbox_id, "initial:job_mail_first")
    store.finish_sync_run(first, status="ok", messages_seen=12, events_written=5)
    rest = store.start_sync_run(mailbox_id, "initial:rest_of_window")
    store.update_sync_progress(rest, processed=100, total=2988)

    page = signed_in(app, user_id).get("/settings/integrations").get_data(as_text=True)

    assert page.count("Initial<br>") == 2
    assert "Job mail first" in page
    assert "Rest of window" in page
    assert "100 of 2988" in page, "the running phase shows its progress"
    assert "initial:" not in page.lower()


def test_a_sync_of_one_phase_shows_its_kind_alone(app: Flask, store: Store) -> None:
    user_id = store.create_user("sam@example.com")
    mailbox_id = store.connect_mailbox(
        user_id, "sam@gmail.com", tier=Tier.FREE, refresh_token="1//r"
    )
    run = store.start_sync_run(mailbox_id, "sync_now")
    store.finish_sync_run(run, status="ok", messages_seen=1, events_written=0)

    page = signed_in(app, user_id).get("/settings/integrations").get_data(as_text=True)

    assert 'data-label="Kind">Sync now</td>' in page
