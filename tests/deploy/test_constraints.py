"""constraints.txt pins every requirement of pyproject.toml (the project's and its test extras'),
each at a version inside the range pyproject.toml allows: `make setup`, CI and the image install
one set of versions, and a range changed without `make lock` fails here rather than at install."""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.sync_testkit import REPO_ROOT


def _requirements() -> list[Requirement]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return [Requirement(line) for line in (*project["dependencies"], *extras["test"])]


def _pins() -> dict[str, Version]:
    pins = {}
    for line in (REPO_ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = Version(version.strip())
    return pins


def test_every_requirement_is_pinned_inside_its_range() -> None:
    pins = _pins()
    unpinned = [str(r) for r in _requirements() if canonicalize_name(r.name) not in pins]
    outside = [
        f"{r} (pinned {pins[canonicalize_name(r.name)]})"
        for r in _requirements()
        if canonicalize_name(r.name) in pins
        and not r.specifier.contains(pins[canonicalize_name(r.name)], prereleases=True)
    ]
    assert unpinned == [], f"not in constraints.txt (run `make lock`): {unpinned}"
    assert outside == [], f"pinned outside pyproject.toml's range (run `make lock`): {outside}"


def test_the_pins_are_exact_versions_only() -> None:
    lines = (REPO_ROOT / "constraints.txt").read_text().splitlines()
    entries = [line for line in lines if line.strip() and not line.startswith("#")]
    assert entries and all("==" in line and " " not in line for line in entries)
