"""`applytrack user set-plan EMAIL premium|free`: the operator puts an account on a plan.

The account is found by its email's blind index (addresses are encrypted at rest); there is no
payment flow, so this command is how an account becomes Premium.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from sqlalchemy.exc import SQLAlchemyError

from applytrack.settings import Settings
from applytrack.wiring import store_from_settings
from storage import Plan

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``user`` command and its ``set-plan`` subcommand."""
    parser = subparsers.add_parser("user", help="manage an account")
    commands = parser.add_subparsers(dest="user_command", required=True)
    set_plan = commands.add_parser("set-plan", help="put an account on the Free or Premium plan")
    set_plan.add_argument("email", help="the account's email address")
    set_plan.add_argument("plan", choices=[plan.value for plan in Plan], help="the new plan")
    set_plan.set_defaults(func=run_set_plan)


def run_set_plan(args: argparse.Namespace) -> int:
    """Set the plan of the account with ``args.email``; 1 when there is no such account."""
    store = store_from_settings(Settings.from_env(os.environ))
    try:
        user = store.user_by_email(args.email)
        if user is None:
            print(f"applytrack: there is no account with the email {args.email}.", file=sys.stderr)
            return 1
        store.set_plan(user.id, Plan(args.plan))
    except SQLAlchemyError as exc:
        logger.error("cannot set the plan: %s", exc)
        return 1
    finally:
        store.database.dispose()
    print(f"account {user.id} ({user.email}) is now on the {Plan(args.plan).value} plan")
    return 0
