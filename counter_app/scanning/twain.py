"""TWAIN scanners on Windows through pytwain (`import twain`).

The translation (capabilities, the settings to negotiate, pytwain exceptions) is plain
Python and tested anywhere; only `TwainBackend` loads the TWAIN DSM, and it reports
itself unavailable outside Windows or without pytwain.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any

from PIL import Image

from counter_app.scanning.devices import (
    CancelToken,
    DeviceInfo,
    Failure,
    ScannerError,
    ScanRequest,
    Source,
    WindowsBackend,
    scanner_error,
    take_pages,
)
from counter_app.scanning.images import ColourMode, check_image, open_images

# Capability ids and values (twain.h)
ICAP_PIXELTYPE = 0x0101
ICAP_XRESOLUTION = 0x1118
ICAP_YRESOLUTION = 0x1119
CAP_FEEDERENABLED = 0x1002
CAP_FEEDERLOADED = 0x1003
CAP_AUTOFEED = 0x1007
CAP_DUPLEXENABLED = 0x1013
CAP_XFERCOUNT = 0x0001
CAP_FEEDERPRESENT = 0x1019  # not in every source; read as "has a feeder"
CAP_DUPLEX = 0x1012
TWPT_BW, TWPT_GRAY, TWPT_RGB = 0, 1, 2
TWTY_UINT16, TWTY_BOOL, TWTY_FIX32, TWTY_INT16 = 4, 6, 7, 1
PIXEL_TYPES = {ColourMode.BW: TWPT_BW, ColourMode.GRAY: TWPT_GRAY, ColourMode.COLOR: TWPT_RGB}

# pytwain raises exceptions named after TWAIN condition codes.
EXCEPTION_FAILURES: dict[str, Failure] = {
    "PaperJam": Failure.JAMMED,
    "PaperDoubleFeed": Failure.JAMMED,
    "NoMedia": Failure.FEEDER_EMPTY,
    "CheckDeviceOnline": Failure.NO_DEVICE,
    "SourceNotFound": Failure.NO_DEVICE,
    "NoDataSourceError": Failure.NO_DEVICE,
    "Busy": Failure.BUSY,
    "Denied": Failure.ACCESS,
    "LowMemory": Failure.NO_MEMORY,
    "CapUnsupported": Failure.UNSUPPORTED,
    "CapBadOperation": Failure.UNSUPPORTED,
    "CancelAll": Failure.CANCELLED,
    "DSTransferCancelled": Failure.CANCELLED,
    "CoverOpen": Failure.COVER_OPEN,
}


def translate_error(exc: BaseException) -> ScannerError:
    for cls in type(exc).__mro__:
        failure = EXCEPTION_FAILURES.get(cls.__name__)
        if failure is not None:
            return scanner_error(failure)
    return scanner_error(Failure.IO, f"TWAIN {type(exc).__name__}: {exc}")


def capabilities(name: str, has_feeder: bool, has_duplex: bool) -> DeviceInfo:
    sources = [Source.FLATBED]
    if has_feeder:
        sources.append(Source.FEEDER)
    if has_duplex:
        sources.append(Source.DUPLEX)
    return DeviceInfo(name=f"twain:{name}", backend="twain", model=name, sources=tuple(sources))


def negotiation(request: ScanRequest) -> list[tuple[int, int, Any]]:
    """(capability, TWAIN type, value) to set before a scan, in order."""
    feeder = request.source is not Source.FLATBED
    steps: list[tuple[int, int, Any]] = [
        (ICAP_PIXELTYPE, TWTY_UINT16, PIXEL_TYPES[request.mode]),
        (ICAP_XRESOLUTION, TWTY_FIX32, float(request.dpi)),
        (ICAP_YRESOLUTION, TWTY_FIX32, float(request.dpi)),
        (CAP_FEEDERENABLED, TWTY_BOOL, feeder),
    ]
    if feeder:
        steps.append((CAP_AUTOFEED, TWTY_BOOL, True))
        steps.append((CAP_DUPLEXENABLED, TWTY_BOOL, request.source is Source.DUPLEX))
    count = request.pages if request.pages else (1 if not feeder else -1)
    steps.append((CAP_XFERCOUNT, TWTY_INT16, count))
    return steps


class TwainScanner:
    def __init__(self, source: Any, info: DeviceInfo) -> None:
        self._source = source
        self.info = info

    def scan(self, request: ScanRequest, cancel: CancelToken) -> Iterator[Image.Image]:
        try:
            for capability, kind, value in negotiation(request):
                self._source.set_capability(capability, kind, value)
            self._source.request_acquire(show_ui=False, modal_ui=False)
        except Exception as exc:
            raise translate_error(exc) from exc
        yield from take_pages(request, cancel, self._take_one)

    def _take_one(self) -> tuple[Image.Image, bool]:
        try:
            handle, more = self._source.xfer_image_natively()
            data = _dib_to_bmp(handle)
        except Exception as exc:
            raise translate_error(exc) from exc
        image = next(open_images(data, "TWAIN"))
        check_image(image)
        return image, bool(more)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the DSM may have closed it already
            self._source.close()


def _dib_to_bmp(handle: Any) -> bytes:
    """pytwain hands back a global-memory DIB; BMP is a file header plus the DIB."""
    if isinstance(handle, (bytes, bytearray)):
        return bytes(handle)
    import twain

    buffer = io.BytesIO()
    twain.dib_to_bm_file(handle, buffer)
    twain.global_handle_free(handle)
    return buffer.getvalue()


class TwainBackend(WindowsBackend):
    name = "twain"
    module = "twain"

    def _create_manager(self) -> Any:
        import twain

        return twain.SourceManager()

    def devices(self) -> list[DeviceInfo]:
        try:
            manager = self._manager()
            names = list(manager.source_list)
        except Exception as exc:
            raise translate_error(exc) from exc
        found = []
        for name in names:
            try:
                source = manager.open_source(name)
                found.append(self._info(source, name))
                source.close()
            except ScannerError:
                raise
            except Exception:
                found.append(capabilities(name, False, False))
        return found

    @staticmethod
    def _info(source: Any, name: str) -> DeviceInfo:
        def flag(capability: int) -> bool:
            try:
                return bool(source.get_capability_current(capability))
            except Exception:  # CapUnsupported: the source has no such part
                return False

        return capabilities(name, flag(CAP_FEEDERPRESENT), flag(CAP_DUPLEX))

    def open(self, name: str) -> TwainScanner:
        product = name.removeprefix("twain:")
        try:
            source = self._manager().open_source(product)
        except Exception as exc:
            raise translate_error(exc) from exc
        if source is None:
            raise scanner_error(Failure.NO_DEVICE, product)
        return TwainScanner(source, self._info(source, product))


__all__ = ["ScannerError", "TwainBackend", "capabilities", "negotiation", "translate_error"]
