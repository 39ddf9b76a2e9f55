"""The desk's filters run in the database; late dossiers are coloured and say so."""

from __future__ import annotations

from datetime import datetime

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QDate, QSize, Qt
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem

from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Role, Status
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor, add_user
from ui import style
from ui.desk_logic import DueFilter
from ui.desk_model import LATE_ROLE, PAGE_SIZE
from ui.desk_view import CODE_COLUMN, DUE_COLUMN, STATUS_COLUMN, DeskView
from ui.fit import CELL_MARGINS, maximised_size
from ui.main_window import DossierDeskPage, MainWindow
from ui.style import colour

PEOPLE = (
    Person(name="Nguyễn Văn Đức", id_number="056090001234", phone="0905111222"),
    Person(name="Lê Thị Hoa", id_number="056190004321"),
    Person(name="Phạm Minh Tâm", id_number="056085007777"),
)


@pytest.fixture
def clerk(ctx: AppContext) -> Actor:
    return add_user(ctx, "tiepnhan1", "demo1234", Role.CLERK)


@pytest.fixture
def codes(ctx: AppContext, clerk: Actor, clock) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Three dossiers received on 2, 3 and 4 March 2026, then the clock on 10 March."""
    made = {}
    for day, person, channel in zip(
        (2, 3, 4), PEOPLE, (Channel.DIRECT, Channel.ONLINE, Channel.DIRECT), strict=True
    ):
        clock.now = datetime(2026, 3, day, 9, 0, tzinfo=VN_TZ)
        made[person.name] = intake(
            ctx, IntakeRequest("1.001193", person, channel=channel), clerk
        ).code
    clock.now = datetime(2026, 3, 4, 10, 0, tzinfo=VN_TZ)
    move(ctx, made["Lê Thị Hoa"], Status.RESOLVED, clerk)
    move(ctx, made["Phạm Minh Tâm"], Status.PROCESSING, clerk, handler="tuphap")
    clock.now = datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ)
    return made


@pytest.fixture
def desk(qtbot: QtBot, ctx: AppContext, clerk: Actor, codes: dict[str, str]) -> DeskView:
    view = DeskView(ctx, clerk)
    qtbot.add_widget(view)
    qtbot.wait_until(lambda: view.model.rowCount() == 3)
    return view


def shown_codes(qtbot: QtBot, desk: DeskView) -> set[str]:
    model = desk.model
    with qtbot.wait_signal(model.count_loaded, timeout=10000):
        desk.apply_filters()
    if model.rowCount() == 0:
        return set()
    model.dossier_at(0)
    qtbot.wait_until(lambda: model.loaded_pages == 1)
    return {model.index(row, 0).data() for row in range(model.rowCount())}


def test_filters(qtbot: QtBot, desk: DeskView, codes: dict[str, str]) -> None:
    assert shown_codes(qtbot, desk) == set(codes.values())
    desk.search.setText("duc")  # folded: finds "Đức"
    assert shown_codes(qtbot, desk) == {codes["Nguyễn Văn Đức"]}
    desk.search.setText("0905111")
    assert shown_codes(qtbot, desk) == {codes["Nguyễn Văn Đức"]}
    desk.search.clear()
    desk.status.setCurrentIndex(desk.status.findData(Status.RESOLVED))
    assert shown_codes(qtbot, desk) == {codes["Lê Thị Hoa"]}
    desk.status.setCurrentIndex(0)
    desk.channel.setCurrentIndex(desk.channel.findData(Channel.ONLINE))
    assert shown_codes(qtbot, desk) == {codes["Lê Thị Hoa"]}
    desk.channel.setCurrentIndex(0)
    desk.handler.setText("tuphap")
    assert shown_codes(qtbot, desk) == {codes["Phạm Minh Tâm"]}
    desk.handler.clear()
    desk.due.setCurrentIndex(desk.due.findData(DueFilter.LATE))
    assert shown_codes(qtbot, desk) == {codes["Nguyễn Văn Đức"], codes["Phạm Minh Tâm"]}
    desk.due.setCurrentIndex(desk.due.findData(DueFilter.TODAY))
    assert shown_codes(qtbot, desk) == set()
    desk.due.setCurrentIndex(0)
    desk.use_dates.setChecked(True)
    desk.date_from.setDate(QDate(2026, 3, 3))
    desk.date_to.setDate(QDate(2026, 3, 3))
    assert shown_codes(qtbot, desk) == {codes["Lê Thị Hoa"]}
    desk.search.setText("!!!")  # nothing searchable: the other filters still apply
    assert shown_codes(qtbot, desk) == {codes["Lê Thị Hoa"]}


def test_due_today_and_tomorrow(
    qtbot: QtBot,
    desk: DeskView,
    ctx: AppContext,
    clerk: Actor,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    clock.now = datetime(2026, 3, 10, 16, 0, tzinfo=VN_TZ)  # after the 15:00 cut-off
    late_afternoon = intake(ctx, IntakeRequest("1.001193", PEOPLE[0]), clerk).code
    desk.due.setCurrentIndex(desk.due.findData(DueFilter.TOMORROW))
    assert shown_codes(qtbot, desk) == {late_afternoon}
    clock.now = datetime(2026, 3, 11, 8, 0, tzinfo=VN_TZ)
    desk.due.setCurrentIndex(desk.due.findData(DueFilter.TODAY))
    assert shown_codes(qtbot, desk) == {late_afternoon}


def test_late_rows_are_coloured_and_say_late(
    qtbot: QtBot, desk: DeskView, codes: dict[str, str]
) -> None:
    model = desk.model
    model.dossier_at(0)
    qtbot.wait_until(lambda: model.loaded_pages == 1)
    by_code = {model.index(row, 0).data(): row for row in range(model.rowCount())}
    late_row = by_code[codes["Nguyễn Văn Đức"]]
    done_row = by_code[codes["Lê Thị Hoa"]]
    assert "Trễ hạn" in model.index(late_row, 6).data()
    brush = model.index(late_row, 0).data(Qt.ItemDataRole.BackgroundRole)
    assert brush.color() == colour(LATE_ROLE)
    assert "Trễ hạn" not in model.index(done_row, 6).data()
    assert model.index(done_row, 0).data(Qt.ItemDataRole.BackgroundRole) is None


def test_model_fetches_pages_not_all_rows(qtbot: QtBot, ctx: AppContext, clerk: Actor) -> None:
    for _ in range(PAGE_SIZE + 5):
        intake(ctx, IntakeRequest("1.001193", PEOPLE[1]), clerk)
    view = DeskView(ctx, clerk)
    qtbot.add_widget(view)
    qtbot.wait_until(lambda: view.model.rowCount() == PAGE_SIZE + 5)
    assert view.model.index(PAGE_SIZE + 2, 0).data() == "…"  # not loaded yet
    qtbot.wait_until(lambda: view.model.loaded_pages >= 1)
    qtbot.wait_until(lambda: view.model.index(PAGE_SIZE + 2, 0).data() != "…")
    assert view.model.index(PAGE_SIZE + 2, 0).data().startswith(ctx.config.office.electronic_id)
    assert view.model.loaded_pages <= 2


def test_enter_searches_at_once_and_goes_to_the_first_row(
    qtbot: QtBot, desk: DeskView, codes: dict[str, str]
) -> None:
    desk.show()
    qtbot.wait_exposed(desk)
    desk.search.setFocus()
    qtbot.keyClicks(desk.search, "Hoa")
    with qtbot.wait_signal(desk.model.count_loaded, timeout=10000):
        qtbot.keyClick(desk.search, Qt.Key.Key_Return)
    assert desk.model.rowCount() == 1
    qtbot.wait_until(lambda: desk.table.hasFocus())
    assert desk.table.currentIndex().row() == 0
    qtbot.wait_until(lambda: desk.model.index(0, 0).data() == codes["Lê Thị Hoa"])
    # Enter on the row opens the dossier, as before.
    with qtbot.wait_signal(desk.dossier_activated, timeout=5000) as opened:
        qtbot.keyClick(desk.table, Qt.Key.Key_Return)
    assert opened.args == [codes["Lê Thị Hoa"]]
    # Nothing found: the search box keeps the focus, to type again.
    desk.search.setFocus()
    desk.search.setText("zzzz")
    with qtbot.wait_signal(desk.model.count_loaded, timeout=10000):
        qtbot.keyClick(desk.search, Qt.Key.Key_Enter)
    assert desk.model.rowCount() == 0
    qtbot.wait(50)
    assert desk.search.hasFocus()


@pytest.mark.parametrize(
    ("screen", "point_size"),
    [((1366, 768), 9), ((1366, 768), 11), ((1366, 768), 13), ((1280, 720), 11), ((1280, 720), 13)],
)
def test_code_due_date_and_status_read_whole_on_a_counter_screen(
    qtbot: QtBot,
    ctx: AppContext,
    clerk: Actor,
    codes: dict[str, str],
    screen: tuple[int, int],
    point_size: int,
) -> None:
    """Beside the dossier's detail, in the window maximised on a 1366×768 screen or a
    1920×1080 one at 150 % (1280×720), at every text size up to 13 pt: the name gives up
    its room first."""
    # The application's style as Cài đặt applies it: its font and paddings are what the
    # clerk sees (without it the statuses fitted here and were cut on the screen).
    with style.applied_style(QApplication.instance(), point_size, style.LIGHT):  # type: ignore[arg-type]
        _check_desk_fits(qtbot, ctx, clerk, codes, screen)


def _check_desk_fits(
    qtbot: QtBot,
    ctx: AppContext,
    clerk: Actor,
    codes: dict[str, str],
    screen: tuple[int, int],
) -> None:
    window = MainWindow(ctx, clerk)
    qtbot.add_widget(window)
    window.resize(maximised_size(QSize(*screen)))
    window.show()
    window.show_page("dossiers")
    qtbot.wait_exposed(window)
    page = window.pages["dossiers"]
    assert isinstance(page, DossierDeskPage)
    table = page.desk.table
    qtbot.wait_until(lambda: page.desk.model.rowCount() == 3)
    page.desk.model.dossier_at(0)
    qtbot.wait_until(lambda: table.model().index(0, 0).data() in codes.values())
    header = table.horizontalHeader()
    metrics = table.fontMetrics()
    # The code's distinguishing tail at least ("…-260302-0001"), the whole in the tooltip.
    tail = "…" + str(table.model().index(0, CODE_COLUMN).data())[-12:]
    assert table.columnWidth(CODE_COLUMN) >= metrics.horizontalAdvance(tail) + CELL_MARGINS
    assert header.visualIndex(DUE_COLUMN) == 2
    right = header.sectionViewportPosition(DUE_COLUMN) + header.sectionSize(DUE_COLUMN)
    assert 0 < right <= table.viewport().width()
    # As shown: a due date this year without its year (the status beside it reads whole).
    shown = []
    for row in range(3):
        option = QStyleOptionViewItem()
        table.itemDelegate().initStyleOption(option, table.model().index(row, DUE_COLUMN))  # type: ignore[attr-defined]
        shown.append(option.text)
    due = max(shown, key=metrics.horizontalAdvance)
    assert header.sectionSize(DUE_COLUMN) >= metrics.horizontalAdvance(due) + 2 * CELL_MARGINS
    # The status, right of the due date, is inside the visible part too, wide enough for
    # "Đang xử lý".
    assert header.visualIndex(STATUS_COLUMN) == 3
    status_right = header.sectionViewportPosition(STATUS_COLUMN) + header.sectionSize(STATUS_COLUMN)
    assert 0 < status_right <= table.viewport().width()
    # Every usual status reads whole in its chip, in the font the table has once shown.
    for label in ("Đang xử lý", "Đã có kết quả", "Đã trả kết quả", "Chờ bổ sung"):
        needed = metrics.horizontalAdvance(label) + 2 * CELL_MARGINS
        assert header.sectionSize(STATUS_COLUMN) >= needed, label


def test_a_narrowed_code_column_keeps_the_codes_tail(qtbot: QtBot, desk: DeskView) -> None:
    delegate = desk.table.itemDelegate()
    option = QStyleOptionViewItem()
    delegate.initStyleOption(option, desk.model.index(0, CODE_COLUMN))  # type: ignore[attr-defined]
    assert option.textElideMode == Qt.TextElideMode.ElideLeft  # "…-260302-0001"
    name = QStyleOptionViewItem()
    name.textElideMode = Qt.TextElideMode.ElideRight  # the view's own mode
    delegate.initStyleOption(name, desk.model.index(0, 1))  # type: ignore[attr-defined]
    assert name.textElideMode == Qt.TextElideMode.ElideRight
