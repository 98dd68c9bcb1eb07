"""`applytrack db upgrade` and `applytrack db reencrypt`: the database's schema and its keys."""

from __future__ import annotations

import argparse
import logging
import os

from sqlalchemy.exc import SQLAlchemyError

from applytrack.settings import Settings, SettingsError
from applytrack.wiring import field_cipher
from storage import Database, reencrypt_fields

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``db`` command and its ``upgrade`` and ``reencrypt`` subcommands."""
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


def run_upgrade(args: argparse.Namespace) -> int:
    """Migrate the database named by ``--database-url`` (or the settings) to the newest schema."""
    url = args.database_url
    if not url:
        try:
            url = Settings.from_env(os.environ).database_url
        except SettingsError as exc:
            logger.error("cannot upgrade the database: %s", exc)
            return 2
    try:
        database = Database(url)
    except (SQLAlchemyError, ValueError) as exc:
        logger.error("cannot upgrade the database: the database URL is not usable (%s)", exc)
        return 2
    try:
        database.upgrade()
    except SQLAlchemyError as exc:
        logger.error("the database upgrade failed and was rolled back: %s", exc)
        return 1
    finally:
        database.dispose()
    logger.info("database schema is up to date")
    return 0


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
