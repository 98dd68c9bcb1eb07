"""The pages of issue #13 without a browser: add, search, sort, filter, export, edit, delete,
merge, correct, Kanban moves; bad input answers 400 naming the field, another user's ids 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from session_helpers import csrf_token, signed_in

from storage import IncomingEmail, Label, Status, Store, Tier

pytestmark = pytest.mark.unit

FEB_1 = datetime(2025, 2, 1, 9, 0, tzinfo=UTC)


def job_email(number: int, *, company: str, label: Label, thread: str, day: int = 1):
    return IncomingEmail(
        gmail_message_id=f"m{number}",
        thread_id=thread,
        rfc822_message_id=None,
        sender=f"Jobs <jobs@{company.lower()[:20]}.example>",
        subject=f"About your application to {company[:40]}",
        date=FEB_1.replace(day=day),
        label=label,
        confidence=0.95,
        company=company,
        role="Data Analyst",
    )


def seed_mail(store: Store, user_id: int, emails: list[IncomingEmail]) -> int:
    """Record ``emails`` in the user's mailbox (connected on first use); the mailbox id."""
    mailbox = store.mailbox_for_user(user_id)
    mailbox_id = (
        mailbox.id
        if mailbox
        else store.connect_mailbox(
            user_id, f"u{user_id}@gmail.com", tier=Tier.FREE, refresh_token="r"
        )
    )
    assert store.acquire_lease(mailbox_id, "test", ttl_seconds=60)
    store.apply_sync_batch(mailbox_id, "test", emails, new_cursor=len(emails) + 10)
    store.release_lease(mailbox_id, "test")
    return mailbox_id


def user_with_client(app: Flask, store: Store, email: str = "sam@example.com"):
    user_id = store.create_user(email)
    return user_id, signed_in(app, user_id)


def post(client: FlaskClient, path: str, data: dict[str, str], **options):
    return client.post(path, data=data | {"csrf_token": csrf_token(client, "/")}, **options)


def ids_by_company(store: Store, user_id: int) -> dict[str, int]:
    return {a.company or "": a.id for a in store.applications(user_id)}


def test_adding_an_application_by_hand(app: Flask, store: Store) -> None:
    user_id, client = user_with_client(app, store)
    form = {
        "company": "Initech",
        "role": "Platform Engineer",
        "status": "interviewing",
        "applied_on": "2025-03-01",
        "job_url": "https://jobs.initech.example/42",
        "location": "Remote",
        "salary": "90k",
        "notes": "Met them at a meetup.\nFollow up Friday.",
    }

    response = post(client, "/applications", form)

    assert response.status_code == 302
    (added,) = store.applications(user_id)
    assert response.headers["Location"].endswith(f"/applications/{added.id}")
    assert (added.company, added.role, added.status) == (
        "Initech",
        "Platform Engineer",
        Status.INTERVIEWING,
    )
    assert added.applied_on.isoformat() == "2025-03-01"
    assert (added.location, added.salary, added.job_url) == ("Remote", "90k", form["job_url"])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Follow up Friday." in page and "Added by you." in page


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"company": ""}, "company"),
        ({"company": "A", "job_url": "javascript:alert(1)"}, "job_url"),
        ({"company": "A", "applied_on": "01/03/2025"}, "applied_on"),
        ({"company": "A", "status": "hired"}, "status"),
        ({"company": "A" * 201}, "company"),
        ({"company": "A\x00B"}, "company"),
    ],
)
def test_a_bad_new_application_is_a_400_naming_the_field(
    app: Flask, store: Store, form: dict[str, str], field: str
) -> None:
    user_id, client = user_with_client(app, store)

    response = post(client, "/applications", form)

    assert response.status_code == 400
    assert re.search(rf'class="flash flash-error"[^>]*>{field}\b', response.get_data(as_text=True))
    assert store.applications(user_id) == []


def test_a_second_application_for_the_same_job_is_refused(app: Flask, store: Store) -> None:
    _, client = user_with_client(app, store)
    post(client, "/applications", {"company": "Initech", "role": "Analyst"})

    again = post(client, "/applications", {"company": "Initech", "role": "Analyst"})

    assert again.status_code == 409
    assert "already have an application" in again.get_data(as_text=True)


def test_adding_needs_the_csrf_token(app: Flask, store: Store) -> None:
    user_id, client = user_with_client(app, store)

    response = client.post("/applications", data={"company": "Initech"})

    assert response.status_code == 400
    assert store.applications(user_id) == []


def test_search_status_date_filters_and_sort_work_without_script(app: Flask, store: Store) -> None:
    user_id, client = user_with_client(app, store)
    seed_mail(
        store,
        user_id,
        [
            job_email(1, company="Globex", label=Label.APPLIED, thread="t1", day=3),
            job_email(2, company="Acme", label=Label.APPLIED, thread="t2", day=10),
            job_email(3, company="Umbrella", label=Label.REJECTED, thread="t3", day=20),
        ],
    )

    def shown(query: str) -> list[str]:
        html = client.get(f"/?{query}").get_data(as_text=True)
        body = html.split('id="application-rows"', 1)[1].split("</tbody>", 1)[0]
        return re.findall(r'class="clip" title="([^"]+)"', body)[::2]

    assert shown("sort=company") == ["Acme", "Globex", "Umbrella"]
    assert shown("sort=-company") == ["Umbrella", "Globex", "Acme"]
    assert shown("q=glob") == ["Globex"]
    assert shown("status=rejected") == ["Umbrella"]
    assert shown("from=2025-02-05&to=2025-02-15&sort=company") == ["Acme"]
    html = client.get("/?sort=company").get_data(as_text=True)
    assert 'aria-sort="ascending"' in html
    assert 'href="/?sort=-company"' in html  # a second click reverses it
    assert '<option value="company" selected>Company, A to Z</option>' in html  # phones sort here


@pytest.mark.parametrize(
    ("query", "field"),
    [("sort=password", "sort"), ("from=yesterday", "from"), ("status=x", "status")],
)
def test_a_bad_board_query_is_a_400_naming_the_parameter(
    app: Flask, store: Store, query: str, field: str
) -> None:
    _, client = user_with_client(app, store)

    response = client.get(f"/?{query}")

    assert response.status_code == 400
    assert f">{field} must be" in response.get_data(as_text=True)


def test_dates_are_the_emails_in_time_elements_and_csv_follows_the_filters(
    app: Flask, store: Store
) -> None:
    user_id, client = user_with_client(app, store)
    seed_mail(store, user_id, [job_email(1, company="Globex", label=Label.APPLIED, thread="t1")])

    html = client.get("/?q=glob").get_data(as_text=True)

    assert (
        '<time datetime="2025-02-01T09:00:00Z" data-local="datetime">01 Feb 2025 09:00 UTC</time>'
        in html
    )
    assert '<time datetime="2025-02-01">01 Feb 2025</time>' in html  # applied on: a day
    assert 'href="/api/export.csv?q=glob&amp;sort=-last_email_at"' in html
    csv = client.get("/api/export.csv?q=glob").get_data(as_text=True)
    assert csv.splitlines()[0].startswith("id,company,role,status")
    assert "Globex" in csv


def test_a_very_long_company_name_is_clipped_with_its_full_text_kept(
    app: Flask, store: Store
) -> None:
    user_id, client = user_with_client(app, store)
    name = "Quillmark " * 160  # 1,600 characters, as a long subject once made one
    seed_mail(store, user_id, [job_email(1, company=name.strip(), label=Label.APPLIED, thread="t")])

    html = client.get("/").get_data(as_text=True)

    assert f'<span class="clip" title="{name.strip()}">' in html
    assert ".clip {" in client.get("/static/style.css").get_data(as_text=True)


def test_a_running_first_sync_is_shown_instead_of_an_empty_board(app: Flask, store: Store) -> None:
    user_id, client = user_with_client(app, store)
    mailbox_id = store.connect_mailbox(user_id, "s@gmail.com", tier=Tier.FREE, refresh_token="r")
    run_id = store.start_sync_run(mailbox_id, "initial")
    store.update_sync_progress(run_id, processed=40, total=120)

    html = client.get("/").get_data(as_text=True)

    assert "A sync is running" in html and "40 of 120 emails" in html
    assert "No applications yet" not in html


def test_editing_every_field_and_bad_edits(app: Flask, store: Store) -> None:
    user_id, client = user_with_client(app, store)
    seed_mail(store, user_id, [job_email(1, company="Globex", label=Label.APPLIED, thread="t1")])
    (application_id,) = ids_by_company(store, user_id).values()
    path = f"/applications/{application_id}/edit"
    form = {
        "company": "Globex Corp",
        "role": "Senior Analyst",
        "applied_on": "2025-01-30",
        "next_interview_at": "2025-02-10T15:30",
        "job_url": "https://globex.example/jobs/1",
        "location": "Lyon",
        "salary": "€60k",
        "notes": "Second round with the team.",
    }

    saved = post(client, path, form)
    bad = post(client, path, form | {"next_interview_at": "soon"})

    assert saved.status_code == 302
    (edited,) = store.applications(user_id)
    assert (edited.company, edited.role, edited.location, edited.salary) == (
        "Globex Corp",
        "Senior Analyst",
        "Lyon",
        "€60k",
    )
    assert edited.next_interview_at == datetime(2025, 2, 10, 15, 30, tzinfo=UTC)
    assert bad.status_code == 400
    assert "next_interview_at must be" in bad.get_data(as_text=True)
    page = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert 'value="2025-02-10T15:30"' in page and "Second round with the team." in page


def test_the_interview_time_the_browser_sent_in_utc_wins(app: Flask, store: Store) -> None:
    user_id, client = user_with_client(app, store)
    seed_mail(store, user_id, [job_email(1, company="Globex", label=Label.APPLIED, thread="t1")])
    (application_id,) = ids_by_company(store, user_id).values()
    path = f"/applications/{application_id}/edit"
    local_and_utc = {
        "company": "Globex",
        "next_interview_at": "2025-03-10T15:00",  # what the person typed, in New York
        "next_interview_at_utc": "2025-03-10T19:00:00.000Z",  # what the page's script sent
    }

    saved = post(client, path, local_and_utc)
    cleared = post(client, path, local_and_utc | {"next_interview_at_utc": ""})
    bad = post(client, path, local_and_utc | {"next_interview_at_utc": "2025-03-10T19:00"})

    assert saved.status_code == 302 and cleared.status_code == 302
    assert bad.status_code == 400 and "next_interview_at must be" in bad.get_data(as_text=True)
    (edited,) = store.applications(user_id)
    assert edited.next_interview_at is None
    post(client, path, local_and_utc)
    page = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert 'data-utc-value="2025-03-10T19:00:00Z"' in page


def test_deleting_asks_first_and_then_the_page_is_gone(app: Flask, store: Store) -> None:
    user_id, client = user_with_client(app, store)
    seed_mail(store, user_id, [job_email(1, company="Globex", label=Label.APPLIED, thread="t1")])
    (application_id,) = ids_by_company(store, user_id).values()

    asked = client.get(f"/applications/{application_id}/delete")
    unconfirmed = post(client, f"/applications/{application_id}/delete", {})
    deleted = post(client, f"/applications/{application_id}/delete", {"confirm": "yes"})

    assert asked.status_code == 200 and "Delete this application?" in asked.get_data(as_text=True)
    assert unconfirmed.status_code == 400
    assert deleted.status_code == 302
    assert store.applications(user_id) == []
    assert client.get(f"/applications/{application_id}").status_code == 404


def test_merging_two_applications_from_the_list(app: Flask, store: Store) -> None:
    user_id, client = user_with_client(app, store)
    seed_mail(
        store,
        user_id,
        [
            job_email(1, company="Quillmark", label=Label.APPLIED, thread="t1"),
            job_email(2, company="QM Publishing", label=Label.INTERVIEWING, thread="t2"),
        ],
    )
    ids = ids_by_company(store, user_id)
    into, other = ids["Quillmark"], ids["QM Publishing"]
    page = client.get(f"/applications/{into}").get_data(as_text=True)
    assert f'<option value="{other}">QM Publishing' in page

    merged = post(client, f"/applications/{into}/merge", {"other_id": str(other)})
    missing = post(client, f"/applications/{into}/merge", {"other_id": ""})

    assert merged.status_code == 302
    assert [a.id for a in store.applications(user_id)] == [into]
    assert store.application(user_id, into).status is Status.INTERVIEWING
    assert client.get(f"/applications/{other}").status_code == 404
    assert missing.status_code == 400 and "other_id" in missing.get_data(as_text=True)


def test_corrections_from_the_activity_log(app: Flask, store: Store) -> None:
    user_id, client = user_with_client(app, store)
    seed_mail(
        store,
        user_id,
        [
            job_email(1, company="Globex", label=Label.APPLIED, thread="t1", day=1),
            job_email(2, company="Globex", label=Label.INTERVIEWING, thread="t1", day=2),
            job_email(3, company="Substack", label=Label.INTERVIEWING, thread="t9", day=3),
        ],
    )
    ids = ids_by_company(store, user_id)
    globex = store.application(user_id, ids["Globex"])
    interview_email = next(
        e.email.id for e in globex.events if e.email and e.to_status is Status.INTERVIEWING
    )
    newsletter = next(
        e.email.id for e in store.application(user_id, ids["Substack"]).events if e.email
    )
    page = client.get(f"/applications/{ids['Globex']}").get_data(as_text=True)
    assert "Not a job email" in page and "Wrong status →" in page
    assert "Belongs to another application" in page and "A new application" in page

    wrong = post(
        client,
        f"/emails/{interview_email}/correction",
        {"kind": "status", "status": "rejected", "page_application_id": str(ids["Globex"])},
    )
    not_job = post(client, f"/emails/{newsletter}/correction", {"kind": "not_job"})
    bad = post(
        client,
        f"/emails/{interview_email}/correction",
        {"kind": "status", "status": "hired", "page_application_id": str(ids["Globex"])},
    )

    assert wrong.status_code == not_job.status_code == 302
    assert store.application(user_id, ids["Globex"]).status is Status.REJECTED
    assert "Substack" not in ids_by_company(store, user_id)
    assert bad.status_code == 400 and "status must be one of" in bad.get_data(as_text=True)
    log = client.get(f"/applications/{ids['Globex']}").get_data(as_text=True)
    assert "You corrected this email: it read as Interviewing; you said Rejected." in log
    assert 'class="correction">Corrected <time' in log


def test_moving_an_email_to_a_new_application(app: Flask, store: Store) -> None:
    user_id, client = user_with_client(app, store)
    seed_mail(
        store,
        user_id,
        [
            job_email(1, company="Globex", label=Label.APPLIED, thread="t1", day=1),
            job_email(2, company="Globex", label=Label.INTERVIEWING, thread="t2", day=2),
        ],
    )
    (globex_id,) = ids_by_company(store, user_id).values()
    second = next(
        e.email.id
        for e in store.application(user_id, globex_id).events
        if e.email and e.email.thread_id == "t2"
    )

    moved = post(
        client, f"/emails/{second}/correction", {"kind": "application", "application_id": "new"}
    )

    assert moved.status_code == 302
    assert len(store.applications(user_id)) == 2
    assert store.application(user_id, globex_id).status is Status.APPLIED


def test_emails_that_change_nothing_fold_under_their_thread(app: Flask, store: Store) -> None:
    user_id, client = user_with_client(app, store)
    seed_mail(
        store,
        user_id,
        [
            job_email(n, company="Globex", label=Label.APPLIED, thread="t1", day=n)
            for n in range(1, 5)
        ],
    )
    (application_id,) = ids_by_company(store, user_id).values()

    page = client.get(f"/applications/{application_id}").get_data(as_text=True)

    assert "<summary>3 more emails in this thread</summary>" in page
    assert "Applied → <strong>Applied" not in page


def test_kanban_moves_post_the_status_form_and_come_back(app: Flask, store: Store) -> None:
    user_id, client = user_with_client(app, store)
    seed_mail(store, user_id, [job_email(1, company="Globex", label=Label.APPLIED, thread="t1")])
    (application_id,) = ids_by_company(store, user_id).values()
    board = client.get("/").get_data(as_text=True)
    assert 'id="kanban-applied"' in board and f'data-live-id="card-{application_id}"' in board

    moved = post(
        client,
        f"/applications/{application_id}/status",
        {"status": "offer", "next": "/?sort=company"},
    )

    assert moved.status_code == 302 and moved.headers["Location"] == "/?sort=company"
    assert store.application(user_id, application_id).status is Status.OFFER


def test_another_users_ids_are_404_on_every_page(app: Flask, store: Store) -> None:
    owner, _ = user_with_client(app, store, "owner@example.com")
    seed_mail(store, owner, [job_email(1, company="Globex", label=Label.APPLIED, thread="t1")])
    (application_id,) = ids_by_company(store, owner).values()
    email_id = next(e.email.id for e in store.application(owner, application_id).events if e.email)
    _, stranger = user_with_client(app, store, "stranger@example.com")
    mine = post(stranger, "/applications", {"company": "Mine"})
    mine_id = int(mine.headers["Location"].rsplit("/", 1)[1])

    answers = [
        stranger.get(f"/applications/{application_id}").status_code,
        stranger.get(f"/applications/{application_id}/delete").status_code,
        post(stranger, f"/applications/{application_id}/edit", {"company": "X"}).status_code,
        post(stranger, f"/applications/{application_id}/delete", {"confirm": "yes"}).status_code,
        post(stranger, f"/applications/{application_id}/status", {"status": "offer"}).status_code,
        post(
            stranger, f"/applications/{mine_id}/merge", {"other_id": str(application_id)}
        ).status_code,
        post(stranger, f"/emails/{email_id}/correction", {"kind": "not_job"}).status_code,
        stranger.get("/applications/99999999999999999999").status_code,
    ]

    assert answers == [404] * len(answers)
    assert ids_by_company(store, owner) == {"Globex": application_id}


def test_error_pages_are_styled_a_413_too(app: Flask, store: Store) -> None:
    _, client = user_with_client(app, store)

    missing = client.get("/no-such-page")
    huge = client.post("/sign-up", data={"display_name": "x" * 100_000})

    for response in (missing, huge):
        html = response.get_data(as_text=True)
        assert 'href="/static/style.css' in html and '<main id="content"' in html
    assert missing.status_code == 404
    assert huge.status_code == 413 and "too large" in huge.get_data(as_text=True)


def test_every_new_form_needs_the_csrf_token(app: Flask, store: Store) -> None:
    user_id, client = user_with_client(app, store)
    seed_mail(
        store,
        user_id,
        [
            job_email(1, company="Globex", label=Label.APPLIED, thread="t1"),
            job_email(2, company="Acme", label=Label.APPLIED, thread="t2"),
        ],
    )
    ids = ids_by_company(store, user_id)
    email_id = next(e.email.id for e in store.application(user_id, ids["Globex"]).events if e.email)
    forms = {
        f"/applications/{ids['Globex']}/edit": {"company": "Changed"},
        f"/applications/{ids['Globex']}/delete": {"confirm": "yes"},
        f"/applications/{ids['Globex']}/merge": {"other_id": str(ids["Acme"])},
        f"/emails/{email_id}/correction": {"kind": "not_job"},
    }

    for path, form in forms.items():
        response = client.post(path, data=form)
        assert response.status_code == 400, path
        assert "CSRF" in response.get_data(as_text=True)
    assert ids_by_company(store, user_id) == ids


def test_a_refused_add_keeps_what_was_typed_and_forms_that_come_back_here(
    app: Flask, store: Store
) -> None:
    user_id, client = user_with_client(app, store)
    seed_mail(store, user_id, [job_email(1, company="Globex", label=Label.APPLIED, thread="t1")])

    refused = post(client, "/applications", {"company": "Initech", "job_url": "ftp://x"})

    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert 'value="Initech"' in html and '<details class="add-application" open>' in html
    assert re.findall(r'name="next" value="([^"]*)"', html) == [
        "/?sort=-last_email_at"
    ]  # not the POST path


_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def test_every_page_carries_the_csrf_token_a_script_writes_with(app: Flask, store: Store) -> None:
    user_id, client = user_with_client(app, store)
    seed_mail(store, user_id, [job_email(1, company="Initech", label=Label.APPLIED, thread="t1")])
    application_id = ids_by_company(store, user_id)["Initech"]

    tokens = set()
    for path in ("/", f"/applications/{application_id}", "/settings/integrations", "/account"):
        page = client.get(path)
        assert page.status_code == 200, path
        found = _CSRF_META.search(page.get_data(as_text=True))
        assert found, f"no csrf-token meta on {path}"
        tokens.add(found.group(1))

    token = tokens.pop()
    written = client.patch(
        f"/api/applications/{application_id}",
        json={"notes": "Written by a script"},
        headers={"X-CSRF-Token": token},
    )
    refused = client.patch(f"/api/applications/{application_id}", json={"notes": "No token"})

    assert written.status_code == 200
    assert written.get_json()["notes"] == "Written by a script"
    assert refused.status_code == 403
