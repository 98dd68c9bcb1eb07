"""Time to a useful board: how soon a new user's applications appear after connecting Gmail.

A 3,000-message mailbox (28 days) holds the mail of 40 applications mixed into ordinary mail; the
sandbox enforces Gmail's 250 units/s per user. The initial sync runs as a worker runs it, while
a client polls the JSON API (`GET /api/applications`, a personal API token, over HTTP) every
100 ms and notes when each application first shows. The board is the one the full sync ends
with; the bench prints the seconds until 50%, 90% and 100% of it was visible, the full sync's
seconds, and ratio = the 90% time ÷ the full sync time (target ≤ 0.2).

The generated job mail comes from applicant-tracking senders with plain subjects, which the
job-mail searches find; mail the searches miss (a recruiter writing from a company address
about "our chat") reaches the board only in the second phase, as it would in a real mailbox.

    python bench/first_board.py [--messages 3000] [--applications 40] [--database-url URL]

Ends with one line:
    applications=A messages=M p50_seconds=S p90_seconds=S p100_seconds=S sync_seconds=S ratio=R
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from applytrack.settings import Settings
from applytrack.web_wiring import build_web_app
from applytrack.wiring import store_from_settings
from applytrack.worker_wiring import build_syncer
from messaging import MailboxChanged
from messaging.inprocess import InProcessQueue
from processors import SyncProgress
from sandbox import SandboxServer
from storage import Tier

QUOTA = 250.0
ADDRESS = "first.board@gmail.com"
POLL_SECONDS = 0.1
SHARES = (0.5, 0.9, 1.0)


class BoardWatcher:
    """Polls the JSON API and notes when each application id was first listed."""

    def __init__(self, url: str, api_token: str) -> None:
        self._url = f"{url}/api/applications"
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {api_token}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self.started = 0.0
        self.first_seen: dict[int, float] = {}

    def start(self) -> None:
        self.started = time.perf_counter()
        self._thread.start()

    def stop(self) -> set[int]:
        """Stop polling; the board as it is now, after the sync."""
        self._stop.set()
        self._thread.join()
        return self.look()

    def look(self) -> set[int]:
        response = self._session.get(self._url, timeout=30)
        response.raise_for_status()
        now = time.perf_counter() - self.started
        ids = {application["id"] for application in response.json()}
        for application_id in ids:
            self.first_seen.setdefault(application_id, now)
        return ids

    def _poll(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self.look()


def serve(app, port: int = 0):
    """The receiver on a free loopback port, in a thread; returns (server, url)."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def seconds_to_share(first_seen: list[float], share: float) -> float:
    """When ``share`` of the board had been seen (first_seen sorted ascending)."""
    return first_seen[max(0, math.ceil(share * len(first_seen)) - 1)]


def run(args: argparse.Namespace, state: Path, sandbox: SandboxServer) -> str:
    overrides: dict[str, object] = {
        "gmail_api_endpoint": sandbox.url,
        "oauth_token_uri": f"{sandbox.url}/token",
        "gmail_quota_units_per_second": QUOTA,
    }
    if args.database_url:
        overrides["database_url"] = args.database_url
    settings = Settings.embedded(state, **overrides)
    store = store_from_settings(settings)
    store.database.upgrade()
    generate = {"count": args.messages, "days": 28, "seed": 15, "applications": args.applications}
    requests.post(
        f"{sandbox.url}/sandbox/users/{ADDRESS}/generate", json=generate, timeout=120
    ).raise_for_status()
    user_id = store.create_user("first.board@applytrack.test")
    refresh_token = sandbox.state.grant(ADDRESS)["refresh_token"]
    mailbox_id = store.connect_mailbox(
        user_id, ADDRESS, tier=Tier.FREE, refresh_token=refresh_token
    )
    api_token = store.create_api_token(user_id, "first board bench").token
    server, url = serve(build_web_app(settings, store=store, publisher=InProcessQueue()))
    phases: dict[str, float] = {}
    watcher = BoardWatcher(url, api_token)

    def note_phase(progress: SyncProgress) -> None:
        if progress.phase is not None:
            phases.setdefault(progress.phase.value, time.perf_counter() - watcher.started)

    syncer = build_syncer(settings, store=store, worker="bench", on_progress=note_phase)
    try:
        watcher.start()
        result = syncer.handle(MailboxChanged(mailbox_id, None, "initial"))
        sync_seconds = time.perf_counter() - watcher.started
        final_board = watcher.stop()
    finally:
        server.shutdown()
        store.database.dispose()
    board = sorted(watcher.first_seen[i] for i in final_board)
    if not board:
        raise SystemExit("the sync ended with no application on the board")
    p50, p90, p100 = (seconds_to_share(board, share) for share in SHARES)
    print(
        f"phases started at (s): {', '.join(f'{k} {v:.1f}' for k, v in phases.items())}; "
        f"{result.messages_seen} messages read, {result.events_written} status changes",
        file=sys.stderr,
    )
    return (
        f"applications={len(board)} messages={args.messages} p50_seconds={p50:.1f} "
        f"p90_seconds={p90:.1f} p100_seconds={p100:.1f} sync_seconds={sync_seconds:.1f} "
        f"ratio={p90 / sync_seconds:.3f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--applications", type=int, default=40)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp folder")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with SandboxServer(quota_units_per_second=QUOTA) as sandbox, tempfile.TemporaryDirectory() as d:
        print(run(args, Path(d), sandbox))
    return 0


if __name__ == "__main__":
    sys.exit(main())
