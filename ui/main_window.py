"""The main window: navigation on the left, the registered pages, a status bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QFont, QFontMetrics, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.lifecycle import Status
from counter_app.errors import CounterError
from counter_app.i18n import N_, _
from counter_app.kernel.calendar import RECHECK_INTERVAL
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor
from counter_app.reports.online import TargetProgress, format_percent, target_progress
from ui.backup_status import BackupBanner, BackupStatus
from ui.bus import Changes, bus
from ui.desk_logic import DeskQuery, TodayCounts, today_counts
from ui.fit import EllipsisLabel, fit_to_screen, scrollable, wrapping_list
from ui.icons import PAGE_ICONS, icon, page_icon
from ui.pages import Page, load_plugins, register_page, registered_pages
from ui.settings import UiSettings, apply_appearance
from ui.style import SPACE, TypeScale, colour, set_role, set_tone, tone_colours
from ui.sync_status import ElidedLabel, SyncStatus
from ui.sync_words import PAGE_TITLE, SEND_SHORTCUT
from ui.tasks import Op, Periodic, TaskRunner

if TYPE_CHECKING:  # the desk and the detail load with the first page that shows them
    from ui.desk_view import DeskView
    from ui.detail_view import DossierDetailView

COUNTS_REFRESH_MS = 60_000
# The screens' catalog and calendar (`AppContext.reference`) are read again this often:
# another counter's holiday change, or a catalog imported meanwhile, shows within it.
REFERENCE_REFRESH_SECONDS = RECHECK_INTERVAL.total_seconds()
SHORTCUT_ROLE = Qt.ItemDataRole.UserRole + 1
"""A navigation item's shortcut ("Ctrl+2")."""
COUNT_ROLE = Qt.ItemDataRole.UserRole + 2
"""A navigation item's count badge: (number, tone, words) or None."""
NAV_ICON = 20
AnyIndex = QModelIndex | QPersistentModelIndex


def online_status_text(progress: TargetProgress) -> str:
    """Today's online share against the office's target; below it says so with a ▼ sign,
    not by colour alone."""
    share = None if progress.today.share is None else progress.today.share * 100
    target = progress.target
    if target is None:
        return _("Trực tuyến hôm nay {share} (chưa đặt mục tiêu)").format(
            share=format_percent(share)
        )
    text = _("Trực tuyến hôm nay {share} / mục tiêu {target}").format(
        share=format_percent(share), target=format_percent(target * 100)
    )
    return "▼ " + text + " " + _("(dưới mục tiêu)") if progress.below_target else text


def online_status_tooltip(progress: TargetProgress) -> str:
    month, year = progress.month.share, progress.year.share
    text = _("Tỷ lệ nộp trực tuyến: tháng này {month}, năm nay {year}.").format(
        month=format_percent(None if month is None else month * 100),
        year=format_percent(None if year is None else year * 100),
    )
    if progress.target is not None and not progress.target_confirmed:
        text += " " + _(
            "Mục tiêu là giá trị mặc định chưa xác nhận; quản trị viên đặt lại trong Cài đặt, "
            "mục “Chỉ tiêu nộp trực tuyến”."
        )
    return text


class PlaceholderPage(QWidget):
    """A page whose screen is built by another issue and has not plugged in yet."""

    def __init__(self, title: str) -> None:
        super().__init__()
        label = QLabel(_("Màn hình “{title}” chưa có trong phiên bản này.").format(title=title))
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        set_role(label, "empty")
        QVBoxLayout(self).addWidget(label)


def intake_page(ctx: AppContext, actor: Actor) -> QWidget:
    """Intake; each logged dossier opens its receipt's print preview after the fee step."""
    from ui.intake_view import IntakeView

    view = IntakeView(ctx, actor)
    view.intake_finished.connect(lambda code: _open_print_preview(view, ctx, actor, code))
    return view


def _open_print_preview(view: QWidget, ctx: AppContext, actor: Actor, code: str) -> None:
    from ui.detail_view import open_print_preview

    open_print_preview(view, ctx, actor, code)


def register_builtin_pages() -> None:
    """The pages of this issue; plugins registered later replace placeholders by key."""
    register_page("intake", N_("Tiếp nhận"), intake_page, order=10)
    register_page("dossiers", N_("Hồ sơ"), lambda c, a: DossierDeskPage(c, a), order=20)
    register_page(
        "returns",
        N_("Trả kết quả"),
        lambda c, a: DossierDeskPage(c, a, DeskQuery(status=Status.RESOLVED)),
        order=30,
    )
    register_page("reports", N_("Báo cáo"), lambda c, a: PlaceholderPage(_("Báo cáo")), order=40)
    try:
        from ui.sync_view import SyncView

        register_page("sync", PAGE_TITLE, lambda c, a: SyncView(c, lambda: a), order=50)
    except ImportError:
        register_page("sync", PAGE_TITLE, lambda c, a: PlaceholderPage(_(PAGE_TITLE)), order=50)
    from ui.settings_view import SettingsView

    register_page("settings", N_("Cài đặt"), lambda c, a: SettingsView(c, a), order=90)


class LazyPages(Mapping[str, QWidget]):
    """The window's pages by key, each built the first time it is shown or looked up: the
    window opens with its first page only, and a page never visited costs nothing.

    Each page has a host in the stack from the start; its widget, in a scroll area (it
    scrolls above 13 pt, never overflows), goes into the host when built."""

    def __init__(self, build: Callable[[Page], QWidget]) -> None:
        self._build = build
        self._entries: dict[str, tuple[Page, QWidget]] = {}
        self._built: dict[str, QWidget] = {}

    def add(self, page: Page) -> QWidget:
        """A host for `page` (empty until the page is built)."""
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        self._entries[page.key] = (page, host)
        return host

    def clear(self) -> None:
        self._entries.clear()
        self._built.clear()

    def is_built(self, key: str) -> bool:
        return key in self._built

    def __getitem__(self, key: str) -> QWidget:
        if key not in self._built:
            page, host = self._entries[key]
            widget = self._build(page)
            self._built[key] = widget
            host_layout = host.layout()
            assert host_layout is not None  # made in `add`
            host_layout.addWidget(scrollable(widget))
        return self._built[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


class DossierDeskPage(QWidget):
    """The desk and, beside it, the detail of the opened dossier."""

    def __init__(self, ctx: AppContext, actor: Actor, preset: DeskQuery | None = None) -> None:
        super().__init__()
        from ui.desk_view import DeskView
        from ui.detail_view import DossierDetailView

        self.desk: DeskView = DeskView(ctx, actor, preset=preset)
        self.detail: DossierDetailView = DossierDetailView(ctx, actor)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.desk)
        # The detail scrolls on its own when its actions and lists need more height.
        splitter.addWidget(scrollable(self.detail, horizontal=False))
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([620, 480])
        self.splitter = splitter
        splitter.installEventFilter(self)
        QVBoxLayout(self).addWidget(splitter)
        self.desk.dossier_activated.connect(self.detail.load)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.splitter and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            # After the splitter has shared out its new width among the two sides.
            QTimer.singleShot(0, self, self._balance)
        return super().eventFilter(watched, event)

    def _balance(self) -> None:
        """On a small screen at a large text size, the share the stretch gives the desk left
        its status column off to the right: the detail gives up room, down to its least."""
        sizes = self.splitter.sizes()
        want = self.desk.least_width()
        detail = self.splitter.widget(1)
        detail_least = detail.minimumSizeHint().width() if detail is not None else 0
        if len(sizes) == 2 and sizes[0] < want and sum(sizes) - want >= detail_least:
            self.splitter.setSizes([want, sum(sizes) - want])

    def initial_focus(self) -> QWidget:
        return self.desk.search


class NavDelegate(QStyledItemDelegate):
    """A navigation item: its icon, its name (wrapped when long), its shortcut under it,
    and a count on the right where one helps. The current page is marked by a bar, a
    filled background and bold text, not by colour alone."""

    BAR = 4

    def __init__(self, view: QListWidget) -> None:
        super().__init__(view)
        self._view = view

    def _small(self, font: QFont) -> QFont:
        small = QFont(font)
        small.setPointSize(TypeScale.for_size(max(1, font.pointSize())).small)
        return small

    def _badge_width(self, option: QStyleOptionViewItem, index: AnyIndex) -> int:
        count = index.data(COUNT_ROLE)
        if not count:
            return 0
        metrics = QFontMetrics(self._small(option.font))
        return metrics.horizontalAdvance(str(count[0])) + 2 * SPACE[1] + SPACE[1]

    def _text_width(self, width: int, option: QStyleOptionViewItem, index: AnyIndex) -> int:
        left = self.BAR + SPACE[1] + NAV_ICON + SPACE[1]
        return max(40, width - left - SPACE[1] - self._badge_width(option, index))

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        width = self._view.viewport().width() or 150
        bold = QFont(option.font)
        bold.setBold(True)
        title = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        text_rect = QRect(0, 0, self._text_width(width, option, index), 10_000)
        flags = int(Qt.TextFlag.TextWordWrap)
        title_height = QFontMetrics(bold).boundingRect(text_rect, flags, title).height()
        shortcut = index.data(SHORTCUT_ROLE)
        small_height = QFontMetrics(self._small(option.font)).height() if shortcut else 0
        height = SPACE[1] + title_height + small_height + SPACE[1]
        return QSize(width, max(height, NAV_ICON + 2 * SPACE[1]))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        state = option.state
        current = bool(state & QStyle.StateFlag.State_Selected)
        rect = option.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if current:
            painter.fillRect(rect, colour("nav_current"))
            bar = QRect(rect.left(), rect.top(), self.BAR, rect.height())
            painter.fillRect(bar, colour("primary"))
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, colour("surface"))
        key = str(index.data(Qt.ItemDataRole.UserRole))
        left = rect.left() + self.BAR + SPACE[1]
        icon_rect = QRect(left, rect.top() + SPACE[1], NAV_ICON, NAV_ICON)
        shown = icon(PAGE_ICONS.get(key, "inbox"), "on_nav_current") if current else page_icon(key)
        shown.paint(painter, icon_rect)
        text_left = left + NAV_ICON + SPACE[1]
        text_width = self._text_width(rect.width(), option, index)
        font = QFont(option.font)
        font.setBold(current)
        painter.setFont(font)
        painter.setPen(colour("on_nav_current" if current else "text"))
        title = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        flags = int(Qt.TextFlag.TextWordWrap)
        title_rect = QFontMetrics(font).boundingRect(
            QRect(text_left, rect.top() + SPACE[1], text_width, 10_000), flags, title
        )
        painter.drawText(title_rect, flags, title)
        shortcut = index.data(SHORTCUT_ROLE)
        small = self._small(option.font)
        if shortcut:
            painter.setFont(small)
            painter.setPen(colour("on_nav_current" if current else "text_muted"))
            below = QRect(text_left, title_rect.bottom() + 1, text_width, rect.height())
            painter.drawText(below, int(Qt.AlignmentFlag.AlignLeft), str(shortcut))
        count = index.data(COUNT_ROLE)
        if count:
            number = str(count[0])
            text_colour, fill = tone_colours(count[1])
            metrics = QFontMetrics(small)
            width = metrics.horizontalAdvance(number) + 2 * SPACE[1]
            top = rect.top() + SPACE[1]
            badge = QRect(rect.right() - SPACE[1] - width, top, width, metrics.height() + 2)
            painter.setPen(text_colour)
            painter.setBrush(fill)
            painter.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
            painter.setFont(small)
            painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), number)
        if state & QStyle.StateFlag.State_HasFocus and self._view.hasFocus():
            pen = painter.pen()
            pen.setColor(colour("focus"))
            pen.setWidth(2)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        painter.restore()


class MainWindow(QMainWindow):
    """Signals:
    lock_requested(): the user asked to lock the screen (Ctrl+L).
    switch_user_requested(): the user asked to sign in as someone else.
    """

    lock_requested = Signal()
    switch_user_requested = Signal()

    def __init__(self, ctx: AppContext, actor: Actor, *, runner: TaskRunner | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.actor = actor
        self._runner = runner
        self.nav = wrapping_list(QListWidget())  # a long page name takes two lines
        self.nav.setObjectName("nav")
        self.nav.setAccessibleName(_("Các trang"))
        self.nav.setItemDelegate(NavDelegate(self.nav))
        self.nav.setMouseTracking(True)  # the page under the mouse is shown
        self.nav.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.nav.setMinimumWidth(150)
        self.nav.setMaximumWidth(220)
        self._nav_counts: dict[str, tuple[int, str, str] | None] = {}
        self.stack = QStackedWidget()
        self.pages = LazyPages(self._build)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.nav)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([160, 1120])
        # Above the pages: a banner that says what to do when backups have stopped.
        self.backup_banner = BackupBanner()
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.backup_banner)
        central_layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.nav.currentRowChanged.connect(self._row_changed)

        # One line each: cut with "…" (whole in the tooltip) rather than widen the window.
        self.user_label = EllipsisLabel()
        self.counts_label = EllipsisLabel()
        self.online_label = EllipsisLabel()
        self.online_label.setObjectName("online_share")
        self.sync_label = ElidedLabel()
        self.sync_label.setObjectName("sync_state")
        self.sync_button = QPushButton()
        self.sync_button.setFlat(True)
        self.sync_button.setIcon(icon("send"))
        self.sync_status = SyncStatus(ctx, self, runner=runner)
        self.sync_status.state_changed.connect(self._sync_state)
        self.sync_status.waiting_changed.connect(self._waiting_to_send)
        self.backup_status = BackupStatus(ctx, self, runner=runner)
        self.backup_status.state_changed.connect(self.backup_banner.show_state)
        self.sync_status.reported.connect(self.backup_status.after_sync)  # the day closed
        self.sync_button.clicked.connect(self.sync_now)
        self.statusBar().addPermanentWidget(self.sync_label, 1)  # takes the room that is left
        self.statusBar().addPermanentWidget(self.sync_button)
        self.statusBar().addPermanentWidget(self.counts_label)
        self.statusBar().addPermanentWidget(self.online_label)
        self.statusBar().addPermanentWidget(self.user_label)
        bus().notice.connect(self._notice)
        bus().changes_applied.connect(self._changes_applied)
        bus().settings_changed.connect(self._settings_changed)
        bus().listen()

        self._lock_action = QAction(self)
        self._lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self._lock_action.triggered.connect(self.lock_requested)
        self.addAction(self._lock_action)
        self._switch_action = QAction(self)
        self._switch_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self._switch_action.triggered.connect(self.switch_user_requested)
        self.addAction(self._switch_action)
        self._sync_action = QAction(self)
        self._sync_action.setShortcut(QKeySequence(SEND_SHORTCUT))
        self._sync_action.triggered.connect(self.sync_now)
        self.addAction(self._sync_action)

        self._counts_timer = QTimer(self)
        self._counts_timer.setInterval(COUNTS_REFRESH_MS)
        self._counts_timer.timeout.connect(self.refresh_counts)
        self._counts_timer.start()
        self.reference_refresh = Periodic(
            self,
            ctx.refresh_reference,
            next_delay=lambda: REFERENCE_REFRESH_SECONDS,
            runner=runner,
        )
        self.reference_refresh.failed.connect(self._reference_failed)
        self.reference_refresh.start()
        fit_to_screen(self, 1280, 800)
        self.rebuild()
        self.sync_status.start()
        self.backup_status.start()

    def rebuild(self) -> None:
        """Build every page anew: after sign-in as another user or a language change."""
        current = self.current_key()
        load_plugins()
        register_builtin_pages_once()
        while self.stack.count():
            widget = self.stack.widget(0)
            assert widget is not None  # the stack is not empty
            self.stack.removeWidget(widget)
            widget.deleteLater()
        self.nav.clear()
        self.pages.clear()
        for number, page in enumerate(registered_pages(), start=1):
            host = self.pages.add(page)  # the page itself is built when first shown
            self.stack.addWidget(host)
            item = QListWidgetItem(f"{_(page.title)}")
            item.setData(Qt.ItemDataRole.UserRole, page.key)
            item.setData(SHORTCUT_ROLE, f"Ctrl+{number}" if number < 10 else "")
            self.nav.addItem(item)
            self._show_nav_count(item)
            if number < 10:
                action = QAction(self.stack)
                action.setShortcut(QKeySequence(f"Ctrl+{number}"))
                action.triggered.connect(lambda _c=False, key=page.key: self.show_page(key))
                host.addAction(action)
                self.addAction(action)
        self.show_page(current or "intake")
        self.setWindowTitle(_("Quầy Một Cửa"))
        # The name alone: the status bar is shared with the counts and the sync state, and
        # the login is for whoever looks after the machine (in the tooltip).
        self.user_label.setText(self.actor.name)
        self.user_label.setToolTip(
            _("Người dùng: {name} ({login})").format(name=self.actor.name, login=self.actor.login)
        )
        self.sync_button.setText(f"{_(PAGE_TITLE)} ({SEND_SHORTCUT})")
        self.sync_status.refresh()
        self.refresh_counts()

    def _build(self, page: Page) -> QWidget:
        try:
            return page.factory(self.ctx, self.actor)
        except CounterError as exc:
            return PlaceholderPage(exc.message)

    def _row_changed(self, row: int) -> None:
        item = self.nav.item(row) if row >= 0 else None
        if item is not None:
            self.pages.get(str(item.data(Qt.ItemDataRole.UserRole)))  # built on first show
        self.stack.setCurrentIndex(row)

    def current_key(self) -> str | None:
        item = self.nav.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def show_page(self, key: str) -> None:
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(row)
                widget = self.pages[key]
                focus = getattr(widget, "initial_focus", None)
                (focus() if callable(focus) else widget).setFocus()
                return

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor
        self.rebuild()

    def set_sync_state(self, text: str) -> None:
        """For the sync panel: a short state shown in the status bar."""
        self.sync_label.setText(text)

    def sync_now(self) -> None:
        """On demand: wake the background sync (never runs on the GUI thread)."""
        self.sync_status.sync_now()

    def _sync_state(self, text: str, warning: bool) -> None:
        self.sync_label.set_full_text(text)
        set_tone(self.sync_label, "error" if warning else None)  # the text starts with ⚠

    def _waiting_to_send(self, dossiers: int) -> None:
        words = _("{count} hồ sơ chờ gửi lên tỉnh").format(count=dossiers)
        self._set_nav_count("sync", (dossiers, "info", words) if dossiers else None)

    def _set_nav_count(self, key: str, count: tuple[int, str, str] | None) -> None:
        self._nav_counts[key] = count
        for row in range(self.nav.count()):
            item = self.nav.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == key:
                self._show_nav_count(item)

    def _show_nav_count(self, item: QListWidgetItem) -> None:
        """The item's badge; its shortcut and count in words in the tooltip and for a
        screen reader (the badge itself is a number in colour)."""
        key = str(item.data(Qt.ItemDataRole.UserRole))
        count = self._nav_counts.get(key)
        item.setData(COUNT_ROLE, count)
        words = [str(item.data(SHORTCUT_ROLE) or ""), count[2] if count else ""]
        description = " · ".join(word for word in words if word)
        item.setToolTip(description)
        item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, description)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.sync_status.stop()
        self.backup_status.stop()
        self.reference_refresh.stop()
        super().closeEvent(event)

    def _reference_failed(self, exc: BaseException) -> None:
        """The screens keep the catalog and calendar they have; the next refresh tries again."""
        message = exc.message if isinstance(exc, CounterError) else type(exc).__name__
        self.statusBar().showMessage(message, 10_000)

    def refresh_counts(self) -> None:
        ctx = self.ctx
        Op(self, lambda: (today_counts(ctx), target_progress(ctx)), runner=self._runner).on_success(
            lambda result: self._show_counts(*result)
        ).on_error(lambda _exc: self._clear_counts()).start()

    def _clear_counts(self) -> None:
        self.counts_label.setText("")
        self.online_label.setText("")

    def _show_counts(self, counts: TodayCounts, progress: TargetProgress) -> None:
        self.counts_label.setText(
            _("Hôm nay: {received} hồ sơ · đến hạn {due_today} · trễ hạn {late}").format(
                received=counts.received, due_today=counts.due_today, late=counts.late
            )
        )
        self.online_label.setText(online_status_text(progress))
        self.online_label.setToolTip(online_status_tooltip(progress))
        set_tone(self.online_label, "warning" if progress.below_target else None)  # and ▼
        due = _("{count} hồ sơ đến hạn hôm nay").format(count=counts.due_today)
        count = (counts.due_today, "warning", due) if counts.due_today else None
        self._set_nav_count("dossiers", count)

    def _settings_changed(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_appearance(app, UiSettings(self.ctx.data_dir))
        self.rebuild()

    def _notice(self, level: str, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)

    def _changes_applied(self, changes: Changes, initiator: QObject | None) -> None:
        if changes.reference:
            self.reference_refresh.run_now()
        if changes.counts:
            self.refresh_counts()
        if changes.outbox and initiator is not self.sync_status:
            # One more dossier waiting to be sent; or the counter was just enrolled, and
            # background sending starts.
            self.sync_status.refresh(start=True)


_builtins_registered = False


def register_builtin_pages_once() -> None:
    """Built-ins first, plugins on top: a plugin's page replaces a placeholder by key."""
    global _builtins_registered
    if not _builtins_registered:
        _builtins_registered = True
        plugins = {p.key: p for p in registered_pages()}
        register_builtin_pages()
        for page in plugins.values():
            register_page(page.key, page.title, page.factory, order=page.order)
