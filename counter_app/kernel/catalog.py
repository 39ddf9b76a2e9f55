"""The procedure catalog in use: versioned in the database, the bundled one as the first.

An admin imports a corrected or newer catalog (`counter-app catalog import FILE`); each
version is kept whole, and a dossier records the version it was received under, so a later
change of time limit never rewrites history.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.catalog import (
    Catalog,
    catalog_from_json,
    catalog_to_json,
    is_codes_document,
    load_catalog,
    with_codes,
)
from counter_app.domain.lifecycle import Role
from counter_app.errors import ValidationError
from counter_app.files import read_json_input
from counter_app.i18n import _
from counter_app.kernel.admin_log import CATALOG, record_change
from counter_app.kernel.users import SYSTEM_ACTOR, Actor
from counter_app.store.dialects import insert_for
from counter_app.store.models import CatalogVersion

MAX_CATALOG_BYTES = 20 * 1024 * 1024
CODES_SUFFIX = "+ma."
"""A version made by importing national codes: `<version>+ma.<digest of the codes file>`."""


@dataclass(frozen=True)
class CatalogVersionInfo:
    version: str
    published: date
    procedures: int
    current: bool


def _store(session: Session, catalog: Catalog, now: datetime, actor: Actor = SYSTEM_ACTOR) -> None:
    # Insert-or-ignore: two counters opening a fresh shared database store it once.
    stored = session.execute(
        insert_for(session)(CatalogVersion)
        .values(
            version=catalog.version,
            published=catalog.published,
            imported_at=now,
            document=catalog_to_json(catalog),
        )
        .on_conflict_do_nothing(index_elements=["version"])
    )
    if stored.rowcount:  # type: ignore[attr-defined]
        record_change(
            session,
            kind="catalog.import",
            actor=actor.login,
            actor_role=actor.role.value,
            at=now,
            groups={CATALOG},
            data={"version": catalog.version},
        )


def current_catalog(session: Session, now: datetime) -> Catalog:
    """The newest imported version; on a fresh database, the bundled one (stored first)."""
    row = session.execute(
        sa.select(CatalogVersion)
        .order_by(CatalogVersion.imported_at.desc(), CatalogVersion.id.desc())
        .limit(1)
    ).scalar()
    if row is not None:
        return catalog_from_json(row.document)
    bundled = load_catalog()
    _store(session, bundled, now)
    return bundled


def newest_version(session: Session) -> str | None:
    """The version `current_catalog` would load, without loading it (None: none stored)."""
    return session.execute(
        sa.select(CatalogVersion.version)
        .order_by(CatalogVersion.imported_at.desc(), CatalogVersion.id.desc())
        .limit(1)
    ).scalar()


def import_catalog(session: Session, path: Path, actor: Actor, now: datetime) -> Catalog:
    actor.require(Role.ADMIN)
    document = read_json_input(path, max_bytes=MAX_CATALOG_BYTES, what=_("danh mục"))
    current = current_catalog(session, now)  # the bundled version is kept as the first
    if is_codes_document(document):
        # National codes (procedure-codes.json): a new version, the current one with them.
        digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
        base = current.version.split(CODES_SUFFIX, 1)[0]
        catalog = with_codes(current, document, version=f"{base}{CODES_SUFFIX}{digest[:8]}")
    else:
        catalog = catalog_from_json(document)
    exists = session.execute(
        sa.select(CatalogVersion.id).where(CatalogVersion.version == catalog.version)
    ).first()
    if exists:
        raise ValidationError(
            _("Phiên bản danh mục {version} đã có; đặt số phiên bản mới.").format(
                version=catalog.version
            )
        )
    _store(session, catalog, now, actor)
    return catalog


def list_versions(session: Session) -> list[CatalogVersionInfo]:
    rows = (
        session.execute(
            sa.select(CatalogVersion).order_by(CatalogVersion.imported_at, CatalogVersion.id)
        )
        .scalars()
        .all()
    )
    return [
        CatalogVersionInfo(
            row.version,
            row.published,
            len(row.document.get("procedures", [])),
            index == len(rows) - 1,
        )
        for index, row in enumerate(rows)
    ]


def merge_codes(session: Session, document: object, actor: Actor, now: datetime) -> Catalog | None:
    """The national codes of `document` (procedure-codes.json's layout) merged into the
    current catalog as a new version, as `import_catalog` does with a codes file; None
    when they change nothing (no new version is stored)."""
    current = current_catalog(session, now)
    digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
    base = current.version.split(CODES_SUFFIX, 1)[0]
    merged = with_codes(current, document, version=f"{base}{CODES_SUFFIX}{digest[:8]}")
    if merged.procedures == current.procedures:
        return None
    exists = session.execute(
        sa.select(CatalogVersion.id).where(CatalogVersion.version == merged.version)
    ).first()
    if exists:
        return None
    _store(session, merged, now, actor)
    return merged
