"""Shared by the deploy tests: constants, the gcloud command parser and the recorded fake."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.sync_testkit import REPO_ROOT

DEPLOY_DIR = REPO_ROOT / "deploy"
PROJECT = "applytrack-test"
REGION = "europe-west1"
PROJECT_NUMBER = "123456789012"
BASE_ARGS = ("--dry-run", "--project", PROJECT, "--region", REGION)

# What the scripts may call besides gcloud (dry runs use only bash and env).
TOOLS = ("bash", "env", "cat", "head", "base64", "tr", "mktemp", "rm", "sleep")


@dataclass(frozen=True)
class Gcloud:
    """One printed gcloud command: its positional words and its --flags."""

    words: tuple[str, ...]
    flags: dict[str, str | bool] = field(hash=False)

    @classmethod
    def parse(cls, argv: Sequence[str]) -> Gcloud:
        """Split ``gcloud a b --x=1 --y`` into words (a, b) and flags {x: 1, y: True}."""
        assert argv[0] == "gcloud", f"not a gcloud command: {argv}"
        words: list[str] = []
        flags: dict[str, str | bool] = {}
        for token in argv[1:]:
            if token.startswith("--"):
                name, sep, value = token[2:].partition("=")
                flags[name] = value if sep else True
            else:
                words.append(token)
        return cls(tuple(words), flags)

    def starts(self, *words: str) -> bool:
        """True when the command's words begin with ``words``."""
        return self.words[: len(words)] == words


@dataclass(frozen=True)
class Result:
    """A finished script run."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def commands(self) -> list[Gcloud]:
        """The printed commands; every stdout line of a dry run must be one."""
        parsed = []
        for line in self.stdout.splitlines():
            assert line.startswith("+ "), f"a dry run printed something else: {line!r}"
            parsed.append(Gcloud.parse(shlex.split(line[2:])))
        return parsed

    def find(self, *words: str) -> list[Gcloud]:
        """The commands whose words begin with ``words``."""
        return [command for command in self.commands if command.starts(*words)]

    def one(self, *words: str) -> Gcloud:
        """The single command whose words begin with ``words``."""
        found = self.find(*words)
        assert len(found) == 1, f"expected one {' '.join(words)!r}, got {len(found)}"
        return found[0]


def env_list(value: str | bool) -> dict[str, str]:
    """Parse gcloud's ``K=V,K=V`` list into a dict."""
    assert isinstance(value, str)
    return dict(item.split("=", 1) for item in value.split(","))


@dataclass
class FakeGcloud:
    """The recording gcloud stand-in (fake_gcloud.sh) on a PATH of its own."""

    bin_dir: Path
    log_dir: Path

    def calls(self) -> list[Gcloud]:
        """Every gcloud call, in order."""
        log = self.log_dir / "calls"
        lines = log.read_text().splitlines() if log.exists() else []
        return [Gcloud.parse(["gcloud", *shlex.split(line)]) for line in lines]

    def calls_matching(self, *words: str) -> list[Gcloud]:
        """The calls whose words begin with ``words``."""
        return [call for call in self.calls() if call.starts(*words)]

    def raw_calls(self) -> str:
        """The call log as text (to look for values that must never be on a command line)."""
        log = self.log_dir / "calls"
        return log.read_text() if log.exists() else ""

    def stdin_of(self, *words: str) -> list[str]:
        """What the calls beginning with ``words`` read from stdin."""
        values = []
        for number, call in enumerate(self.calls(), start=1):
            if call.starts(*words):
                values.append((self.log_dir / f"stdin-{number}").read_text())
        return values

    def flags_file_of(self, *words: str) -> list[str]:
        """The --flags-file contents of the calls beginning with ``words``."""
        values = []
        for number, call in enumerate(self.calls(), start=1):
            if call.starts(*words):
                values.append((self.log_dir / f"flags-{number}").read_text())
        return values
