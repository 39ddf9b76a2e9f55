"""One interface over every way a page reaches the counter.

Backends: SANE (Linux), WIA 2.0 and TWAIN (Windows), eSCL/AirScan (network, HTTP), a
watched scan-to-folder, and file import. Each backend says whether it can run on this
machine; the app lists only those that can. Driver failures become `ScannerError` with a
clear message, and a scan checks its `CancelToken` between pages.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from PIL import Image

from counter_app.errors import CounterError, ValidationError
from counter_app.i18n import _
from counter_app.scanning.options import MAX_DPI, MAX_SCAN_PAGES, MIN_DPI, ColourMode


class ScannerError(CounterError):
    """The scanner or its driver failed: no device, busy, jam, empty feeder, cancelled."""


class ScanCancelled(ScannerError):
    def __init__(self) -> None:
        super().__init__(_("Đã hủy quét."))


class Source(StrEnum):
    FLATBED = "flatbed"
    FEEDER = "feeder"
    DUPLEX = "duplex"


class Failure(StrEnum):
    """The driver failures every backend maps its own codes to."""

    NO_DEVICE = "no_device"
    BUSY = "busy"
    JAMMED = "jammed"
    FEEDER_EMPTY = "feeder_empty"
    COVER_OPEN = "cover_open"
    CANCELLED = "cancelled"
    IO = "io"
    ACCESS = "access"
    NO_MEMORY = "no_memory"
    UNSUPPORTED = "unsupported"


def failure_message(failure: Failure, detail: str = "") -> str:
    messages = {
        Failure.NO_DEVICE: _("Không tìm thấy máy quét; kiểm tra cáp, nguồn và trình điều khiển."),
        Failure.BUSY: _("Máy quét đang bận (có chương trình khác đang dùng)."),
        Failure.JAMMED: _("Kẹt giấy trong máy quét; gỡ giấy rồi quét lại."),
        Failure.FEEDER_EMPTY: _("Khay nạp giấy trống; đặt giấy vào khay rồi quét lại."),
        Failure.COVER_OPEN: _("Nắp máy quét đang mở."),
        Failure.CANCELLED: _("Đã hủy quét."),
        Failure.IO: _("Lỗi truyền dữ liệu với máy quét."),
        Failure.ACCESS: _("Không có quyền dùng máy quét."),
        Failure.NO_MEMORY: _("Máy quét hết bộ nhớ; giảm độ phân giải."),
        Failure.UNSUPPORTED: _("Máy quét không hỗ trợ thiết lập này."),
    }
    message = messages[failure]
    return f"{message} ({detail})" if detail else message


def scanner_error(failure: Failure, detail: str = "") -> ScannerError:
    if failure is Failure.CANCELLED:
        return ScanCancelled()
    error = ScannerError(failure_message(failure, detail))
    error.failure = failure  # type: ignore[attr-defined]
    return error


class CancelToken:
    """Set from any thread (the GUI's cancel button); checked by the scan between pages."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking at once on cancel; True when cancelled."""
        return self._event.wait(seconds)

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise ScanCancelled()


@dataclass(frozen=True)
class DeviceInfo:
    name: str
    """What `--device` takes: a SANE name (`test:0`), or `escl:URL`, `wia:ID`, `twain:NAME`."""
    backend: str
    vendor: str = ""
    model: str = ""
    sources: tuple[Source, ...] = (Source.FLATBED,)
    resolutions: tuple[int, ...] = (150, 200, 300, 600)
    modes: tuple[ColourMode, ...] = (ColourMode.BW, ColourMode.GRAY, ColourMode.COLOR)

    @property
    def flatbed(self) -> bool:
        return Source.FLATBED in self.sources

    @property
    def feeder(self) -> bool:
        return Source.FEEDER in self.sources

    @property
    def duplex(self) -> bool:
        return Source.DUPLEX in self.sources

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "backend": self.backend,
            "vendor": self.vendor,
            "model": self.model,
            "flatbed": self.flatbed,
            "feeder": self.feeder,
            "duplex": self.duplex,
            "resolutions": list(self.resolutions),
            "modes": [mode.value for mode in self.modes],
        }


@dataclass(frozen=True)
class ScanRequest:
    dpi: int = 300
    mode: ColourMode = ColourMode.BW
    source: Source = Source.FLATBED
    pages: int | None = None
    """How many pages to take; None: one from the flatbed, all from a feeder."""

    def __post_init__(self) -> None:
        if not MIN_DPI <= self.dpi <= MAX_DPI:
            raise ValidationError(
                _("Độ phân giải quét phải từ {low} đến {high} dpi (nhận được {value}).").format(
                    low=MIN_DPI, high=MAX_DPI, value=self.dpi
                )
            )
        if self.pages is not None and not 1 <= self.pages <= MAX_SCAN_PAGES:
            raise ValidationError(
                _("Số trang cần quét phải từ 1 đến {high}.").format(high=MAX_SCAN_PAGES)
            )


def take_pages(
    request: ScanRequest,
    cancel: CancelToken,
    take_one: Callable[[], tuple[Image.Image, bool]],
) -> Iterator[Image.Image]:
    """Pages as a driver hands them over, the batch rule shared by every backend.

    As many as asked; without a count, one from the flatbed or all the feeder holds.
    `take_one` returns the next page and whether the driver says more follow, and raises
    ScannerError; an empty feeder after at least one page ends the batch normally.
    """
    wanted = request.pages or (1 if request.source is Source.FLATBED else None)
    taken = 0
    while wanted is None or taken < wanted:
        cancel.raise_if_cancelled()
        try:
            image, more = take_one()
        except ScannerError as error:
            if getattr(error, "failure", None) is Failure.FEEDER_EMPTY and taken:
                return
            raise
        taken += 1
        yield image
        if not more:
            return


class Scanner(Protocol):
    info: DeviceInfo

    def scan(self, request: ScanRequest, cancel: CancelToken) -> Iterator[Image.Image]:
        """Yield pages as they arrive; raise ScannerError on a driver failure."""
        ...

    def close(self) -> None: ...


class Backend(Protocol):
    name: str

    def available(self) -> bool:
        """True when the backend's platform library can be used on this machine."""
        ...

    def devices(self) -> list[DeviceInfo]: ...

    def open(self, name: str) -> Scanner: ...


@dataclass
class Registry:
    """The backends this process can use, asked in order; the first that claims a name opens it."""

    backends: list[Backend] = field(default_factory=list)

    def available(self) -> list[Backend]:
        return [backend for backend in self.backends if backend.available()]

    def devices(self) -> list[DeviceInfo]:
        found: list[DeviceInfo] = []
        for backend in self.available():
            found.extend(backend.devices())
        return found

    def open(self, name: str) -> Scanner:
        prefix, _sep, _rest = name.partition(":")
        usable = self.available()
        for backend in usable:
            if backend.name == prefix:
                return backend.open(name)
        for backend in usable:
            if backend.name == "sane":  # SANE names carry their own prefix (test:0, hpaio:...)
                return backend.open(name)
        raise ScannerError(_("Không dùng được máy quét {name} trên máy này.").format(name=name))


class WindowsBackend:
    """A backend whose library exists only on Windows; tests hand in a fake manager."""

    name = ""
    module = ""
    """The import that must succeed for the backend to be usable."""

    def __init__(self, manager_factory: Callable[[], Any] | None = None) -> None:
        self._manager_factory = manager_factory

    def available(self) -> bool:
        if self._manager_factory is not None:
            return True
        if sys.platform != "win32":
            return False
        return importlib.util.find_spec(self.module) is not None

    def _manager(self) -> Any:
        if self._manager_factory is not None:
            return self._manager_factory()
        return self._create_manager()

    def _create_manager(self) -> Any:
        raise NotImplementedError


def default_registry(escl_urls: tuple[str, ...] = ()) -> Registry:
    from counter_app.scanning.escl import EsclBackend
    from counter_app.scanning.sane_backend import SaneBackend
    from counter_app.scanning.twain import TwainBackend
    from counter_app.scanning.wia import WiaBackend

    return Registry([SaneBackend(), WiaBackend(), TwainBackend(), EsclBackend(escl_urls)])


ProgressCallback = Callable[[int, int | None], None]
"""(pages done, pages expected or None) — called after each stored page."""
