"""SANE scanners on Linux through python-sane (the optional `sane` extra).

SANE reads its configuration from `$SANE_CONFIG_DIR` (else /etc/sane.d); set the
variable before the first scan. `sane.init()` runs once per process.
"""

from __future__ import annotations

import contextlib
import threading
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
    scanner_error,
    take_pages,
)
from counter_app.scanning.images import ColourMode, check_image

# sane_strstatus() texts (SANE 1.x) and what they mean for the clerk.
STATUS_FAILURES: dict[str, Failure] = {
    "Operation not supported": Failure.UNSUPPORTED,
    "Operation was canceled": Failure.CANCELLED,
    "Operation was cancelled": Failure.CANCELLED,
    "Device busy": Failure.BUSY,
    "Invalid argument": Failure.NO_DEVICE,
    "Scanner returned no data": Failure.IO,
    "Document feeder jammed": Failure.JAMMED,
    "Document feeder out of documents": Failure.FEEDER_EMPTY,
    "Scanner cover is open": Failure.COVER_OPEN,
    "Error during device I/O": Failure.IO,
    "Out of memory": Failure.NO_MEMORY,
    "Access to resource has been denied": Failure.ACCESS,
}
SANE_MODES = {
    ColourMode.BW: ("Lineart", "Gray"),
    ColourMode.GRAY: ("Gray",),
    ColourMode.COLOR: ("Color",),
}
FEEDER_SOURCES = ("Automatic Document Feeder", "ADF", "ADF Front", "Document Feeder")
DUPLEX_SOURCES = ("ADF Duplex", "Duplex", "Automatic Document Feeder Duplex")
A4_MM = (210.0, 297.0)

_init_lock = threading.Lock()
_initialised = False


def translate_error(exc: Exception) -> ScannerError:
    text = str(exc).strip()
    return scanner_error(
        STATUS_FAILURES.get(text, Failure.IO), "" if text in STATUS_FAILURES else text
    )


def _sane() -> Any:
    global _initialised
    import sane

    with _init_lock:
        if not _initialised:
            sane.init()
            _initialised = True
    return sane


def _option_constraints(device: Any) -> dict[str, Any]:
    return {option[1]: option[8] for option in device.get_options() if option[1]}


def capabilities(name: str, vendor: str, model: str, constraints: dict[str, Any]) -> DeviceInfo:
    """Translate SANE option constraints into the app's capabilities."""
    source_list = [str(s) for s in constraints.get("source") or ["Flatbed"]]
    sources: list[Source] = []
    if any("flatbed" in s.lower() for s in source_list) or not source_list:
        sources.append(Source.FLATBED)
    if any(s in FEEDER_SOURCES or "adf" in s.lower() or "feeder" in s.lower() for s in source_list):
        sources.append(Source.FEEDER)
    if any(s in DUPLEX_SOURCES or "duplex" in s.lower() for s in source_list):
        sources.append(Source.DUPLEX)
    resolution = constraints.get("resolution")
    wanted = (150, 200, 300, 600)
    if isinstance(resolution, tuple):  # a range (min, max, quant)
        low, high = resolution[0], resolution[1]
        resolutions = tuple(r for r in wanted if low <= r <= high)
    elif isinstance(resolution, list):
        resolutions = tuple(sorted(int(r) for r in resolution))
    else:
        resolutions = (300,)
    mode_list = [str(m) for m in constraints.get("mode") or ["Gray"]]
    modes = tuple(mode for mode, names in SANE_MODES.items() if any(n in mode_list for n in names))
    return DeviceInfo(
        name=name,
        backend="sane",
        vendor=vendor,
        model=model,
        sources=tuple(sources) or (Source.FLATBED,),
        resolutions=resolutions,
        modes=modes or (ColourMode.GRAY,),
    )


def _pick_source(constraints: dict[str, Any], source: Source) -> str | None:
    names = [str(s) for s in constraints.get("source") or []]
    if not names:
        return None
    if source is Source.FLATBED:
        matches = [n for n in names if "flatbed" in n.lower()]
    elif source is Source.DUPLEX:
        matches = [n for n in names if "duplex" in n.lower()]
    else:
        matches = [n for n in names if ("adf" in n.lower() or "feeder" in n.lower())]
        matches = [n for n in matches if "duplex" not in n.lower()] or matches
    if not matches:
        raise scanner_error(Failure.UNSUPPORTED, source.value)
    return matches[0]


class SaneScanner:
    def __init__(self, device: Any, info: DeviceInfo) -> None:
        self._device = device
        self.info = info

    def _configure(self, request: ScanRequest) -> dict[str, Any]:
        constraints = _option_constraints(self._device)
        try:
            mode_names = [str(m) for m in constraints.get("mode") or []]
            for candidate in SANE_MODES[request.mode]:
                if candidate in mode_names:
                    self._device.mode = candidate
                    break
            if "resolution" in constraints:
                self._device.resolution = request.dpi
            source = _pick_source(constraints, request.source)
            if source is not None:
                self._device.source = source
            if "br_x" in constraints or "br-x" in constraints:
                self._device.tl_x, self._device.tl_y = 0, 0
                self._device.br_x, self._device.br_y = A4_MM
        except ScannerError:
            raise
        except Exception as exc:  # _sane.error or AttributeError for an absent option
            raise translate_error(exc) from exc
        return constraints

    def scan(self, request: ScanRequest, cancel: CancelToken) -> Iterator[Image.Image]:
        self._configure(request)
        cancel.raise_if_cancelled()
        yield from take_pages(request, cancel, lambda: (self._one(), True))

    def _one(self) -> Image.Image:
        try:
            image: Image.Image = self._device.scan()
        except Exception as exc:
            with contextlib.suppress(Exception):  # the device may already be gone
                self._device.cancel()
            raise translate_error(exc) from exc
        check_image(image)
        return image

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a vanished device is not the clerk's problem
            self._device.close()


class SaneBackend:
    name = "sane"

    def available(self) -> bool:
        try:
            import sane  # noqa: F401
        except ImportError:
            return False
        return True

    def devices(self) -> list[DeviceInfo]:
        sane = _sane()
        found: list[DeviceInfo] = []
        try:
            listed = sane.get_devices()
        except Exception as exc:
            raise translate_error(exc) from exc
        for name, vendor, model, _kind in listed:
            try:
                device = sane.open(name)
            except Exception:
                found.append(DeviceInfo(name=name, backend=self.name, vendor=vendor, model=model))
                continue
            try:
                found.append(capabilities(name, vendor, model, _option_constraints(device)))
            finally:
                device.close()
        return found

    def open(self, name: str) -> SaneScanner:
        sane = _sane()
        if name.startswith("sane:"):
            name = name[len("sane:") :]
        try:
            device = sane.open(name)
        except Exception as exc:
            error = translate_error(exc)
            if getattr(error, "failure", None) is Failure.NO_DEVICE:
                error = scanner_error(Failure.NO_DEVICE, name)
            raise error from exc
        try:
            info = capabilities(name, "", "", _option_constraints(device))
        except Exception:
            device.close()
            raise
        return SaneScanner(device, info)
