"""The sync screen shows a record the province refused, with its reason in the clerk's
words and the province's own text (`portal push` against the strict relay on loopback)."""

from __future__ import annotations

from dataclasses import replace

from counter_app.domain.applicants import Person
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.config import PortalProfile
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.sync.portal_push import push_due
from counter_app.sync.service import enroll, run_sync
from tests.portal_relay import CREATE, PROGRESS, UPDATE, running_relay
from tests.sync_support import running_hub
from ui.sync_view import SyncView


def test_a_refused_record_shows_the_provinces_reason(qtbot, ctx, tmp_path) -> None:
    with running_hub(tmp_path / "hub", clock=ctx.clock) as hub, running_relay() as (url, _s):
        enroll(ctx, hub.url, hub.hub.create_enroll_code(ctx.config.office.unit_code))
        # No national field code is published for 2.002481: the record lacks MaLinhVuc.
        code = intake(
            ctx, IntakeRequest("2.002481", Person("Lê Văn Bình", "056090012399")), SYSTEM_ACTOR
        ).code
        assert run_sync(ctx).ok
        profile = replace(
            PortalProfile(),
            transport="relay",
            url=url,
            create_path=CREATE,
            update_path=UPDATE,
            progress_path=PROGRESS,
        )
        ctx.config = replace(ctx.config, portal=profile)
        report = push_due(ctx)
    assert report.refused == [(code, "Thiếu giá trị MaLinhVuc.")]
    view = SyncView(ctx, lambda: SYSTEM_ACTOR)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.table.rowCount() == 1)
    assert view.table.item(0, 0).text() == code
    assert view.table.item(0, 1).text() == "Tỉnh từ chối"
    reason = view.table.item(0, 2).text()
    assert reason.startswith("Tỉnh không nhận hồ sơ: sửa hồ sơ theo lý do")
    assert reason.endswith("Tỉnh ghi: “Thiếu giá trị MaLinhVuc.”")
