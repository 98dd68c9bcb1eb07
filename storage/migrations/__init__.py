"""Alembic migrations for the storage models (run through `storage.Database.upgrade`)."""
