"""Catalog versions: imported whole, the newest in use, dossiers keep theirs."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.catalog import catalog_to_json, load_catalog
from counter_app.domain.lifecycle import Role
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.errors import PermissionDeniedError, ValidationError
from counter_app.kernel.catalog import import_catalog, list_versions
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import SYSTEM_ACTOR, Actor

AN = Person(name="Nguyễn Văn An", id_number="056090012345")


def test_new_version_applies_to_new_dossiers_only(any_ctx, tmp_path) -> None:
    bundled = load_catalog()
    first = intake(any_ctx, IntakeRequest("1.004873", AN), SYSTEM_ACTOR)
    assert first.catalog_version == bundled.version
    document = catalog_to_json(bundled)
    for procedure in document["procedures"]:
        if procedure["code"] == "1.004873":
            procedure["time_limit"]["value"] = 5
    document["catalog_version"] = bundled.version + "-kh1"
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with any_ctx.session() as session:
        import_catalog(session, path, SYSTEM_ACTOR, any_ctx.clock())
    assert any_ctx.reload_catalog().version == bundled.version + "-kh1"
    second = intake(any_ctx, IntakeRequest("1.004873", AN), SYSTEM_ACTOR)
    assert second.catalog_version == bundled.version + "-kh1"
    assert first.due_at == datetime(2026, 3, 5, 17, 0, tzinfo=VN_TZ)  # 3 working days
    assert second.due_at == datetime(2026, 3, 9, 17, 0, tzinfo=VN_TZ)  # 5, over the weekend
    assert get_dossier(any_ctx, first.code).catalog_version == bundled.version
    with any_ctx.session() as session:
        versions = list_versions(session)
    assert [v.version for v in versions] == [bundled.version, bundled.version + "-kh1"]
    assert [v.current for v in versions] == [False, True]


def test_bad_imports_are_refused(ctx, tmp_path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text("{broken", encoding="utf-8")
    with ctx.session() as session, pytest.raises(ValidationError):
        import_catalog(session, path, SYSTEM_ACTOR, ctx.clock())
    path.write_text(json.dumps(catalog_to_json(load_catalog())), encoding="utf-8")
    with ctx.session() as session, pytest.raises(ValidationError, match="đã có"):
        import_catalog(session, path, SYSTEM_ACTOR, ctx.clock())
    clerk = Actor("lan", "Lan", Role.CLERK)
    with ctx.session() as session, pytest.raises(PermissionDeniedError):
        import_catalog(session, path, clerk, ctx.clock())
