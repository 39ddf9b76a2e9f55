"""The UI-wide signals: changes applied by a service, and notices for the status bar.

One `Bus` per application (`bus()`); views connect in their constructor.
Notices sent before a window listens are kept and replayed to the first listener.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from ui.tasks import app_child


@dataclass(frozen=True)
class Changes:
    """What a mutation touched: dossier codes, whether counts or the outbox moved, and
    whether the catalog or the holiday table did (`reference`)."""

    dossiers: tuple[str, ...] = ()
    counts: bool = True
    outbox: bool = True
    reference: bool = False
    extra: dict[str, object] = field(default_factory=dict)


class Bus(QObject):
    """Signals:
    changes_applied(object, object): a `Changes` and the initiating object (or None).
    notice(str, str): level ("info", "warning", "error") and a translated message.
    settings_changed(): the GUI settings were saved (language, text size, idle lock).
    """

    changes_applied = Signal(object, object)
    notice = Signal(str, str)
    settings_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._buffer: list[tuple[str, str]] = []
        self._listening = False

    def listen(self) -> None:
        """Called by the window once it is connected to `notice`: flush the buffer."""
        self._listening = True
        buffered, self._buffer = self._buffer, []
        for level, message in buffered:
            self.notice.emit(level, message)

    def _send(self, level: str, message: str) -> None:
        if self._listening:
            self.notice.emit(level, message)
        else:
            self._buffer.append((level, message))

    def info(self, message: str) -> None:
        self._send("info", message)

    def warning(self, message: str) -> None:
        self._send("warning", message)

    def error(self, message: str) -> None:
        self._send("error", message)


def bus() -> Bus:
    return app_child(Bus, "counter_app_bus")
