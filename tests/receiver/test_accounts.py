"""Sign-up, sign-in, sign-out, session cookie flags, CSRF, and isolation between users."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from session_helpers import csrf_token, signed_in

from receiver import create_app
from receiver.config import ReceiverConfig, SignInLimits
from storage import IncomingEmail, Label, Store, Tier

pytestmark = pytest.mark.unit

PASSWORD = "a long enough password"


def sign_up(client: FlaskClient, email: str, password: str = PASSWORD, **extra: str):
    form = {"email": email, "password": password, "csrf_token": csrf_token(client, "/sign-up")}
    return client.post("/sign-up", data=form | extra)


def seed_application(store: Store, user_id: int, address: str, company: str) -> int:
    mailbox_id = store.connect_mailbox(user_id, address, tier=Tier.FREE, refresh_token="1//r")
    assert store.acquire_lease(mailbox_id, "test", ttl_seconds=60)
    store.apply_sync_batch(
        mailbox_id,
        "test",
        [
            IncomingEmail(
                gmail_message_id=f"m-{company}",
                thread_id=f"t-{company}",
                rfc822_message_id=None,
                sender=f"Jobs <jobs@{company.lower()}.example>",
                subject=f"Thanks for applying to {company}",
                date=datetime(2025, 2, 1, 9, 0, tzinfo=UTC),
                label=Label.APPLIED,
                confidence=0.95,
                company=company,
                role="Analyst",
            )
        ],
        new_cursor=5,
    )
    (application,) = store.applications(user_id)
    return application.id


def test_sign_up_hashes_the_password_and_signs_in(client: FlaskClient, store: Store) -> None:
    response = sign_up(client, "New.Person@Example.com", display_name="New Person")

    assert response.status_code == 302
    assert response.headers["Location"] == "/settings/integrations"
    user = store.user_by_email("new.person@example.com")
    assert user is not None and user.display_name == "New Person"
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    page = client.get("/settings/integrations").get_data(as_text=True)
    assert "Connect Gmail" in page and "New Person" in page


def test_sign_up_refuses_a_short_password_and_a_taken_email(client: FlaskClient) -> None:
    short = sign_up(client, "a@example.com", password="short")
    assert short.status_code == 400
    assert "at least 10 characters" in short.get_data(as_text=True)

    assert sign_up(client, "b@example.com").status_code == 302
    other = signed_in(client.application, None)
    taken = sign_up(other, "B@example.com")
    assert taken.status_code == 400
    assert "already exists" in taken.get_data(as_text=True)


def test_sign_in_checks_the_password(app: Flask, store: Store) -> None:
    sign_up(app.test_client(), "sam@example.com")
    client = app.test_client()

    wrong = client.post(
        "/sign-in",
        data={
            "email": "sam@example.com",
            "password": "not it at all",
            "csrf_token": csrf_token(client),
        },
    )
    unknown = client.post(
        "/sign-in",
        data={
            "email": "nobody@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    right = client.post(
        "/sign-in",
        data={
            "email": "SAM@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
            "next": "/settings/integrations",
        },
    )

    assert wrong.status_code == 401 and "do not match" in wrong.get_data(as_text=True)
    assert unknown.status_code == 401 and "do not match" in unknown.get_data(as_text=True)
    assert right.status_code == 302
    assert right.headers["Location"] == "/settings/integrations"
    assert client.get("/").status_code == 200


def sign_in(client: FlaskClient, email: str, password: str):
    form = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/sign-in", data=form)


def test_failed_sign_ins_past_the_limit_lock_that_address_only(
    config: ReceiverConfig, store: Store, publisher
) -> None:
    throttled = replace(config, sign_in_limits=SignInLimits(failures="3 per 2 seconds"))
    app = create_app(throttled, store=store, publisher=publisher)
    sign_up(app.test_client(), "sam@example.com")
    sign_up(app.test_client(), "alex@example.com")
    client = app.test_client()

    failures = [sign_in(client, "sam@example.com", "guess") for _ in range(3)]
    locked = sign_in(client, "Sam@Example.com", PASSWORD)  # even the right password waits
    other = sign_in(app.test_client(), "alex@example.com", PASSWORD)

    assert [response.status_code for response in failures] == [401, 401, 401]
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.get_data(as_text=True)
    assert other.status_code == 302
    time.sleep(2.1)  # the window moves on
    assert sign_in(client, "sam@example.com", PASSWORD).status_code == 302


def test_sign_in_never_redirects_to_another_site(app: Flask) -> None:
    sign_up(app.test_client(), "sam@example.com")
    client = app.test_client()
    form = {"email": "sam@example.com", "password": PASSWORD, "next": "//evil.example/x"}

    response = client.post("/sign-in", data=form | {"csrf_token": csrf_token(client)})

    assert response.headers["Location"] == "/"


def test_sign_out_ends_the_session(client: FlaskClient) -> None:
    sign_up(client, "sam@example.com")
    token = csrf_token(client, "/")

    response = client.post("/sign-out", data={"csrf_token": token})

    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert client.get("/api/applications").status_code == 401


def test_every_form_post_needs_the_csrf_token(client: FlaskClient, store: Store) -> None:
    sign_up(client, "sam@example.com")
    user_id = store.user_by_email("sam@example.com").id
    application_id = seed_application(store, user_id, "sam@gmail.com", "Globex")
    paths = [
        "/sign-out",
        "/settings/integrations/gmail/sync",
        "/settings/integrations/gmail/disconnect",
        "/settings/integrations/gmail/connect",
        f"/applications/{application_id}/status",
    ]

    for path in paths:
        response = client.post(path, data={"status": "offer"})
        assert response.status_code == 400, path
        assert "CSRF" in response.get_data(as_text=True)
    assert store.applications(user_id)[0].status.value == "applied"
    assert store.mailbox_for_user(user_id).state.value == "active"


def test_a_sign_up_without_the_csrf_token_is_refused(client: FlaskClient, store: Store) -> None:
    response = client.post("/sign-up", data={"email": "x@example.com", "password": PASSWORD})

    assert response.status_code == 400
    assert store.user_by_email("x@example.com") is None


def test_session_cookie_flags_on_loopback_and_elsewhere(app: Flask) -> None:
    local = app.test_client()
    remote = app.test_client()

    local_cookie = sign_up(local, "a@example.com").headers["Set-Cookie"]
    remote_form = {"email": "b@example.com", "password": PASSWORD}
    token = csrf_token_from(remote, "https://tracker.example")
    remote_cookie = remote.post(
        "/sign-up",
        data=remote_form | {"csrf_token": token},
        base_url="https://tracker.example",
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
        headers={"Referer": "https://tracker.example/sign-up"},  # HTTPS CSRF checks the referrer
    ).headers["Set-Cookie"]

    for cookie in (local_cookie, remote_cookie):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in local_cookie
    assert "Secure" in remote_cookie


def csrf_token_from(client: FlaskClient, base_url: str) -> str:
    import re

    html = client.get(
        "/sign-up", base_url=base_url, environ_base={"REMOTE_ADDR": "203.0.113.9"}
    ).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_pages_show_only_the_signed_in_users_data(app: Flask, store: Store) -> None:
    sam = store.create_user("sam@example.com")
    alex = store.create_user("alex@example.com")
    sams = seed_application(store, sam, "sam@gmail.com", "Globex")
    alexs = seed_application(store, alex, "alex@gmail.com", "Initech")
    client = signed_in(app, sam)

    board = client.get("/").get_data(as_text=True)
    foreign_page = client.get(f"/applications/{alexs}")
    foreign_change = client.post(
        f"/applications/{alexs}/status",
        data={"status": "offer", "csrf_token": csrf_token(client, "/")},
    )

    assert "Globex" in board and "Initech" not in board
    assert client.get(f"/applications/{sams}").status_code == 200
    assert foreign_page.status_code == 404
    assert "Initech" not in foreign_page.get_data(as_text=True)
    assert foreign_change.status_code == 404
    assert store.applications(alex)[0].status.value == "applied"
    settings_page = client.get("/settings/integrations").get_data(as_text=True)
    assert "sam@gmail.com" in settings_page and "alex@gmail.com" not in settings_page


def test_demo_sign_in_happens_on_loopback_only(config: ReceiverConfig, store: Store) -> None:
    user_id = store.create_user("demo@example.com")
    seed_application(store, user_id, "demo@gmail.com", "Umbrella")
    app = create_app(replace(config, demo=True), store=store, publisher=None)

    local = app.test_client().get("/api/applications")
    remote = app.test_client().get(
        "/api/applications", environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )

    assert local.status_code == 200 and local.get_json()[0]["company"] == "Umbrella"
    assert remote.status_code == 401


# --- redirects after sign-in --------------------------------------------------------------------

OFF_SITE_TARGETS = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    "//evil.example",
    "/\\evil.example",
    "/ /evil.example",
    "/\x00/evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "//[evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE_TARGETS)
def test_sign_in_sends_an_off_site_next_home_instead(app: Flask, target: str) -> None:
    sign_up(app.test_client(), "sam@example.com")
    client = app.test_client()
    form = {"email": "sam@example.com", "password": PASSWORD, "next": target}

    response = client.post("/sign-in", data=form | {"csrf_token": csrf_token(client)})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_an_off_site_next_in_the_sign_in_link_is_dropped(app: Flask) -> None:
    sign_up(app.test_client(), "sam@example.com")
    client = app.test_client()
    page = client.get("/sign-in?next=/%09/evil.example").get_data(as_text=True)
    form = {"email": "sam@example.com", "password": PASSWORD, "csrf_token": csrf_token(client)}

    response = client.post("/sign-in?next=/%09/evil.example", data=form)

    assert 'name="next"' not in page
    assert response.headers["Location"] == "/"


def test_a_same_site_next_is_kept(app: Flask) -> None:
    sign_up(app.test_client(), "sam@example.com")
    client = app.test_client()
    form = {"email": "sam@example.com", "password": PASSWORD, "csrf_token": csrf_token(client)}

    response = client.post("/sign-in", data=form | {"next": "/applications/7?status=offer"})

    assert response.headers["Location"] == "/applications/7?status=offer"


# --- one canonical form of an address ----------------------------------------------------------

LONG_S = "\u017f"  # LATIN SMALL LETTER LONG S: case-folds to "s"
FULL_WIDTH_S = "\uff53"  # FULLWIDTH LATIN SMALL LETTER S: NFKC makes it "s"


def test_every_spelling_of_an_address_shares_one_sign_in_throttle(
    config: ReceiverConfig, store: Store, publisher
) -> None:
    throttled = replace(config, sign_in_limits=SignInLimits(failures="3 per 10 seconds"))
    app = create_app(throttled, store=store, publisher=publisher)
    sign_up(app.test_client(), "sally.ross@example.com")
    spellings = [
        f"{LONG_S}ally.ross@example.com",
        f"sally.ro{LONG_S}{LONG_S}@example.com",
        f"{FULL_WIDTH_S}ally.ross@EXAMPLE.com",
    ]

    failures = [sign_in(app.test_client(), spelling, "guess") for spelling in spellings]
    locked = [
        sign_in(app.test_client(), spelling, PASSWORD)
        for spelling in ["sally.ross@example.com", *spellings]
    ]

    assert [response.status_code for response in failures] == [401, 401, 401]
    assert [response.status_code for response in locked] == [429] * 4


def test_every_spelling_of_an_address_is_one_account(app: Flask, store: Store) -> None:
    assert sign_up(app.test_client(), "sally.ross@example.com").status_code == 302

    taken = sign_up(app.test_client(), f"{FULL_WIDTH_S}ally.ro{LONG_S}s@example.com")
    signed_in_as = sign_in(app.test_client(), f"{LONG_S}ally.ross@example.com", PASSWORD)

    assert taken.status_code == 400 and "already exists" in taken.get_data(as_text=True)
    assert signed_in_as.status_code == 302
    user = store.user_by_email("sally.ross@example.com")
    assert user is not None and user.email == "sally.ross@example.com"


@pytest.mark.parametrize(
    "address",
    [
        "sam @example.com",
        "sam@exam\tple.com",
        "sam\x00@example.com",
        "sam@example.com\x07",
        "sam\u200b@example.com",
        "sam\u3000x@example.com",
    ],
    ids=["space", "tab", "NUL", "bell", "zero-width space", "ideographic space"],
)
def test_sign_up_refuses_an_address_with_spaces_or_control_characters(
    client: FlaskClient, store: Store, address: str
) -> None:
    response = sign_up(client, address)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "no spaces or control characters" in page
    assert store.user(1) is None  # no account was created
    assert client.get("/api/applications").status_code == 401


# --- sessions end on sign-out and on a password change ------------------------------------------


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("applytrack_session")
    assert cookie is not None
    return cookie.value


def replayed(app: Flask, cookie: str) -> FlaskClient:
    """A new browser presenting a captured session cookie."""
    client = app.test_client()
    client.set_cookie("applytrack_session", cookie)
    return client


def test_a_cookie_captured_before_sign_out_is_void_after_it(app: Flask) -> None:
    client = app.test_client()
    sign_up(client, "sam@example.com")
    captured = session_cookie(client)
    assert replayed(app, captured).get("/api/applications").status_code == 200

    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})

    page = replayed(app, captured).get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/sign-in")
    assert replayed(app, captured).get("/api/applications").status_code == 401


def test_sign_out_ends_the_sessions_on_every_browser(app: Flask) -> None:
    sign_up(app.test_client(), "sam@example.com")
    laptop, phone = app.test_client(), app.test_client()
    assert sign_in(laptop, "sam@example.com", PASSWORD).status_code == 302
    assert sign_in(phone, "sam@example.com", PASSWORD).status_code == 302

    laptop.post("/sign-out", data={"csrf_token": csrf_token(laptop, "/")})

    assert phone.get("/api/applications").status_code == 401
    assert sign_in(phone, "sam@example.com", PASSWORD).status_code == 302
    assert phone.get("/api/applications").status_code == 200


def test_ending_the_sessions_signs_out_a_session_in_use(app: Flask, store: Store) -> None:
    client = app.test_client()
    sign_up(client, "sam@example.com")
    user = store.user_by_email("sam@example.com")
    assert user is not None and client.get("/api/applications").status_code == 200

    store.end_sessions(user.id)  # what a password change does

    assert client.get("/api/applications").status_code == 401


def test_sign_up_refuses_a_name_with_control_characters(client: FlaskClient, store: Store) -> None:
    response = sign_up(client, "sam@example.com", display_name="Sam\x00Seeker")

    assert response.status_code == 400
    assert "without control characters" in response.get_data(as_text=True)
    assert store.user_by_email("sam@example.com") is None


def test_sign_up_refuses_an_over_long_name_with_a_sentence(
    client: FlaskClient, store: Store
) -> None:
    response = sign_up(client, "long@example.com", display_name="n" * 201)

    assert response.status_code == 400
    assert "at most 200 characters" in response.get_data(as_text=True)
    assert store.user_by_email("long@example.com") is None
