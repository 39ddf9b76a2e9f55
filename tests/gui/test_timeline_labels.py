"""The dossier timeline speaks in words: no raw event kind reaches the clerk."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from pytestqt.qtbot import QtBot

from counter_app.demo.generator import DemoOptions, generate_demo
from counter_app.domain.lifecycle import EventKind, Role
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier, record_event
from counter_app.kernel.users import add_user
from counter_app.store.models import Dossier, Event
from ui.detail_view import DossierDetailView, event_text

RAW_KINDS = [kind.value for kind in EventKind]


def _timeline(qtbot: QtBot, view: DossierDetailView, code: str) -> list[str]:
    with qtbot.wait_signal(view.loaded, timeout=10000):
        view.load(code)
    return [view.timeline.item(row).text() for row in range(view.timeline.count())]


def test_demo_dossiers_show_every_kind_in_words(qtbot: QtBot, ctx: AppContext) -> None:
    generate_demo(ctx, DemoOptions(days=3, per_day=12))
    with ctx.session() as session:
        rows = session.execute(
            sa.select(Event.kind, sa.func.min(Dossier.code))
            .join(Dossier, Event.dossier_id == Dossier.id)
            .group_by(Event.kind)
        ).all()
    kinds = {kind for kind, _code in rows}
    assert {"received", "moved", "pages_attached", "note"} <= kinds
    clerk = add_user(ctx, "kiemtra", "demo1234", Role.CLERK, "Người kiểm tra")
    view = DossierDetailView(ctx, clerk)
    qtbot.add_widget(view)
    for kind, code in rows:
        lines = _timeline(qtbot, view, code)
        assert lines
        for line in lines:
            assert not [raw for raw in RAW_KINDS if raw in line], (kind, line)
    pages = [e for _k, c in rows for e in get_dossier(ctx, c).events if e.kind == "pages_attached"]
    added = [e for e in pages if e.data.get("action") == "add"]
    assert added and event_text(added[0]) == f"Đính kèm {len(added[0].data['pages'])} trang"


def test_every_kind_has_a_label_and_data_is_shown(qtbot: QtBot, ctx: AppContext) -> None:
    from counter_app.domain.applicants import Person
    from counter_app.dossiers.service import IntakeRequest, intake

    clerk = add_user(ctx, "tiepnhan1", "demo1234", Role.CLERK, "Nguyễn Thị Mỹ Linh")
    code = intake(
        ctx, IntakeRequest("1.001193", Person("Trần Thị Bích", "056190001234")), clerk
    ).code
    for kind in EventKind:
        assert kind.label and kind.label != kind.value
        if kind not in (EventKind.RECEIVED, EventKind.MOVED):
            record_event(ctx, code, kind, clerk, data={})
    record_event(ctx, code, EventKind.PRINTED, clerk, data={"form": "receipt", "copies": 2})
    record_event(ctx, code, EventKind.HANDED_OVER, clerk, data={"to": "Lê Văn Tư pháp"})
    view = DossierDetailView(ctx, clerk)
    qtbot.add_widget(view)
    lines = _timeline(qtbot, view, code)
    assert len(lines) == len(EventKind) + 2 - 1  # MOVED is not recorded here
    for line in lines:
        assert not [raw for raw in RAW_KINDS if raw in line], line
    assert "Giấy tiếp nhận hồ sơ (Mẫu 01) (2 bản)" in lines[-2]
    assert lines[-1].endswith("Bàn giao cho Lê Văn Tư pháp")
    unknown = get_dossier(ctx, code).events[0]
    assert event_text(replace(unknown, kind="future_kind")) == "future_kind"


def test_the_built_in_account_reads_as_the_system_in_the_timeline(
    qtbot: QtBot, ctx: AppContext
) -> None:
    from counter_app.domain.applicants import Person
    from counter_app.dossiers.service import IntakeRequest, intake
    from counter_app.kernel.users import SYSTEM_ACTOR

    code = intake(
        ctx, IntakeRequest("1.001193", Person("Lê Thị Hoa", "056190004321")), SYSTEM_ACTOR
    ).code
    view = DossierDetailView(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(view)
    lines = _timeline(qtbot, view, code)
    assert lines and all(" · Hệ thống · " in line for line in lines)
    assert not any("system" in line for line in lines)
