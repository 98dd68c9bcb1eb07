"""Alembic: the migrated schema matches the models, and upgrade runs from anywhere, twice."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from storage import Database
from storage.database import alembic_config
from storage.models import Base


def _schema_differences(database: Database) -> list:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_the_migrated_schema_matches_the_models(database):
    assert _schema_differences(database) == []


def test_the_comparison_would_notice_a_missing_table(database):
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE sync_runs")
    differences = _schema_differences(database)
    assert any(diff[0] == "add_table" and diff[1].name == "sync_runs" for diff in differences)


def test_upgrade_is_repeatable_and_independent_of_the_working_directory(
    any_database_url, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    database = Database(any_database_url)
    try:
        database.upgrade()
        database.upgrade()
        tables = set(inspect(database.engine).get_table_names())
    finally:
        database.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


@pytest.mark.unit
def test_there_is_a_single_migration_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
