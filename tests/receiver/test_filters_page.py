"""Settings → Filters: the list, the rule form (prefilled from a link), Preview (recorded mail and
ordinary mail through a read-only Gmail search of the sandbox), Save, edit, move, delete, export
and import; the Free plan's lock; refusals keep what was typed."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from session_helpers import csrf_token, signed_in

from gmail import GmailConfig, OAuthClientConfig
from receiver.config import ReceiverConfig
from sandbox import SandboxServer
from storage import IncomingEmail, Label, Plan, Store, Tier
from tests.sync_testkit import new_address

pytestmark = pytest.mark.unit

CLIENT_ID = "applytrack-test"
NOW = datetime.now(UTC).replace(microsecond=0)
NEWSLETTER = "Roundup <roundup@substack.example>"


@pytest.fixture
def config(config: ReceiverConfig, sandbox: SandboxServer) -> ReceiverConfig:
    """The receiver's config, reading Gmail from the sandbox."""
    oauth = OAuthClientConfig(
        client_id=CLIENT_ID, client_secret="secret", token_uri=f"{sandbox.url}/token"
    )
    return replace(config, gmail=GmailConfig(api_endpoint=sandbox.url, oauth=oauth))


class Seeker:
    """A signed-in person with recorded job mail and a sandbox mailbox."""

    def __init__(self, app: Flask, store: Store, sandbox: SandboxServer, plan: Plan) -> None:
        self.store, self.sandbox = store, sandbox
        self.address = new_address("filters")
        token = sandbox.state.grant(self.address, client_id=CLIENT_ID)["refresh_token"]
        self.user_id = store.create_user(f"owner.{self.address}")
        store.set_plan(self.user_id, plan)
        self.mailbox_id = store.connect_mailbox(
            self.user_id, self.address, tier=Tier.PREMIUM, refresh_token=token
        )
        self.client: FlaskClient = signed_in(app, self.user_id)
        self.csrf = csrf_token(self.client, "/settings/integrations")

    def record(self, *emails: IncomingEmail) -> None:
        assert self.store.acquire_lease(self.mailbox_id, "test", ttl_seconds=60)
        self.store.apply_sync_batch(self.mailbox_id, "test", list(emails), new_cursor=None)
        self.store.release_lease(self.mailbox_id, "test")

    def deliver(self, sender: str, subject: str) -> str:
        message = {"from": sender, "to": self.address, "subject": subject, "labelIds": ["INBOX"]}
        return self.sandbox.state.deliver(self.address, message)["id"]

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any):
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)

    def page(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    def companies(self) -> dict[str, str]:
        return {a.company or "": a.status.value for a in self.store.applications(self.user_id)}


def email(number: int, label: Label, *, thread: str, days_ago: int, **changes: Any):
    values: dict[str, Any] = {
        "gmail_message_id": f"job-{number}-{thread}",
        "thread_id": thread,
        "rfc822_message_id": None,
        "sender": "Dana Fox <dana@acme.example>",
        "subject": f"Acme update {number}",
        "date": NOW - timedelta(days=days_ago),
        "label": label,
        "confidence": 0.97,
        "company": "Acme Rocketry",
        "role": "Propulsion Engineer",
    }
    return IncomingEmail(**(values | changes))


@pytest.fixture
def seeker(app: Flask, store: Store, sandbox: SandboxServer) -> Seeker:
    person = Seeker(app, store, sandbox, Plan.PREMIUM)
    person.record(
        email(1, Label.APPLIED, thread="t1", days_ago=12),
        email(
            2,
            Label.INTERVIEWING,
            thread="t2",
            days_ago=3,
            sender=NEWSLETTER,
            subject="Issue #144: how to interview",
            company="Substack",
            role=None,
        ),
    )
    return person


@pytest.fixture
def free(app: Flask, store: Store, sandbox: SandboxServer) -> Seeker:
    return Seeker(app, store, sandbox, Plan.FREE)


def rule_form(
    name: str = "Newsletters are never job mail",
    *rows: tuple[str, str, str],
    action: str = "ignore",
    **extra: str,
) -> dict[str, str]:
    rows = rows or (("sender", "equals", "roundup@substack.example"),)
    data = {"name": name, "match": "all", "action": action, **extra}
    for index, (field, op, value) in enumerate(rows):
        data |= {
            f"condition-{index}-field": field,
            f"condition-{index}-op": op,
            f"condition-{index}-value": value,
        }
    data.setdefault("condition-5-value", "")  # an empty row, as the form sends it, is ignored
    return data


def save(seeker: Seeker, data: dict[str, str], path: str = "/settings/filters/new"):
    return seeker.post(path, data | {"intent": "save"})


def input_value(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    assert match, f"no input {name}"
    return match.group(1)


def selected(html: str, name: str) -> str:
    select = re.search(rf'<select[^>]*name="{re.escape(name)}".*?</select>', html, re.DOTALL)
    assert select, f"no select {name}"
    option = re.search(r'<option value="([^"]*)" selected>', select.group(0))
    return option.group(1) if option else ""


def checked(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)" checked', html)
    return match.group(1) if match else ""


# -- the list and the navigation ----------------------------------------------------------------


def test_settings_pages_share_a_sub_navigation(seeker: Seeker) -> None:
    for path, current in (
        ("/settings/integrations", "Integrations"),
        ("/settings/filters", "Filters"),
    ):
        html = seeker.page(path)
        nav = re.search(r'<nav class="settings-nav" aria-label="Settings">.*?</nav>', html, re.S)
        assert nav, path
        assert 'href="/settings/filters"' in nav.group(0)
        assert 'href="/settings/integrations"' in nav.group(0)
        assert re.search(rf'aria-current="page">{current}<', nav.group(0))


def test_an_empty_list_invites_a_first_rule(seeker: Seeker) -> None:
    html = seeker.page("/settings/filters")

    assert "No rules yet" in html
    assert 'href="/settings/filters/new"' in html
    assert 'enctype="multipart/form-data"' in html


# -- the form and its prefill -------------------------------------------------------------------


def test_the_form_prefills_from_the_query_string(seeker: Seeker) -> None:
    html = seeker.page(
        "/settings/filters/new?name=Newsletters&match=any&field=sender&op=equals"
        "&value=roundup@substack.com&action=ignore"
    )

    assert input_value(html, "name") == "Newsletters"
    assert checked(html, "match") == "any"
    assert selected(html, "condition-0-field") == "sender"
    assert selected(html, "condition-0-op") == "equals"
    assert input_value(html, "condition-0-value") == "roundup@substack.com"
    assert checked(html, "action") == "ignore"
    assert input_value(html, "condition-2-value") == ""  # empty rows to fill without script
    assert "rule_form.js" in html


def test_the_prefill_chooses_a_status_or_an_application(seeker: Seeker) -> None:
    acme = next(
        a for a in seeker.store.applications(seeker.user_id) if a.company == "Acme Rocketry"
    )

    status_form = seeker.page("/settings/filters/new?action=set_status&status=rejected")
    assign_form = seeker.page(f"/settings/filters/new?action=assign&application_id={acme.id}")

    assert (checked(status_form, "action"), selected(status_form, "status")) == (
        "set_status",
        "rejected",
    )
    assert (checked(assign_form, "action"), selected(assign_form, "application_id")) == (
        "assign",
        str(acme.id),
    )
    assert "Acme Rocketry · Propulsion Engineer" in assign_form


def test_the_endpoint_other_pages_link_to_is_filters_new_rule(app: Flask) -> None:
    with app.test_request_context():
        from flask import url_for

        assert url_for("filters.new_rule", value="x") == "/settings/filters/new?value=x"


# -- save, and the refusals that keep what was typed -------------------------------------------


def test_save_creates_the_rule_applies_it_to_past_mail_and_says_what_changed(
    seeker: Seeker,
) -> None:
    assert set(seeker.companies()) == {"Acme Rocketry", "Substack"}

    response = save(seeker, rule_form())

    assert response.status_code == 302
    assert response.headers["Location"] == "/settings/filters"
    (view,) = seeker.store.filter_rules(seeker.user_id)
    assert view.rule.name == "Newsletters are never job mail"
    assert set(seeker.companies()) == {"Acme Rocketry"}
    html = seeker.page("/settings/filters")
    assert "Rule &#39;Newsletters are never job mail&#39; saved" in html
    assert "Substack left the board" in html
    assert "Sender equals “roundup@substack.example”" in html
    assert "Ignore: never job mail" in html
    assert "When all of:" in html


@pytest.mark.parametrize(
    ("data", "field_error", "message"),
    [
        (rule_form(), None, None),
        (
            rule_form("Regex", ("subject", "matches", "(a)\\1")),
            'id="error-row-0-value"',
            "not a regular expression we can run in linear time",
        ),
        (
            rule_form("Status", ("subject", "contains", "offer"), action="set_status"),
            'id="error-action-status"',
            "action.status must be one of",
        ),
        (
            rule_form("", ("subject", "contains", "offer")),
            'id="error-name"',
            "name is required",
        ),
    ],
)
def test_a_bad_rule_is_a_400_with_the_form_the_values_and_the_sentence_by_the_field(
    seeker: Seeker, data, field_error, message
) -> None:
    if field_error is None:  # every row empty: no condition at all
        data = {k: v for k, v in data.items() if not k.endswith("-value")}
        field_error, message = 'id="error-conditions"', "conditions must be a list"

    response = save(seeker, data)

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error in html
    assert message in html
    assert 'aria-invalid="true"' in html
    assert input_value(html, "name") == data["name"]
    for key, value in data.items():
        if key.endswith("-value") and value:
            assert input_value(html, key) == value
    assert seeker.store.filter_rules(seeker.user_id) == []


def test_an_error_names_the_row_the_person_typed_not_the_filled_rows_index(seeker: Seeker):
    data = rule_form(
        "Rows",
        ("subject", "contains", ""),
        ("subject", "matches", "(?<=x)y"),
    )

    response = save(seeker, data)

    assert response.status_code == 400
    assert 'id="error-row-1-value"' in response.get_data(as_text=True)


def test_assigning_to_another_persons_application_is_refused(
    seeker: Seeker, app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    other = Seeker(app, store, sandbox, Plan.PREMIUM)
    other.record(email(9, Label.APPLIED, thread="o1", days_ago=2, company="Globex"))
    (theirs,) = store.applications(other.user_id)

    response = save(
        seeker,
        rule_form("Mine", ("subject", "contains", "x"), action="assign")
        | {"application_id": str(theirs.id)},
    )

    assert response.status_code == 400
    assert 'id="error-action-application_id"' in response.get_data(as_text=True)


# -- preview: recorded mail and, through Gmail, ordinary mail -----------------------------------


def test_preview_shows_recorded_and_gmail_matches_and_changes_nothing(seeker: Seeker) -> None:
    ordinary = seeker.deliver(NEWSLETTER, "Issue #145: salary talks")
    seeker.deliver("Someone <someone@else.example>", "Issue #145 is out")

    response = seeker.post("/settings/filters/new", rule_form() | {"intent": "preview"})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    recorded = re.search(r'<table id="preview-recorded">.*?</table>', html, re.S)
    gmail = re.search(r'<table id="preview-gmail">.*?</table>', html, re.S)
    assert recorded and gmail
    assert "Issue #144: how to interview" in recorded.group(0)
    assert "Interviewing → none" in recorded.group(0)
    assert "1 application would change." in html
    assert "Issue #145: salary talks" in gmail.group(0)
    assert "Issue #145 is out" not in gmail.group(0)
    assert "Issue #144" not in gmail.group(0)  # recorded job mail is shown above, not twice
    assert "newer_than:90d in:inbox from:roundup@substack.example" in html
    assert ordinary  # the message stays in Gmail; nothing is stored
    assert input_value(html, "condition-0-value") == "roundup@substack.example"
    assert seeker.store.filter_rules(seeker.user_id) == []
    assert set(seeker.companies()) == {"Acme Rocketry", "Substack"}


def test_preview_of_a_regex_says_the_gmail_side_is_approximate(seeker: Seeker) -> None:
    seeker.deliver(NEWSLETTER, "Weekly digest 12")

    response = seeker.post(
        "/settings/filters/new",
        rule_form("Digest", ("subject", "matches", r"^weekly digest \d+$")) | {"intent": "preview"},
    )

    html = response.get_data(as_text=True)
    assert 'id="gmail-approximate"' in html
    assert "Weekly digest 12" in html


def test_preview_without_gmail_shows_the_recorded_part_and_a_sentence(seeker: Seeker) -> None:
    seeker.sandbox.state.revoke_all(seeker.address)

    response = seeker.post("/settings/filters/new", rule_form() | {"intent": "preview"})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="gmail-unavailable"' in html
    assert "Gmail could not be searched just now" in html
    assert "Issue #144: how to interview" in html


def test_the_api_preview_carries_the_gmail_part(seeker: Seeker) -> None:
    seeker.deliver(NEWSLETTER, "Issue #146")
    token = csrf_token(seeker.client, "/")
    body = {
        "name": "Newsletters",
        "conditions": [{"field": "sender", "op": "equals", "value": "roundup@substack.example"}],
        "action": {"type": "ignore"},
    }

    answer = seeker.client.post("/api/rules/preview", json=body, headers={"X-CSRFToken": token})

    assert answer.status_code == 200
    data = answer.get_json()
    assert [m["subject"] for m in data["gmail_matches"]] == ["Issue #146"]
    assert data["gmail_search"] == {
        "query": "newer_than:90d in:inbox from:roundup@substack.example",
        "approximate": False,
        "available": True,
        "reason": None,
    }
    assert len(data["matches"]) == 1


# -- edit, move, delete ---------------------------------------------------------------------


def saved_rules(seeker: Seeker, *names: str) -> list[int]:
    for index, name in enumerate(names):
        data = rule_form(name, ("subject", "contains", f"word{index}"), action="treat_as_job")
        assert save(seeker, data).status_code == 302
    return [view.id for view in seeker.store.filter_rules(seeker.user_id)]


def test_edit_shows_the_rule_and_saves_the_change(seeker: Seeker) -> None:
    (rule_id,) = saved_rules(seeker, "First")

    html = seeker.page(f"/settings/filters/{rule_id}/edit")
    assert input_value(html, "name") == "First"
    assert input_value(html, "condition-0-value") == "word0"
    assert checked(html, "action") == "treat_as_job"

    response = save(
        seeker,
        rule_form("Renamed", ("sender_domain", "equals", "substack.example")),
        f"/settings/filters/{rule_id}/edit",
    )

    assert response.status_code == 302
    (view,) = seeker.store.filter_rules(seeker.user_id)
    assert (view.id, view.rule.name) == (rule_id, "Renamed")
    assert set(seeker.companies()) == {"Acme Rocketry"}


def test_previewing_an_edit_puts_the_rule_in_its_own_place(seeker: Seeker) -> None:
    (rule_id,) = saved_rules(seeker, "Catch all")
    data = rule_form("Catch all", ("subject", "contains", "Issue")) | {"intent": "preview"}

    html = seeker.post(f"/settings/filters/{rule_id}/edit", data).get_data(as_text=True)

    assert "Issue #144: how to interview" in html  # not hidden behind the saved version


def test_move_up_and_down_reorder_the_rules(seeker: Seeker) -> None:
    first, second, third = saved_rules(seeker, "One", "Two", "Three")

    assert seeker.post(f"/settings/filters/{third}/move", {"direction": "up"}).status_code == 302
    assert [v.id for v in seeker.store.filter_rules(seeker.user_id)] == [first, third, second]
    seeker.post(f"/settings/filters/{first}/move", {"direction": "down"})
    assert [v.id for v in seeker.store.filter_rules(seeker.user_id)] == [third, first, second]
    seeker.post(f"/settings/filters/{third}/move", {"direction": "up"})  # already first
    assert [v.id for v in seeker.store.filter_rules(seeker.user_id)] == [third, first, second]
    assert (
        seeker.post(f"/settings/filters/{third}/move", {"direction": "sideways"}).status_code == 400
    )
    html = seeker.page("/settings/filters")
    assert html.index("Three") < html.index("One") < html.index("Two")


def test_delete_asks_first_then_deletes(seeker: Seeker) -> None:
    (rule_id,) = saved_rules(seeker, "Doomed")

    confirm = seeker.page(f"/settings/filters/{rule_id}/delete")
    assert "Delete this rule?" in confirm
    assert seeker.post(f"/settings/filters/{rule_id}/delete").status_code == 400
    assert seeker.store.filter_rules(seeker.user_id)

    response = seeker.post(f"/settings/filters/{rule_id}/delete", {"confirm": "yes"})

    assert response.status_code == 302
    assert seeker.store.filter_rules(seeker.user_id) == []


def test_another_persons_rule_is_a_404(seeker: Seeker, app, store, sandbox) -> None:
    other = Seeker(app, store, sandbox, Plan.PREMIUM)
    (rule_id,) = saved_rules(other, "Theirs")

    assert seeker.client.get(f"/settings/filters/{rule_id}/edit").status_code == 404
    assert seeker.post(f"/settings/filters/{rule_id}/delete", {"confirm": "yes"}).status_code == 404
    assert seeker.post(f"/settings/filters/{rule_id}/move", {"direction": "up"}).status_code == 404
    assert seeker.post(f"/settings/filters/{rule_id}/edit", rule_form()).status_code == 404


# -- export and import --------------------------------------------------------------------------


def test_export_then_import_round_trips(seeker: Seeker, app, store, sandbox) -> None:
    saved_rules(seeker, "One", "Two")

    exported = seeker.client.get("/settings/filters/export")

    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    other = Seeker(app, store, sandbox, Plan.PREMIUM)
    upload = {"file": (io.BytesIO(exported.data), "applytrack-rules.json")}
    response = other.post("/settings/filters/import", upload, content_type="multipart/form-data")
    assert response.status_code == 302
    assert [v.rule for v in store.filter_rules(other.user_id)] == [
        v.rule for v in store.filter_rules(seeker.user_id)
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json", "is not JSON"),
        (b'{"rules": {}}', "holds no list of rules"),
        (
            json.dumps(
                {"rules": [{"name": "x", "conditions": [], "action": {"type": "ignore"}}]}
            ).encode(),
            "rules[0].conditions",
        ),
        (b"[" * 50 + b"]" * 50, "nested more than"),
    ],
)
def test_a_bad_import_file_is_a_400_with_the_page_and_a_sentence(seeker, content, message):
    upload = {"file": (io.BytesIO(content), "rules.json")}

    response = seeker.post("/settings/filters/import", upload, content_type="multipart/form-data")

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'id="filters-heading"' in html
    assert seeker.store.filter_rules(seeker.user_id) == []


def test_import_without_a_file_says_so(seeker: Seeker) -> None:
    response = seeker.post("/settings/filters/import", content_type="multipart/form-data")

    assert response.status_code == 400
    assert "Choose the JSON file" in response.get_data(as_text=True)


# -- the Free plan ------------------------------------------------------------------------------


def test_a_free_account_sees_the_feature_described_and_locked(free: Seeker) -> None:
    for path in ("/settings/filters", "/settings/filters/new?value=x", "/settings/filters/1/edit"):
        html = free.page(path)
        assert 'id="filters-locked"' in html
        assert "Premium feature" in html and "operator" in html
        assert "Example:" in html
        assert "<form" not in html.split('id="filters-heading"')[1].split("</main>")[0]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/settings/filters/new"),
        ("POST", "/settings/filters/1/edit"),
        ("POST", "/settings/filters/1/delete"),
        ("POST", "/settings/filters/1/move"),
        ("POST", "/settings/filters/import"),
        ("GET", "/settings/filters/export"),
        ("GET", "/settings/filters/1/delete"),
    ],
)
def test_the_writes_answer_403_to_a_free_account(free: Seeker, method: str, path: str) -> None:
    if method == "POST":
        response = free.post(path, rule_form() | {"intent": "save"})
    else:
        response = free.client.get(path)

    assert response.status_code == 403
    assert "Premium feature" in response.get_data(as_text=True)


def test_the_pages_need_a_signed_in_person(client: FlaskClient) -> None:
    response = client.get("/settings/filters")

    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
