"""eSCL against a real HTTP server on loopback; WIA and TWAIN through fakes of their COM/DSM
objects (those cannot run off Windows); the watched folder with real files dropped in."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from scan_support import new_dossier

from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.scanning import twain, wia
from counter_app.scanning.devices import (
    CancelToken,
    Failure,
    Registry,
    ScanCancelled,
    ScannerError,
    ScanRequest,
    Source,
)
from counter_app.scanning.escl import EsclBackend, scan_settings_xml
from counter_app.scanning.files import WatchedFolder
from counter_app.scanning.images import ColourMode, clean_page
from counter_app.scanning.pages import attach_pages, list_pages, scan_to_dossier
from counter_app.scanning.samples import text_page

CAPABILITIES = """<?xml version="1.0" encoding="UTF-8"?>
<scan:ScannerCapabilities xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm"
    xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03">
  <pwg:Version>2.63</pwg:Version><pwg:MakeAndModel>Loopback Scan 1</pwg:MakeAndModel>
  <scan:Platen><scan:PlatenInputCaps><scan:SettingProfiles><scan:SettingProfile>
    <scan:ColorModes><scan:ColorMode>Grayscale8</scan:ColorMode><scan:ColorMode>RGB24</scan:ColorMode></scan:ColorModes>
    <scan:SupportedResolutions><scan:DiscreteResolutions>
      <scan:DiscreteResolution><scan:XResolution>150</scan:XResolution><scan:YResolution>150</scan:YResolution></scan:DiscreteResolution>
      <scan:DiscreteResolution><scan:XResolution>300</scan:XResolution><scan:YResolution>300</scan:YResolution></scan:DiscreteResolution>
    </scan:DiscreteResolutions></scan:SupportedResolutions>
  </scan:SettingProfile></scan:SettingProfiles></scan:PlatenInputCaps></scan:Platen>
  <scan:Adf><scan:AdfSimplexInputCaps/><scan:AdfDuplexInputCaps/></scan:Adf>
</scan:ScannerCapabilities>"""


@dataclass
class FakeEsclScanner:
    pages: int = 2
    adf_state: str = "ScannerAdfLoaded"
    busy: bool = False
    jobs: list[str] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    served: int = 0


def jpeg_page() -> bytes:
    buffer = io.BytesIO()
    text_page(75).save(buffer, format="JPEG", dpi=(75, 75))
    return buffer.getvalue()


@pytest.fixture
def escl() -> Iterator[tuple[str, FakeEsclScanner]]:
    state = FakeEsclScanner()
    page = jpeg_page()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(
            self, status: int, body: bytes = b"", ctype: str = "text/xml", **headers: str
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/eSCL/ScannerCapabilities":
                self._send(200, CAPABILITIES.encode())
            elif self.path == "/eSCL/ScannerStatus":
                body = (
                    '<scan:ScannerStatus xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm" '
                    'xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03">'
                    f"<pwg:State>Idle</pwg:State><scan:AdfState>{state.adf_state}</scan:AdfState>"
                    "</scan:ScannerStatus>"
                )
                self._send(200, body.encode())
            elif self.path.endswith("/NextDocument") and state.served < state.pages:
                state.served += 1
                self._send(200, page, "image/jpeg")
            else:
                self._send(404)

        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            state.settings.append(self.rfile.read(length).decode())
            if state.busy:
                self._send(503)
                return
            job = f"/eSCL/ScanJobs/{len(state.jobs) + 1}"
            state.jobs.append(job)
            self._send(201, Location=job)

        def do_DELETE(self) -> None:
            state.deleted.append(self.path)
            self._send(200)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/eSCL", state
    finally:
        server.shutdown()
        server.server_close()


def test_escl_capabilities_and_scan_into_a_dossier(
    ctx: AppContext, escl: tuple[str, FakeEsclScanner]
) -> None:
    url, state = escl
    backend = EsclBackend((url,))
    (info,) = backend.devices()
    assert info.name == f"escl:{url}"
    assert info.flatbed and info.feeder and info.duplex
    assert info.resolutions == (150, 300)
    assert info.modes == (ColourMode.GRAY, ColourMode.COLOR)

    code = new_dossier(ctx)
    scanner = Registry([backend]).open(info.name)
    request = ScanRequest(dpi=150, mode=ColourMode.GRAY, source=Source.FEEDER)
    progress: list[int] = []
    views = scan_to_dossier(
        ctx,
        scanner,
        code,
        request,
        SYSTEM_ACTOR,
        document=1,
        progress=lambda done, _total: progress.append(done),
    )
    scanner.close()
    assert len(views) == 2 and progress == [1, 2]
    assert "<scan:ColorMode>Grayscale8</scan:ColorMode>" in state.settings[0]
    assert "<pwg:InputSource>Feeder</pwg:InputSource>" in state.settings[0]
    assert state.deleted == state.jobs


@pytest.mark.parametrize(
    ("adf_state", "failure_text"),
    [("ScannerAdfEmpty", "Khay nạp giấy trống"), ("ScannerAdfJam", "Kẹt giấy")],
)
def test_escl_feeder_failures(
    escl: tuple[str, FakeEsclScanner], adf_state: str, failure_text: str
) -> None:
    url, state = escl
    state.pages, state.adf_state = 0, adf_state
    scanner = EsclBackend().open(f"escl:{url}")
    with pytest.raises(ScannerError, match=failure_text):
        list(scanner.scan(ScanRequest(source=Source.FEEDER), CancelToken()))
    scanner.close()


def test_escl_busy_and_unreachable(escl: tuple[str, FakeEsclScanner]) -> None:
    url, state = escl
    state.busy = True
    scanner = EsclBackend().open(f"escl:{url}")
    with pytest.raises(ScannerError, match="đang bận"):
        list(scanner.scan(ScanRequest(), CancelToken()))
    scanner.close()
    with pytest.raises(ScannerError, match="Không tìm thấy máy quét"):
        EsclBackend().open("escl:http://127.0.0.1:9/eSCL")


def test_cancel_keeps_the_pages_already_stored(
    ctx: AppContext, escl: tuple[str, FakeEsclScanner]
) -> None:
    url, state = escl
    state.pages = 5
    code = new_dossier(ctx)
    cancel = CancelToken()
    scanner = EsclBackend().open(f"escl:{url}")

    def progress(done: int, _total: int | None) -> None:
        if done == 2:
            cancel.cancel()

    with pytest.raises(ScanCancelled):
        scan_to_dossier(
            ctx,
            scanner,
            code,
            ScanRequest(dpi=75, source=Source.FEEDER),
            SYSTEM_ACTOR,
            cancel=cancel,
            progress=progress,
        )
    scanner.close()
    assert len(list_pages(ctx, code)) == 2
    assert state.deleted  # the job was ended on the scanner


def test_escl_settings_document() -> None:
    xml = scan_settings_xml(ScanRequest(dpi=300, mode=ColourMode.BW, source=Source.DUPLEX))
    assert "<scan:XResolution>300</scan:XResolution>" in xml
    assert "<scan:ColorMode>BlackAndWhite1</scan:ColorMode>" in xml
    assert "<scan:Duplex>true</scan:Duplex>" in xml


# --- WIA (COM objects faked: WIA exists only on Windows) -----------------------------------


@dataclass
class Prop:
    PropertyID: int
    Value: Any


class FakeWiaItem:
    def __init__(self, outcomes: list[Any]) -> None:
        self.Properties = [
            Prop(wia.WIA_IPS_XRES, 0),
            Prop(wia.WIA_IPS_YRES, 0),
            Prop(wia.WIA_IPS_CUR_INTENT, 0),
        ]
        self._outcomes = outcomes

    def Transfer(self, fmt: str) -> Any:
        assert fmt == wia.FORMAT_PNG
        outcome = self._outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        buffer = io.BytesIO()
        outcome.save(buffer, format="PNG")
        data = buffer.getvalue()
        return type("ImageFile", (), {"FileData": type("V", (), {"BinaryData": data})})()


class ComError(Exception):
    def __init__(self, hresult: int) -> None:
        super().__init__(hresult, "COM error")
        self.hresult = hresult - (1 << 32)  # comtypes reports a signed HRESULT


def fake_wia_manager(outcomes: list[Any], handling: int) -> Any:
    item = FakeWiaItem(outcomes)
    device = type("Device", (), {})()
    device.Properties = [
        Prop(wia.WIA_DPS_DOCUMENT_HANDLING_CAPABILITIES, handling),
        Prop(wia.WIA_DPS_DOCUMENT_HANDLING_SELECT, 0),
        Prop(wia.WIA_DPS_PAGES, 0),
    ]
    device.Items = {1: item}
    info = type("DeviceInfo", (), {})()
    info.Type, info.DeviceID = wia.SCANNER_DEVICE_TYPE, "{6BDD1FC6}\\0001"
    info.Properties = [Prop(wia.WIA_DIP_VEND_DESC, "Canon"), Prop(wia.WIA_DIP_DEV_NAME, "LiDE 300")]
    info.Connect = lambda: device
    manager = type("Manager", (), {"DeviceInfos": [info]})()
    manager.device, manager.item = device, item
    return manager


def test_wia_translation_and_feeder_scan() -> None:
    manager = fake_wia_manager(
        [text_page(75), text_page(75, seed=1), ComError(0x80210003)], wia.FLATBED | wia.FEEDER
    )
    backend = wia.WiaBackend(lambda: manager)
    (info,) = backend.devices()
    assert info.name == "wia:{6BDD1FC6}\\0001" and info.vendor == "Canon"
    assert info.flatbed and info.feeder and not info.duplex
    scanner = backend.open(info.name)
    images = list(
        scanner.scan(
            ScanRequest(dpi=200, mode=ColourMode.GRAY, source=Source.FEEDER), CancelToken()
        )
    )
    assert len(images) == 2  # the empty feeder after two pages ends the batch
    values = {p.PropertyID: p.Value for p in manager.item.Properties}
    assert values[wia.WIA_IPS_XRES] == 200
    assert values[wia.WIA_IPS_CUR_INTENT] == wia.INTENT_GRAYSCALE
    device_values = {p.PropertyID: p.Value for p in manager.device.Properties}
    assert device_values[wia.WIA_DPS_DOCUMENT_HANDLING_SELECT] == wia.FEEDER


@pytest.mark.parametrize(
    ("hresult", "failure"),
    [
        (0x80210002, Failure.JAMMED),
        (0x80210006, Failure.BUSY),
        (0x80210005, Failure.NO_DEVICE),
        (0x80210016, Failure.COVER_OPEN),
    ],
)
def test_wia_errors(hresult: int, failure: Failure) -> None:
    manager = fake_wia_manager([ComError(hresult)], wia.FLATBED)
    scanner = wia.WiaBackend(lambda: manager).open("wia:{6BDD1FC6}\\0001")
    with pytest.raises(ScannerError) as caught:
        list(scanner.scan(ScanRequest(), CancelToken()))
    assert getattr(caught.value, "failure", None) is failure


def test_wia_cancel_and_unknown_code() -> None:
    assert isinstance(wia.error_from_hresult(0x80210064), ScanCancelled)
    assert "0x80219999" in wia.error_from_hresult(0x80219999).message
    assert not wia.WiaBackend().available() or wia.WiaBackend().name == "wia"


# --- TWAIN (the DSM faked: TWAIN data sources exist only on Windows) ------------------------


class PaperJam(Exception):
    pass


class NoMedia(Exception):
    pass


class FakeTwainSource:
    def __init__(self, outcomes: list[Any]) -> None:
        self.capabilities: dict[int, Any] = {}
        self._outcomes = outcomes
        self.closed = False

    def get_capability_current(self, capability: int) -> Any:
        if capability == twain.CAP_FEEDERPRESENT:
            return True
        raise type("CapUnsupported", (Exception,), {})()

    def set_capability(self, capability: int, kind: int, value: Any) -> None:
        self.capabilities[capability] = value

    def request_acquire(self, show_ui: bool, modal_ui: bool) -> None:
        assert not show_ui

    def xfer_image_natively(self) -> tuple[bytes, int]:
        outcome = self._outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        buffer = io.BytesIO()
        outcome.save(buffer, format="BMP")
        return buffer.getvalue(), len(self._outcomes)

    def close(self) -> None:
        self.closed = True


def test_twain_negotiation_and_errors() -> None:
    source = FakeTwainSource([text_page(75), PaperJam()])
    manager = type(
        "SM", (), {"source_list": ["HP ScanJet"], "open_source": lambda self, n: source}
    )()
    backend = twain.TwainBackend(lambda: manager)
    (info,) = backend.devices()
    assert info.name == "twain:HP ScanJet" and info.feeder and not info.duplex
    scanner = backend.open(info.name)
    pages = scanner.scan(
        ScanRequest(dpi=300, mode=ColourMode.BW, source=Source.FEEDER), CancelToken()
    )
    assert next(pages).size[0] > 0
    with pytest.raises(ScannerError, match="Kẹt giấy"):
        next(pages)
    assert source.capabilities[twain.ICAP_PIXELTYPE] == twain.TWPT_BW
    assert source.capabilities[twain.ICAP_XRESOLUTION] == 300.0
    assert source.capabilities[twain.CAP_FEEDERENABLED] is True
    assert isinstance(twain.translate_error(NoMedia()), ScannerError)
    scanner.close()
    assert source.closed


# --- the watched folder ---------------------------------------------------------------------


def test_watched_folder_imports_finished_files(ctx: AppContext, tmp_path: Path) -> None:
    code = new_dossier(ctx)
    folder = tmp_path / "scans"
    folder.mkdir()
    watched = WatchedFolder(folder)

    def handle(images: list[Image.Image], _path: Path) -> None:
        attach_pages(
            ctx, code, [clean_page(i, ColourMode.BW) for i in images], SYSTEM_ACTOR, document=1
        )

    text_page(100).save(folder / "scan0001.png")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    (folder / "notes.txt").write_text("ignored")
    assert watched.process(handle) == []  # first sight: the scanner may still be writing
    done = watched.process(handle)
    assert [p.name for p in done] == ["scan0001.png"]
    assert (folder / "done" / "scan0001.png").exists()
    assert (folder / "rejected" / "broken.jpg").exists()
    assert "hỏng" in (folder / "rejected" / "broken.jpg.txt").read_text("utf-8")
    assert (folder / "notes.txt").exists()
    assert len(list_pages(ctx, code)) == 1
    text_page(100, seed=3).save(folder / "scan0001.png")  # the next scan reuses the name
    watched.process(handle)
    watched.process(handle)
    assert (folder / "done" / "scan0001-1.png").exists()
    assert len(list_pages(ctx, code)) == 2


def test_registry_refuses_unusable_backends() -> None:
    registry = Registry([wia.WiaBackend()])
    if not wia.WiaBackend().available():
        assert registry.available() == []
        with pytest.raises(ScannerError, match="Không dùng được"):
            registry.open("wia:anything")
