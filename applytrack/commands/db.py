"""`applytrack db upgrade`: bring the database schema up to date."""

from __future__ import annotations

import argparse
import logging
import os

from sqlalchemy.exc import SQLAlchemyError

from applytrack.settings import Settings, SettingsError
from storage import Database

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``db`` command and its ``upgrade`` subcommand."""
    db_parser = subparsers.add_parser("db", help="manage the database schema")
    db_commands = db_parser.add_subparsers(dest="db_command", required=True)
    upgrade_parser = db_commands.add_parser(
        "upgrade", help="run the migrations up to the newest schema"
    )
    upgrade_parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL of the database (default: DATABASE_URL from the environment)",
    )
    upgrade_parser.set_defaults(func=run_upgrade)


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
