"""Scale per worker: push-syncs per second with 10,000 mailboxes in PostgreSQL, against the bare
Gmail round trips those syncs need, measured side by side in one run.

10,000 mailboxes are connected (premium, watch live, cursor set) in a fresh PostgreSQL schema.
A burst of pushes is spread over 1,000 of them, each with one or two new messages in the sandbox
(every mailbox is a Gmail user of its own there, so the per-user quota never binds), published
onto the internal topic of Google's Pub/Sub emulator and drained by real `applytrack worker`
processes: first one worker, then (after a fresh burst) two. Beside them, the bare round trips
the same 1,000 syncs need — a token refresh, history.list and messages.get through our Gmail
client, as many at a time as a worker pulls (4), no database, no classifier, no queue — measured
just before the one worker's drain and again just after it; the ratio takes their mean.

    python bench/scale.py [--mailboxes 10000] [--pushed 1000] [--database-url URL]

Ends with one line:
    mailboxes=N pushed=P bare_syncs_per_second=B one_worker_syncs_per_second=W1
    two_workers_syncs_per_second=W2 worker_peak_rss_mb=M worker_own_mb=O
    one_worker_cpu_ms_per_sync=C one_worker_machine_busy_cores=K ratio=W1/B

M is a worker's peak resident set (shared libraries' pages included, as many as the page cache
held then); O the most resident memory of its own a worker had after its drain (RssAnon: what
each more worker on the machine adds). C is the one worker's CPU time (user + system, all its
threads) over its drain, per push-sync: most of it is Python, which runs one thread at a time in
a process, so it is what more messages in flight cannot hide. K is how many of the machine's
cores were busy over the one worker's drain, whoever's (the worker, the Gmail sandbox in this
process, PostgreSQL, the emulator): near the core count, the machine, not the worker, sets the
pace; a line on stderr per drain says whose they were.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text, update

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.burst import (  # noqa: E402
    handled,
    publish_all,
    start_workers,
    stop_workers,
    wait_for,
)
from messaging import MailboxChanged  # noqa: E402
from storage import Tier  # noqa: E402

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
SQLALCHEMY_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WORKER_PULLS_AT_ONCE = 4  # `PubSubSubscriber`'s flow control: messages a worker holds at once
EMAIL = {
    "from": "Greenhouse <no-reply@greenhouse.io>",
    "subject": "Interview invitation: Data Engineer at Northwind Traders",
    "body": "We would like to invite you to an interview for the Data Engineer role.",
}


class Schema:
    """A PostgreSQL schema of the bench's own, dropped at the end."""

    def __init__(self) -> None:
        self.name = f"bench_scale_{uuid.uuid4().hex[:12]}"

    def __enter__(self) -> str:
        import psycopg

        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{self.name}"')
        return f"{SQLALCHEMY_URL}?options=-csearch_path%3D{self.name}"

    def __exit__(self, *exc: object) -> None:
        import psycopg

        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{self.name}" CASCADE')


def connect_mailboxes(store, gmail, count: int, pushed: int) -> list[tuple[int, str, str]]:
    """``count`` connected mailboxes; the first ``pushed`` have a sandbox grant and a message.
    Returns (mailbox id, address, refresh token) of the pushed ones."""

    def connect(n: int) -> tuple[int, str, str]:
        address = f"scale.{n}@gmail.com"
        token = "unused"
        if n < pushed:
            gmail.state.deliver(address, {**EMAIL, "to": address})
            token = gmail.state.grant(address)["refresh_token"]
        user_id = store.create_user(f"scale.{n}@applytrack.test")
        mailbox_id = store.connect_mailbox(user_id, address, tier=Tier.PREMIUM, refresh_token=token)
        return mailbox_id, address, token

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(connect, range(count)))[:pushed]


def set_cursors(store, gmail, mailboxes: list[tuple[int, str, str]]) -> dict[int, int]:
    """Every pushed mailbox as if synced up to now with a live watch; returns the cursors."""
    from storage.models import Mailbox

    cursors = {m: int(gmail.state.profile(a)["historyId"]) for m, a, _ in mailboxes}
    watch_until = datetime.now(UTC) + timedelta(days=6)
    with store.database.engine.begin() as connection:
        connection.execute(update(Mailbox).values(watch_expiration=watch_until))
        for mailbox_id, cursor in cursors.items():
            connection.execute(
                update(Mailbox).where(Mailbox.id == mailbox_id).values(history_cursor=cursor)
            )
    return cursors


def deliver_burst(gmail, mailboxes: list[tuple[int, str, str]], rng: random.Random) -> list:
    """One or two new messages per mailbox; a push for each, shuffled."""
    pushes = []
    for mailbox_id, address, _ in mailboxes:
        for _ in range(rng.choice((1, 2))):
            history_id = int(gmail.state.deliver(address, {**EMAIL, "to": address})["historyId"])
            pushes.append(MailboxChanged(mailbox_id, history_id, "push"))
    rng.shuffle(pushes)
    return pushes


def synced_counter(store, wanted: dict[int, int]) -> Callable[[], int]:
    """How many mailboxes' cursors reached what their pushes announced: one small query with
    two array parameters, both built once, so that polling it every 50 ms takes next to nothing
    from the machine the workers run on."""
    from storage.column_types import format_history_id
    from storage.models import Mailbox

    query = text(
        f"SELECT count(*) FROM {Mailbox.__tablename__} AS m"
        " JOIN unnest(CAST(:ids AS integer[]), CAST(:cursors AS text[])) AS a(id, cursor)"
        " ON a.id = m.id WHERE m.history_cursor >= a.cursor"
    )
    parameters = {"ids": list(wanted), "cursors": [format_history_id(h) for h in wanted.values()]}

    def count() -> int:
        with store.database.engine.connect() as connection:
            return int(connection.execute(query, parameters).scalar() or 0)

    return count


def sync_run_count(store) -> int:
    from storage.models import SyncRun

    with store.database.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(SyncRun)).scalar() or 0)


def bare_round_trips(settings, mailboxes, cursors: dict[int, int]) -> float:
    """The Gmail round trips of one push-sync per mailbox, 4 at a time: syncs per second."""
    from applytrack.worker_wiring import mailbox_connector, sync_policy
    from processors.quota import MailboxQuota

    open_mailbox = mailbox_connector(settings)  # a fresh credentials cache, as a new worker has
    quota = sync_policy(settings, worker="bare").quota

    def sync(mailbox: tuple[int, str, str]) -> int:
        mailbox_id, _, token = mailbox
        gmail = open_mailbox(mailbox_id, token, MailboxQuota(quota))
        delta = gmail.history_since(cursors[mailbox_id])
        return len(gmail.get_metadata_batch(ref.id for ref in delta.messages))

    started, cpu, machine = time.perf_counter(), time.process_time(), machine_cpu_seconds()
    with ThreadPoolExecutor(WORKER_PULLS_AT_ONCE) as pool:
        fetched = sum(pool.map(sync, mailboxes))
    seconds = time.perf_counter() - started
    print(
        f"bare round trips: {len(mailboxes) / seconds:.1f} syncs/s, the client and the sandbox "
        f"{(time.process_time() - cpu) * 1000 / len(mailboxes):.1f} ms of CPU a sync, the "
        f"machine busy {(machine_cpu_seconds() - machine) / seconds:.2f} cores",
        file=sys.stderr,
    )
    if fetched < len(mailboxes):
        raise SystemExit(f"the bare round trips found {fetched} messages for {len(mailboxes)}")
    return len(mailboxes) / seconds


def status_mb(pid: int, field: str) -> float:
    """A memory figure of the process from /proc/PID/status, in MB: ``VmHWM``, its peak resident
    set, or ``RssAnon``, the resident memory of its own (the rest of its resident set is shared
    libraries' pages, which the page cache may or may not hold at the time)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """The user + system CPU time the process has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def command_cpu_seconds(command: str) -> float:
    """The CPU time the running processes named ``command`` (/proc/PID/comm) have used so far."""
    total = 0.0
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == command:
                total += cpu_seconds(int(comm.parent.name))
        except (FileNotFoundError, ProcessLookupError):
            continue  # a process that ended meanwhile
    return total


def machine_cpu_seconds() -> float:
    """The CPU time every process on the machine has used so far (/proc/stat: all but idle and
    waiting for I/O)."""
    fields = [int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Drain:
    """One burst drained: its time and syncs, a worker's memory, and where the CPU went."""

    seconds: float
    syncs: int
    peak_rss_mb: float
    own_mb: float  # the most a worker had of its own after the drain
    worker_cpu: float  # the workers' CPU seconds over the drain
    sandbox_cpu: float  # this process's: the Gmail sandbox serving them, and the polling
    postgres_cpu: float  # PostgreSQL's processes'
    emulator_cpu: float  # the Pub/Sub emulator's (a Java process)
    machine_cpu: float  # every process's on the machine

    def cores(self, cpu: float) -> float:
        """``cpu`` seconds over the drain as busy cores."""
        return cpu / self.seconds


def drain(settings, store, pushes: list, workers: int, state: Path) -> Drain:
    """Burst ``pushes`` at ``workers`` worker processes, ready (classifier loaded, metrics up)."""
    from tests.sync_testkit import process_env

    wanted: dict[int, int] = {}
    for push in pushes:
        wanted[push.mailbox_id] = max(wanted.get(push.mailbox_id, 0), push.history_id)
    synced = synced_counter(store, wanted)
    processes, ports = start_workers(workers, process_env(settings), state)
    try:
        runs_before = sync_run_count(store)
        cpu_before = sum(cpu_seconds(process.pid) for process in processes)
        sandbox_before, machine_before = time.process_time(), machine_cpu_seconds()
        postgres_before, emulator_before = (
            command_cpu_seconds("postgres"),
            command_cpu_seconds("java"),
        )
        started = time.monotonic()
        publish_all(settings.pubsub.project, settings.pubsub.internal_topic, pushes)
        wait_for(
            lambda: synced() == len(wanted) and handled(ports) >= len(pushes),
            what=f"the burst to drain with {workers} worker(s)",
            timeout=900,
        )
        result = Drain(
            seconds=time.monotonic() - started,
            syncs=sync_run_count(store) - runs_before,
            peak_rss_mb=max(status_mb(process.pid, "VmHWM") for process in processes),
            own_mb=max(status_mb(process.pid, "RssAnon") for process in processes),
            worker_cpu=sum(cpu_seconds(process.pid) for process in processes) - cpu_before,
            sandbox_cpu=time.process_time() - sandbox_before,
            postgres_cpu=command_cpu_seconds("postgres") - postgres_before,
            emulator_cpu=command_cpu_seconds("java") - emulator_before,
            machine_cpu=machine_cpu_seconds() - machine_before,
        )
    finally:
        stop_workers(processes)
    return result


def run(args: argparse.Namespace, state: Path, database_url: str) -> str:
    from applytrack.settings import Settings
    from applytrack.wiring import store_from_settings
    from messaging.admin import PubSubNames, bootstrap_pubsub
    from sandbox import SandboxServer

    rng = random.Random(15)
    with SandboxServer(quota_units_per_second=250.0) as gmail:
        settings = Settings.embedded(
            state,
            queue_backend="pubsub",
            pubsub=PubSubNames(project=f"applytrack-scale-{int(time.time())}"),
            gmail_api_endpoint=gmail.url,
            oauth_token_uri=f"{gmail.url}/token",
            gmail_quota_units_per_second=250.0,
            database_url=database_url,
            demo=False,
        )
        store = store_from_settings(settings)
        store.database.upgrade()
        bootstrap_pubsub(settings.pubsub)
        started = time.monotonic()
        mailboxes = connect_mailboxes(store, gmail, args.mailboxes, args.pushed)
        cursors = set_cursors(store, gmail, mailboxes)
        print(
            f"{args.mailboxes} mailboxes set up in {time.monotonic() - started:.0f} s",
            file=sys.stderr,
        )
        first_burst = deliver_burst(gmail, mailboxes, rng)
        # The bare side is read only, so it is measured on both sides of the one worker's
        # drain: the ratio's two terms then share the machine's moment (a drift in its speed
        # between the two had moved single runs' ratios by a third).
        bare_before = bare_round_trips(settings, mailboxes, cursors)
        one_worker = drain(settings, store, first_burst, 1, state)
        bare_after = bare_round_trips(settings, mailboxes, cursors)
        bare = (bare_before + bare_after) / 2
        second_burst = deliver_burst(gmail, mailboxes, rng)
        two_workers = drain(settings, store, second_burst, 2, state)
        store.database.dispose()
    one = one_worker.syncs / one_worker.seconds
    two = two_workers.syncs / two_workers.seconds
    print(
        f"one worker: {len(first_burst)} pushes, {one_worker.syncs} syncs in "
        f"{one_worker.seconds:.1f} s; two workers: {len(second_burst)} pushes, "
        f"{two_workers.syncs} syncs in {two_workers.seconds:.1f} s; bare {bare_before:.1f} "
        f"syncs/s before the one worker, {bare_after:.1f} after",
        file=sys.stderr,
    )
    for name, burst in (("one worker's drain", one_worker), ("two workers' drain", two_workers)):
        print(where_the_cpu_went(name, burst), file=sys.stderr)
    return (
        f"mailboxes={args.mailboxes} pushed={args.pushed} bare_syncs_per_second={bare:.1f} "
        f"one_worker_syncs_per_second={one:.1f} two_workers_syncs_per_second={two:.1f} "
        f"worker_peak_rss_mb={max(one_worker.peak_rss_mb, two_workers.peak_rss_mb):.0f} "
        f"worker_own_mb={max(one_worker.own_mb, two_workers.own_mb):.0f} "
        f"one_worker_cpu_ms_per_sync={one_worker.worker_cpu * 1000 / one_worker.syncs:.1f} "
        f"one_worker_machine_busy_cores={one_worker.cores(one_worker.machine_cpu):.2f} "
        f"ratio={one / bare:.2f}"
    )


def where_the_cpu_went(name: str, burst: Drain) -> str:
    """The machine's busy cores over a drain, and whose they were."""
    named = (burst.worker_cpu, burst.sandbox_cpu, burst.postgres_cpu, burst.emulator_cpu)
    rest = burst.machine_cpu - sum(named)
    return (
        f"{name}: the machine busy {burst.cores(burst.machine_cpu):.2f} of "
        f"{os.cpu_count()} cores — worker(s) {burst.cores(burst.worker_cpu):.2f}, the Gmail "
        f"sandbox {burst.cores(burst.sandbox_cpu):.2f}, PostgreSQL "
        f"{burst.cores(burst.postgres_cpu):.2f}, the Pub/Sub emulator "
        f"{burst.cores(burst.emulator_cpu):.2f}, the rest {burst.cores(rest):.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailboxes", type=int, default=10_000)
    parser.add_argument("--pushed", type=int, default=1_000, help="mailboxes the burst reaches")
    parser.add_argument("--database-url", default=None, help="default: a fresh PostgreSQL schema")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from sandbox.emulator import PubSubEmulator

    with PubSubEmulator() as emulator, tempfile.TemporaryDirectory() as state:
        os.environ["PUBSUB_EMULATOR_HOST"] = emulator.host
        if args.database_url:
            print(run(args, Path(state), args.database_url))
        else:
            with Schema() as database_url:
                print(run(args, Path(state), database_url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
