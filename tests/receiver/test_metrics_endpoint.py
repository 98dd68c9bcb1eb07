"""`GET /metrics` on the web process answers only the operator's scrape; the probes stay open."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask.testing import FlaskClient
from receiver_fakes import METRICS_TOKEN, RecordingPublisher

from receiver import create_app
from receiver.config import ReceiverConfig
from storage import Store

pytestmark = pytest.mark.unit


def test_without_a_metrics_token_metrics_is_not_there(
    config: ReceiverConfig, store: Store, publisher: RecordingPublisher
) -> None:
    app = create_app(replace(config, metrics_token=None), store=store, publisher=publisher)
    visitor = app.test_client()

    assert visitor.get("/metrics").status_code == 404
    assert visitor.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    assert visitor.get("/healthz").status_code == 200
    assert visitor.get("/readyz").status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer wrong-token",
        f"Basic {METRICS_TOKEN}",
        f"Bearer {METRICS_TOKEN}x",
    ],
)
def test_a_scrape_without_the_token_is_refused(
    client: FlaskClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    response = client.get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "applytrack_push" not in response.get_data(as_text=True)


def test_the_scrape_with_the_token_gets_the_counters(client: FlaskClient) -> None:
    response = client.get("/metrics", headers={"Authorization": f"bearer {METRICS_TOKEN}"})

    assert response.status_code == 200
    assert "applytrack_push_received_total" in response.get_data(as_text=True)


def test_the_probes_need_no_token(client: FlaskClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
