"""The Integrations page of a mailbox whose first sync found no mail, through the running stack:
sandbox → worker → database → the page the web process renders."""

from __future__ import annotations

import pytest
from e2e_testkit import Stack

from tests.receiver.session_helpers import signed_in
from tests.sync_testkit import new_address, wait_until

pytestmark = pytest.mark.e2e

WARNING = "No mail found in the last 90 days — is this the account you apply from?"


def test_a_first_sync_that_found_no_mail_is_flagged_on_the_integrations_page(stack: Stack) -> None:
    address = new_address("nomail")
    stack.local.sandbox.state.grant(address)  # an account, but not one letter in it
    user_id, mailbox_id = stack.local.connect_mailbox(f"owner.{address}", address, premium=True)
    runs = wait_until(
        lambda: [run for run in stack.store.sync_runs(mailbox_id) if run.status != "running"],
        what="the first sync run to finish",
    )
    assert (runs[-1].kind, runs[-1].status) == ("initial", "no_mail")

    page = signed_in(stack.local.web.app, user_id).get("/settings/integrations")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="no-mail-warning"' in html
    assert WARNING in html
    assert "No mail</span>" in html  # the run's result, without the underscore
