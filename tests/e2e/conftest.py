"""The whole push stack on real parts: Pub/Sub emulator, sandbox, receiver over HTTP, worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_testkit import METRICS_TOKEN, PROJECT, Stack

from applytrack.localstack import StackOptions, start_local_stack


@pytest.fixture(scope="session")
def stack(pubsub_emulator: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Start sandbox, receiver and worker once for the e2e tests, on Google's Pub/Sub emulator."""
    local = start_local_stack(
        StackOptions(
            state_dir=tmp_path_factory.mktemp("e2e"),
            queue_backend="pubsub",
            pubsub_project=PROJECT,
            worker_id="e2e-worker",
            settings_overrides={"demo": False, "metrics_token": METRICS_TOKEN},
        )
    )
    try:
        yield Stack(local)
    finally:
        local.stop()
