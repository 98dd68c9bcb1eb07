"""`Plans`: whether an account is Free or Premium. The operator sets it (there is no payment
flow); Advanced Filters, Email Templates and the deeper scan are Premium."""

from __future__ import annotations

from enum import StrEnum

from storage.core import StoreCore
from storage.errors import NotFound
from storage.models import User


class Plan(StrEnum):
    """An account's plan."""

    FREE = "free"
    PREMIUM = "premium"


class Plans(StoreCore):
    """Read and set an account's plan."""

    def plan_of(self, user_id: int) -> Plan:
        """The account's plan (raises `NotFound` for an unknown account)."""
        with self._db.session(read_only=True) as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound(f"There is no account with id {user_id}.")
            return Plan(user.plan)

    def set_plan(self, user_id: int, plan: Plan) -> None:
        """Put the account on ``plan`` (raises `NotFound` for an unknown account)."""
        with self._db.session() as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound(f"There is no account with id {user_id}.")
            user.plan = Plan(plan).value
