"""Backfill of a large mailbox against the sandbox's Gmail quota (250 units/s per user).

Measures how much of the per-user quota the initial sync uses (units spent / units allowed over
the run) and whether any 429 went unrecovered, then checks the database for duplicates.

    python bench/backfill.py [--messages 3000] [--batch-size 25] [--database-url URL]

Ends with one line:
    messages=3000 seconds=S quota_used=F unrecovered_429=N duplicates=D
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import requests
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from applytrack.settings import Settings
from applytrack.wiring import store_from_settings
from applytrack.worker_wiring import build_syncer
from messaging import MailboxChanged
from sandbox import SandboxServer
from storage import Tier

QUOTA = 250.0
ADDRESS = "backfill.bench@gmail.com"


def duplicates(store) -> int:
    """Email records or status events written twice (the constraints should make this 0)."""
    with store.database.engine.connect() as connection:
        doubled_records = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT mailbox_id, gmail_message_id FROM email_records "
                "GROUP BY mailbox_id, gmail_message_id HAVING count(*) > 1) d"
            )
        ).scalar()
        doubled_events = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT email_record_id, application_id FROM status_events "
                "GROUP BY email_record_id, application_id HAVING count(*) > 1) d"
            )
        ).scalar()
    return int(doubled_records or 0) + int(doubled_events or 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=None, help="messages per batch (≤ 50)")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp folder")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    sandbox = SandboxServer(quota_units_per_second=QUOTA).start()
    with tempfile.TemporaryDirectory() as state:
        overrides: dict[str, object] = {
            "gmail_api_endpoint": sandbox.url,
            "oauth_token_uri": f"{sandbox.url}/token",
            "gmail_quota_units_per_second": QUOTA,
        }
        if args.database_url:
            overrides["database_url"] = args.database_url
        if args.batch_size:
            overrides["gmail_batch_size"] = args.batch_size
        settings = Settings.embedded(Path(state), **overrides)
        store = store_from_settings(settings)
        store.database.upgrade()
        generate = {"count": args.messages, "days": 28, "seed": 3, "job_share": 0.15}
        requests.post(
            f"{sandbox.url}/sandbox/users/{ADDRESS}/generate", json=generate, timeout=120
        ).raise_for_status()
        grant = sandbox.state.grant(ADDRESS)
        user_id = store.create_user("bench@applytrack.test")
        mailbox_id = store.connect_mailbox(
            user_id, ADDRESS, tier=Tier.FREE, refresh_token=grant["refresh_token"]
        )
        syncer = build_syncer(settings, store=store, worker="bench")
        units_before = sandbox.state.stats(ADDRESS)["quota_units_used"]
        started = time.perf_counter()
        unrecovered = 0
        try:
            result = syncer.handle(MailboxChanged(mailbox_id, None, "initial"))
            seen = result.messages_seen
        except Exception as exc:  # a 429 that outlived every retry lands here
            print(f"sync failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            unrecovered = 1 if "429" in str(exc) else 0
            seen = 0
        seconds = time.perf_counter() - started
        stats = sandbox.state.stats(ADDRESS)
        units = stats["quota_units_used"] - units_before
        print(
            f"quota: {units} units in {seconds:.1f} s against {QUOTA:.0f} units/s; "
            f"429s answered by the sandbox: {stats['rate_limited']} (each retried)",
            file=sys.stderr,
        )
        print(
            f"messages={seen} seconds={seconds:.1f} quota_used={units / (seconds * QUOTA):.3f} "
            f"unrecovered_429={unrecovered} duplicates={duplicates(store)}"
        )
        store.database.dispose()
    sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
