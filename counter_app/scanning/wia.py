"""WIA 2.0 scanners on Windows through the WIA Automation COM library (comtypes).

The translation (capabilities, scan properties, HRESULT errors) is plain Python and
tested anywhere; only `WiaBackend` touches COM, and it reports itself unavailable
outside Windows or without comtypes.
"""

from __future__ import annotations

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

# Property ids (wiadef.h)
WIA_DIP_DEV_ID = 2
WIA_DIP_VEND_DESC = 3
WIA_DIP_DEV_NAME = 7
WIA_DPS_DOCUMENT_HANDLING_CAPABILITIES = 3086
WIA_DPS_DOCUMENT_HANDLING_SELECT = 3088
WIA_DPS_PAGES = 3096
WIA_IPS_CUR_INTENT = 6146
WIA_IPS_XRES = 6147
WIA_IPS_YRES = 6148
# WIA_DPS_DOCUMENT_HANDLING_* flags
FEEDER = 0x001
FLATBED = 0x002
DUPLEX = 0x004
# WIA_IPS_CUR_INTENT values
INTENT_COLOR = 0x1
INTENT_GRAYSCALE = 0x2
INTENT_TEXT = 0x4
SCANNER_DEVICE_TYPE = 1
FORMAT_PNG = "{B96B3CAF-0728-11D3-9D7B-0000F81EF32E}"

# HRESULTs (wiadef.h) as unsigned 32-bit values.
HRESULT_FAILURES: dict[int, Failure] = {
    0x80210001: Failure.IO,  # WIA_ERROR_GENERAL_ERROR
    0x80210002: Failure.JAMMED,  # WIA_ERROR_PAPER_JAM
    0x80210003: Failure.FEEDER_EMPTY,  # WIA_ERROR_PAPER_EMPTY
    0x80210004: Failure.JAMMED,  # WIA_ERROR_PAPER_PROBLEM
    0x80210005: Failure.NO_DEVICE,  # WIA_ERROR_OFFLINE
    0x80210006: Failure.BUSY,  # WIA_ERROR_BUSY
    0x8021000A: Failure.IO,  # WIA_ERROR_DEVICE_COMMUNICATION
    0x8021000C: Failure.ACCESS,  # WIA_ERROR_INCORRECT_HARDWARE_SETTING
    0x80210015: Failure.NO_DEVICE,  # WIA_S_NO_DEVICE_AVAILABLE
    0x80210016: Failure.COVER_OPEN,  # WIA_ERROR_COVER_OPEN
    0x80210064: Failure.CANCELLED,  # WIA_ERROR_USER_INTERVENTION (cancelled on the device)
    0x80004004: Failure.CANCELLED,  # E_ABORT
    0x8007000E: Failure.NO_MEMORY,  # E_OUTOFMEMORY
    0x80070005: Failure.ACCESS,  # E_ACCESSDENIED
}


def error_from_hresult(hresult: int) -> ScannerError:
    code = hresult & 0xFFFFFFFF
    failure = HRESULT_FAILURES.get(code)
    if failure is None:
        return scanner_error(Failure.IO, f"WIA 0x{code:08X}")
    return scanner_error(failure)


def hresult_of(exc: BaseException) -> int | None:
    """The HRESULT a comtypes COMError (or pywin32 com_error) carries."""
    value = getattr(exc, "hresult", None)
    if value is None and exc.args and isinstance(exc.args[0], int):
        value = exc.args[0]
    return int(value) if value is not None else None


def capabilities(device_id: str, vendor: str, model: str, handling: int) -> DeviceInfo:
    sources: list[Source] = []
    if handling & FLATBED or not handling:
        sources.append(Source.FLATBED)
    if handling & FEEDER:
        sources.append(Source.FEEDER)
    if handling & DUPLEX:
        sources.append(Source.DUPLEX)
    return DeviceInfo(
        name=f"wia:{device_id}", backend="wia", vendor=vendor, model=model, sources=tuple(sources)
    )


def scan_properties(request: ScanRequest) -> tuple[dict[int, int], dict[int, int]]:
    """(device properties, item properties) to set for a request."""
    handling = {Source.FLATBED: FLATBED, Source.FEEDER: FEEDER, Source.DUPLEX: FEEDER | DUPLEX}
    device = {
        WIA_DPS_DOCUMENT_HANDLING_SELECT: handling[request.source],
        WIA_DPS_PAGES: 1 if request.source is Source.FLATBED else (request.pages or 0),
    }
    intent = {
        ColourMode.BW: INTENT_TEXT,
        ColourMode.GRAY: INTENT_GRAYSCALE,
        ColourMode.COLOR: INTENT_COLOR,
    }[request.mode]
    item = {WIA_IPS_CUR_INTENT: intent, WIA_IPS_XRES: request.dpi, WIA_IPS_YRES: request.dpi}
    return device, item


def _set_properties(properties: Any, values: dict[int, int]) -> None:
    for prop in properties:
        if int(prop.PropertyID) in values:
            prop.Value = values[int(prop.PropertyID)]


def _property(properties: Any, prop_id: int, default: Any = None) -> Any:
    for prop in properties:
        if int(prop.PropertyID) == prop_id:
            return prop.Value
    return default


class WiaScanner:
    def __init__(self, device: Any, info: DeviceInfo) -> None:
        self._device = device
        self.info = info

    def scan(self, request: ScanRequest, cancel: CancelToken) -> Iterator[Image.Image]:
        device_values, item_values = scan_properties(request)
        try:
            _set_properties(self._device.Properties, device_values)
            item = self._device.Items[1]
            _set_properties(item.Properties, item_values)
        except Exception as exc:
            raise self._translate(exc) from exc

        def take_one() -> tuple[Image.Image, bool]:
            try:
                image_file = item.Transfer(FORMAT_PNG)
                data = bytes(image_file.FileData.BinaryData)
            except Exception as exc:
                raise self._translate(exc) from exc
            image = next(open_images(data, "WIA"))
            check_image(image)
            return image, True  # WIA says nothing of what follows: the feeder tells

        yield from take_pages(request, cancel, take_one)

    @staticmethod
    def _translate(exc: Exception) -> ScannerError:
        hresult = hresult_of(exc)
        return (
            error_from_hresult(hresult)
            if hresult is not None
            else scanner_error(Failure.IO, str(exc))
        )

    def close(self) -> None:
        self._device = None


class WiaBackend(WindowsBackend):
    name = "wia"
    module = "comtypes"

    def _create_manager(self) -> Any:
        import comtypes.client

        return comtypes.client.CreateObject("WIA.DeviceManager")

    def devices(self) -> list[DeviceInfo]:
        found = []
        try:
            for info in self._manager().DeviceInfos:
                if int(info.Type) != SCANNER_DEVICE_TYPE:
                    continue
                props = info.Properties
                device_id = str(_property(props, WIA_DIP_DEV_ID, info.DeviceID))
                vendor = str(_property(props, WIA_DIP_VEND_DESC, ""))
                model = str(_property(props, WIA_DIP_DEV_NAME, ""))
                try:
                    handling = int(
                        _property(
                            info.Connect().Properties, WIA_DPS_DOCUMENT_HANDLING_CAPABILITIES, 0
                        )
                    )
                except Exception:
                    handling = 0  # busy right now: list it as a flatbed
                found.append(capabilities(device_id, vendor, model, handling))
        except ScannerError:
            raise
        except Exception as exc:
            raise WiaScanner._translate(exc) from exc
        return found

    def open(self, name: str) -> WiaScanner:
        device_id = name.removeprefix("wia:")
        try:
            for info in self._manager().DeviceInfos:
                if str(info.DeviceID) == device_id:
                    device = info.Connect()
                    handling = int(
                        _property(device.Properties, WIA_DPS_DOCUMENT_HANDLING_CAPABILITIES, 0)
                    )
                    vendor = str(_property(info.Properties, WIA_DIP_VEND_DESC, ""))
                    model = str(_property(info.Properties, WIA_DIP_DEV_NAME, ""))
                    return WiaScanner(device, capabilities(device_id, vendor, model, handling))
        except Exception as exc:
            raise WiaScanner._translate(exc) from exc
        raise scanner_error(Failure.NO_DEVICE, name)
