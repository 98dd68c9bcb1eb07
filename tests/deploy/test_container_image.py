"""The Dockerfile agrees with the Procfile, the package list and the deploy scripts."""

from __future__ import annotations

import shlex
import tomllib

import pytest

from tests.sync_testkit import REPO_ROOT

pytestmark = pytest.mark.unit

DOCKERFILE = REPO_ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = DOCKERFILE.read_text().replace("\\\n", " ")
    pairs = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def of(keyword: str) -> list[str]:
    return [rest for name, rest in instructions() if name == keyword]


def test_every_stage_is_python_311_slim() -> None:
    bases = [rest.split()[0] for rest in of("FROM")]
    assert bases and set(bases) == {"python:3.11-slim"}


def test_the_image_runs_as_a_non_root_user() -> None:
    users = of("USER")
    assert users, "the image never switches away from root"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_default_command_is_the_procfile_web_process_on_port() -> None:
    import json

    command = json.loads(of("CMD")[-1])
    procfile = {
        name.strip(): shlex.split(rest)
        for name, _, rest in (
            line.partition(":") for line in (REPO_ROOT / "Procfile").read_text().splitlines()
        )
    }
    web = procfile["web"]
    bind_at = web.index("--bind")
    assert "PORT" in web[bind_at + 1]
    without_bind = web[:bind_at] + web[bind_at + 2 :]
    as_pairs = [f"{a}={b}" for a, b in zip(without_bind[1:-1:2], without_bind[2:-1:2], strict=True)]
    assert command == [without_bind[0], *as_pairs, without_bind[-1]]
    assert any(rest.startswith("PORT=") or " PORT=" in rest for rest in of("ENV"))


def test_every_package_of_the_project_is_copied() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    packages = {
        name.rstrip("*") for name in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    copied = {rest.split()[0].rstrip("/") for rest in of("COPY") if not rest.startswith("--")}
    assert packages <= copied


def test_the_health_port_wrapper_is_installed_where_the_services_call_it() -> None:
    copies = [rest.split() for rest in of("COPY")]
    assert ["deploy/with_health_port.py", "/usr/local/bin/with-health-port"] in copies
    services = (REPO_ROOT / "deploy" / "services.sh").read_text()
    assert "--command=with-health-port" in services


def test_dockerignore_keeps_local_state_out_but_not_the_wrapper() -> None:
    lines = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    assert {".git", ".venv", "tests"} <= set(lines)
    assert "!deploy/with_health_port.py" in lines
