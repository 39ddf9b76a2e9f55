"""Every module that declares tables on the shared `Base`, imported in one place.

The counter's schema is spread over the areas that own it (sync state, the tracking book's
ledger); migrations' autogenerate and the schema tests need all of them loaded.
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa

from counter_app.store.models import Base

MODEL_MODULES = (
    "counter_app.store.models",
    "counter_app.sync.models",
    "counter_app.documents.ledger",
    "counter_app.store.holidays",
    "counter_app.guidance.models",
)


def counter_metadata() -> sa.MetaData:
    """The metadata with every counter table declared."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base.metadata
