"""Fixtures: sandboxes of the test's own on the fake clock, reached only through Google's own
client libraries (unlike the run's shared `sandbox` in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sandbox_testkit import Sandbox

from sandbox import SandboxServer
from tests.sync_testkit import FakeClock


@pytest.fixture
def make_sandbox(clock: FakeClock) -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with chosen options; all are stopped after the test."""
    started: list[SandboxServer] = []

    def start(**options: object) -> Sandbox:
        options.setdefault("clock", clock)
        server = SandboxServer(**options).start()  # type: ignore[arg-type]
        started.append(server)
        return Sandbox(server, clock)

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A sandbox of this test's own, with the default options, on the fake clock."""
    return make_sandbox()
