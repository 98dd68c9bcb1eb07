"""`Store`: the data-access API every other package uses, one concern per base class."""

from __future__ import annotations

from storage.account_lifecycle import AccountLifecycle
from storage.accounts import Accounts
from storage.api_tokens import ApiTokens
from storage.applications import Applications
from storage.board import Board
from storage.corrections import Corrections
from storage.filter_rules import FilterRules
from storage.follow_ups import FollowUps
from storage.leases import Leases
from storage.plans import Plans
from storage.reviews import Reviews
from storage.schedule_reads import ScheduleReads
from storage.sync_batches import SyncBatches
from storage.sync_runs import SyncRuns


class Store(
    Applications,
    Corrections,
    FilterRules,
    FollowUps,
    Plans,
    ApiTokens,
    AccountLifecycle,
    Accounts,
    Leases,
    SyncBatches,
    SyncRuns,
    ScheduleReads,
    Board,
    Reviews,
):
    """Reads and writes ApplyTrack's data; encrypted fields go in and come out as plaintext.

    Built as ``Store(database, cipher, clock=...)`` (see `StoreCore`); each method is one
    transaction.
    """
