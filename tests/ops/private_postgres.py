"""A PostgreSQL cluster of the test's own (initdb into a temp dir, its own port), so that a test
may stop and start it; the shared server at 127.0.0.1:5432 is never touched."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from sandbox.emulator import free_port, wait_for_port


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """A throwaway cluster: `start`, `stop` (an outage), `start` again, `destroy`."""

    def __init__(self) -> None:
        bin_dir = postgres_bin()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL's binaries are not in /usr/lib/postgresql/*/bin")
        self._bin = bin_dir
        self.port = free_port()
        self._root = Path(tempfile.mkdtemp(prefix="applytrack-pg-"))
        self.data_dir = self._root / "data"
        self._log = self._root / "postgres.log"
        # initdb refuses to run as root: then the cluster belongs to the postgres user.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self._root, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of its `postgres` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self._root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self._log), "-o", options, "-w", "start"
        )
        wait_for_port(self.port, timeout=30)

    def stop(self, *, mode: str = "immediate") -> None:
        """Stop the server (``immediate``: like a crash, connections cut at once)."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        """Stop it if it runs, and delete its files."""
        status = self._run("pg_ctl", "-D", str(self.data_dir), "status", check=False)
        if status.returncode == 0:
            self.stop(mode="fast")
        shutil.rmtree(self._root, ignore_errors=True)

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [*self._as, str(self._bin / program), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            log = self._log.read_text() if self._log.exists() else ""
            raise RuntimeError(f"{program} failed: {result.stderr}\n{log[-2000:]}")
        return result


def wait_until_down(port: int, *, timeout: float = 10.0) -> None:
    """Block until nothing accepts connections on the port any more."""
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} still accepts connections after {timeout} s")
