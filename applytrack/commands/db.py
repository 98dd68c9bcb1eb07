"""`applytrack db upgrade` and `applytrack db reencrypt`: the database's schema and its keys."""

from __future__ import annotations

import argparse
import logging
import os

from sqlalchemy.exc import SQLAlchemyError

from applytrack.settings import Settings, SettingsError
from applytrack.wiring import field_cipher, store_from_settings
from storage import Database, StorageError, reencrypt_fields

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``db`` command and its ``upgrade``, ``reencrypt`` and ``find-account``
    subcommands."""
    db_parser = subparsers.add_parser("db", help="manage the database schema and its encryption")
    db_commands = db_parser.add_subparsers(dest="db_command", required=True)
    upgrade_parser = db_commands.add_parser(
        "upgrade", help="run the migrations up to the newest schema"
    )
    upgrade_parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL of the database (default: DATABASE_URL from the environment)",
    )
    upgrade_parser.set_defaults(func=run_upgrade)
    reencrypt_parser = db_commands.add_parser(
        "reencrypt",
        help="re-encrypt every field written with an older key under the active key "
        "(APPLYTRACK_ACTIVE_KEY_ID), so the older key can be retired",
    )
    reencrypt_parser.add_argument(
        "--batch-size", type=int, default=500, help="rows per transaction (default 500)"
    )
    reencrypt_parser.set_defaults(func=run_reencrypt)
    find_parser = db_commands.add_parser(
        "find-account",
        help="print the ids of the account and the Gmail mailbox with this address (addresses "
        "are stored encrypted, so SQL cannot search them)",
    )
    find_parser.add_argument("address", help="an account email or a connected Gmail address")
    find_parser.set_defaults(func=run_find_account)


def run_upgrade(args: argparse.Namespace) -> int:
    """Migrate the database named by ``--database-url`` (or the settings) to the newest schema.

    The keys come from the settings when they are complete: a migration that encrypts stored
    data (0008, on a database with accounts in it) cannot run without them."""
    settings, settings_problem = _settings_from_env()
    url = args.database_url or (settings.database_url if settings is not None else None)
    if not url:
        logger.error("cannot upgrade the database: %s", settings_problem)
        return 2
    try:
        database = Database(url)
    except (SQLAlchemyError, ValueError) as exc:
        logger.error("cannot upgrade the database: the database URL is not usable (%s)", exc)
        return 2
    try:
        database.upgrade(cipher=field_cipher(settings) if settings is not None else None)
    except StorageError as exc:
        logger.error("the database upgrade stopped and was rolled back: %s", exc)
        return 2
    except SQLAlchemyError as exc:
        logger.error("the database upgrade failed and was rolled back: %s", exc)
        return 1
    finally:
        database.dispose()
    logger.info("database schema is up to date")
    return 0


def _settings_from_env() -> tuple[Settings | None, str]:
    """The settings, or None and why they could not be read."""
    try:
        return Settings.from_env(os.environ), ""
    except SettingsError as exc:
        return None, str(exc)


def run_reencrypt(args: argparse.Namespace) -> int:
    """Rewrite every encrypted field that is not under the active key; print how many."""
    if args.batch_size < 1:
        logger.error("--batch-size must be at least 1 (got %s)", args.batch_size)
        return 2
    settings = Settings.from_env(os.environ)
    database = Database(settings.database_url)
    try:
        rewritten = reencrypt_fields(database, field_cipher(settings), batch_size=args.batch_size)
    except SQLAlchemyError as exc:
        logger.error("re-encryption stopped (what was rewritten stays rewritten): %s", exc)
        return 1
    finally:
        database.dispose()
    print(f"re-encrypted {rewritten} field(s) under key {settings.active_key_id!r}")
    return 0


def run_find_account(args: argparse.Namespace) -> int:
    """Print the account and the mailbox found under ``args.address``'s blind index."""
    settings, settings_problem = _settings_from_env()
    if settings is None:
        logger.error("cannot look the address up: %s", settings_problem)
        return 2
    store = store_from_settings(settings)
    try:
        user = store.user_by_email(args.address)
        mailbox = store.mailbox_by_address(args.address)
    except SQLAlchemyError as exc:
        logger.error("cannot look the address up: the database did not answer (%s)", exc)
        return 1
    finally:
        store.database.dispose()
    if user is None and mailbox is None:
        print("no account and no Gmail mailbox has this address")
        return 1
    if user is not None:
        print(f"account {user.id} signs in with this address")
    if mailbox is not None:
        print(f"mailbox {mailbox.id} ({mailbox.state}) of account {mailbox.user_id} is this Gmail")
    return 0
