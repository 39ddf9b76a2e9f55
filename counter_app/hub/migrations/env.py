"""Alembic environment of the hub: the engine is handed in by `HUB_MIGRATIONS`."""

from __future__ import annotations

from counter_app.hub.models import HUB_MIGRATIONS, HubBase, is_hub_name
from counter_app.store.migrate import run_migrations

run_migrations(HubBase.metadata, HUB_MIGRATIONS.version_table, include_name=is_hub_name)
