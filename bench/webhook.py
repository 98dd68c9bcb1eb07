"""Webhook throughput: verified Gmail pushes per second, as a share of a bare Flask endpoint.

Both apps run under gunicorn with the same workers and threads and take the same load from
ApacheBench (`ab`, Debian package apache2-utils): N POSTs of a Pub/Sub push body with an
`Authorization: Bearer` OIDC token signed by a local key whose certificate a local server serves.

    python bench/webhook.py [--requests 2000] [--rounds 5] [--concurrency 16] [--workers 2]
                            [--threads 4]

Both servers run at once; the load alternates between them round by round, and the ratio is the
median of the rounds' ratios.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from applytrack.wiring import store_from_settings  # noqa: E402
from sandbox.emulator import free_port, wait_for_port  # noqa: E402
from storage import Tier  # noqa: E402
from tests.receiver.receiver_fakes import (  # noqa: E402
    AUDIENCE,
    ISSUER,
    SERVICE_ACCOUNT,
    CertsServer,
    SigningKey,
)

MAILBOX = "bench.push@gmail.com"


def push_body() -> bytes:
    data = json.dumps({"emailAddress": MAILBOX, "historyId": "18446744073709551000"}).encode()
    return json.dumps(
        {
            "message": {
                "data": base64.b64encode(data).decode(),
                "messageId": "1",
                "publishTime": "2026-11-24T00:00:00Z",
                "attributes": {},
            },
            "subscription": "projects/applytrack-bench/subscriptions/gmail-notifications-push",
        }
    ).encode()


def serve(
    app: str, env: dict[str, str], workers: int, threads: int, log: Path
) -> tuple[subprocess.Popen, int]:
    """gunicorn serving ``app``; its log lines (one per push, as in production) go to ``log``."""
    port = free_port()
    with log.open("ab") as log_file:  # the child keeps its own handle
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                app,
            ],
            cwd=REPO,
            env=env,
            stderr=log_file,
        )
    wait_for_port(port)
    return process, port


def load(port: int, body_file: Path, token: str, requests: int, concurrency: int) -> float:
    output = subprocess.run(
        [
            "ab",
            "-q",
            "-n",
            str(requests),
            "-c",
            str(concurrency),
            "-p",
            str(body_file),
            "-T",
            "application/json",
            "-H",
            f"Authorization: Bearer {token}",
            f"http://127.0.0.1:{port}/pubsub/gmail",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    failed = int(re.search(r"Failed requests:\s+(\d+)", output).group(1))
    non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", output)
    if failed or non_2xx:
        raise SystemExit(f"the load run had failures:\n{output}")
    return float(re.search(r"Requests per second:\s+([\d.]+)", output).group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds (median ratio)")
    args = parser.parse_args()
    if not shutil.which("ab"):
        raise SystemExit("ApacheBench (ab) is needed: apt-get install apache2-utils")

    key = SigningKey.generate("bench-key")
    certs = CertsServer(keys={key.kid: key.certificate_pem}).start()
    now = int(time.time())
    token = key.sign(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "email": SERVICE_ACCOUNT,
            "email_verified": True,
            "iat": now,
            "exp": now + 3600,
            "sub": "1",
        }
    )
    with tempfile.TemporaryDirectory() as state:
        from applytrack.settings import Settings

        settings = Settings.embedded(Path(state))
        store = store_from_settings(settings)
        store.database.upgrade()
        user = store.create_user("bench@applytrack.test")
        store.connect_mailbox(user, MAILBOX, tier=Tier.PREMIUM, refresh_token="unused")
        body_file = Path(state) / "push.json"
        body_file.write_bytes(push_body())
        env = {
            **os.environ,
            "BENCH_STATE_DIR": state,
            "BENCH_AUDIENCE": AUDIENCE,
            "BENCH_SERVICE_ACCOUNT": SERVICE_ACCOUNT,
            "BENCH_CERTS_URL": certs.url,
        }
        servers = {
            name: serve(app, env, args.workers, args.threads, Path(state) / f"{name}.log")
            for name, app in (
                ("bare", "bench.webhook_apps:bare_app()"),
                ("verified", "bench.webhook_apps:verified_app()"),
            )
        }
        try:
            for _, port in servers.values():
                load(port, body_file, token, 200, args.concurrency)  # warm-up
            # Pair by pair, so a change in the machine's load hits both apps alike.
            rounds: dict[str, list[float]] = {name: [] for name in servers}
            for _ in range(args.rounds):
                for name, (_, port) in servers.items():
                    rounds[name].append(
                        load(port, body_file, token, args.requests, args.concurrency)
                    )
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(timeout=30)
    certs.stop()
    pairs = list(zip(rounds["bare"], rounds["verified"], strict=True))
    ratios = [verified / bare for bare, verified in pairs]
    print(
        "per round: "
        + ", ".join(f"{bare:.0f}/{verified:.0f}" for bare, verified in pairs)
        + " req/s (bare/verified)"
    )
    print(
        f"bare_rps={statistics.median(rounds['bare']):.0f} "
        f"verified_rps={statistics.median(rounds['verified']):.0f} "
        f"ratio={statistics.median(ratios):.2f} (median of {args.rounds} paired rounds; "
        f"target >= 0.80; gunicorn {args.workers}x{args.threads}, ab -c {args.concurrency})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
