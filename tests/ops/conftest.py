"""Fixtures for the operations tests: a Gmail sandbox, settings on a fresh Pub/Sub project."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox import SandboxServer

SANDBOX_QUOTA = 5000.0  # the sandbox never answers 429 here; the workers pace themselves


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(quota_units_per_second=SANDBOX_QUOTA)
    server.start()
    yield server
    server.stop()
