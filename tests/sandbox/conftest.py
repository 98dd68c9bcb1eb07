"""Fixtures: a real sandbox on a free port, reached only through Google's own client libraries."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sandbox_testkit import FrozenClock, Sandbox

from sandbox import SandboxServer


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def make_sandbox(clock: FrozenClock) -> Iterator[Callable[..., Sandbox]]:
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
    return make_sandbox()
