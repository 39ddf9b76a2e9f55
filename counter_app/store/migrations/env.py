"""Alembic environment: the engine is handed in by `counter_app.store.migrate`."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from counter_app.store.registry import counter_metadata

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, sa.Engine):
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no engine or sqlalchemy.url given to the migrations")
    engine = sa.create_engine(url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=counter_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    if connection.in_transaction():
        connection.commit()
