"""Alembic environment: the engine is handed in by `counter_app.store.migrate`."""

from __future__ import annotations

from counter_app.store.migrate import run_migrations
from counter_app.store.registry import counter_metadata

run_migrations(counter_metadata())
