"""eSCL (Apple AirScan / Mopria) network scanners over plain HTTP.

The protocol: GET `{base}/ScannerCapabilities` (XML), POST `{base}/ScanJobs` with a
`scan:ScanSettings` document (201 and a Location), then GET `{job}/NextDocument` for each
page until 404; `{base}/ScannerStatus` tells why a job failed (jam, empty feeder).
Device names are `escl:` followed by the base URL, e.g. `escl:http://192.0.2.7/eSCL`.
"""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
from PIL import Image

from counter_app.scanning.devices import (
    CancelToken,
    DeviceInfo,
    Failure,
    ScannerError,
    ScanRequest,
    Source,
    scanner_error,
)
from counter_app.scanning.images import ColourMode, open_images

PWG = "http://www.pwg.org/schemas/2010/12/sm"
SCAN = "http://schemas.hp.com/imaging/escl/2011/05/03"
NS = {"pwg": PWG, "scan": SCAN}
TIMEOUT = httpx.Timeout(10.0, read=120.0)  # a page from a slow feeder can take a while
COLOR_MODES = {
    ColourMode.BW: "BlackAndWhite1",
    ColourMode.GRAY: "Grayscale8",
    ColourMode.COLOR: "RGB24",
}
INPUT_SOURCES = {Source.FLATBED: "Platen", Source.FEEDER: "Feeder", Source.DUPLEX: "Feeder"}
A4_300THS = (2480, 3508)  # eSCL sizes are in 1/300 inch
ADF_STATES = {
    "ScannerAdfEmpty": Failure.FEEDER_EMPTY,
    "ScannerAdfJam": Failure.JAMMED,
    "ScannerAdfHatchOpen": Failure.COVER_OPEN,
    "ScannerAdfMispick": Failure.JAMMED,
}


def parse_capabilities(name: str, xml_text: str) -> DeviceInfo:
    """Translate `ScannerCapabilities` into the app's capabilities."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise scanner_error(Failure.IO, f"capabilities: {exc}") from exc
    sources: list[Source] = []
    if root.find("scan:Platen", NS) is not None:
        sources.append(Source.FLATBED)
    adf = root.find("scan:Adf", NS)
    if adf is not None:
        sources.append(Source.FEEDER)
        if adf.find("scan:AdfDuplexInputCaps", NS) is not None:
            sources.append(Source.DUPLEX)
    resolutions = sorted(
        {int(x.text) for x in root.iter(f"{{{SCAN}}}XResolution") if x.text and x.text.isdigit()}
    )
    modes_found = {x.text for x in root.iter(f"{{{SCAN}}}ColorMode")}
    modes = tuple(mode for mode, value in COLOR_MODES.items() if value in modes_found)
    make = root.findtext("pwg:MakeAndModel", default="", namespaces=NS)
    return DeviceInfo(
        name=name,
        backend="escl",
        vendor=make.split(" ")[0] if make else "",
        model=make,
        sources=tuple(sources) or (Source.FLATBED,),
        resolutions=tuple(resolutions) or (300,),
        modes=modes or (ColourMode.GRAY,),
    )


def scan_settings_xml(request: ScanRequest) -> str:
    """The `scan:ScanSettings` document for a request (A4, the asked mode and dpi)."""
    ET.register_namespace("pwg", PWG)
    ET.register_namespace("scan", SCAN)
    root = ET.Element(f"{{{SCAN}}}ScanSettings")
    ET.SubElement(root, f"{{{PWG}}}Version").text = "2.0"
    regions = ET.SubElement(root, f"{{{PWG}}}ScanRegions")
    region = ET.SubElement(regions, f"{{{PWG}}}ScanRegion")
    for tag, value in (
        ("Height", A4_300THS[1]),
        ("ContentRegionUnits", "escl:ThreeHundredthsOfInches"),
        ("Width", A4_300THS[0]),
        ("XOffset", 0),
        ("YOffset", 0),
    ):
        ET.SubElement(region, f"{{{PWG}}}{tag}").text = str(value)
    ET.SubElement(root, f"{{{PWG}}}InputSource").text = INPUT_SOURCES[request.source]
    ET.SubElement(root, f"{{{SCAN}}}ColorMode").text = COLOR_MODES[request.mode]
    ET.SubElement(root, f"{{{SCAN}}}XResolution").text = str(request.dpi)
    ET.SubElement(root, f"{{{SCAN}}}YResolution").text = str(request.dpi)
    ET.SubElement(root, f"{{{PWG}}}DocumentFormat").text = "image/jpeg"
    if request.source is Source.DUPLEX:
        ET.SubElement(root, f"{{{SCAN}}}Duplex").text = "true"
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def failure_from_status(xml_text: str) -> Failure:
    """Why the scanner stopped, from `ScannerStatus`."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return Failure.IO
    adf_state = root.findtext("scan:AdfState", default="", namespaces=NS)
    if adf_state in ADF_STATES:
        return ADF_STATES[adf_state]
    state = root.findtext("pwg:State", default="", namespaces=NS)
    return Failure.BUSY if state in ("Processing", "Testing") else Failure.IO


class EsclScanner:
    def __init__(self, base: str, client: httpx.Client, info: DeviceInfo) -> None:
        self._base = base
        self._client = client
        self.info = info

    def _failure(self) -> ScannerError:
        try:
            status = self._client.get(f"{self._base}/ScannerStatus")
            return scanner_error(failure_from_status(status.text))
        except httpx.HTTPError as exc:
            return scanner_error(Failure.IO, str(exc))

    def scan(self, request: ScanRequest, cancel: CancelToken) -> Iterator[Image.Image]:
        cancel.raise_if_cancelled()
        try:
            created = self._client.post(
                f"{self._base}/ScanJobs",
                content=scan_settings_xml(request).encode(),
                headers={"Content-Type": "text/xml"},
            )
        except httpx.HTTPError as exc:
            raise scanner_error(Failure.IO, str(exc)) from exc
        if created.status_code == 503:
            raise scanner_error(Failure.BUSY)
        if created.status_code != 201 or "location" not in created.headers:
            raise self._failure()
        job = created.headers["location"]
        if not job.startswith("http"):
            job = str(httpx.URL(self._base).join(job))
        taken = 0
        try:
            while request.pages is None or taken < request.pages:
                cancel.raise_if_cancelled()
                response = self._client.get(f"{job.rstrip('/')}/NextDocument")
                if response.status_code == 404:
                    if taken == 0:
                        raise self._failure()
                    return
                if response.status_code != 200:
                    raise self._failure()
                image = next(open_images(response.content, "eSCL"))
                taken += 1
                yield image
                if request.source is Source.FLATBED and request.pages is None:
                    return
        except httpx.HTTPError as exc:
            raise scanner_error(Failure.IO, str(exc)) from exc
        finally:
            self._delete(job)  # ends a job cut short; harmless on a finished one

    def _delete(self, job: str) -> None:
        with contextlib.suppress(httpx.HTTPError):  # the job ends by itself on the scanner
            self._client.delete(job)

    def close(self) -> None:
        self._client.close()


class EsclBackend:
    name = "escl"

    def __init__(self, urls: tuple[str, ...] = ()) -> None:
        self._urls = urls

    def available(self) -> bool:
        return True  # pure HTTP

    def devices(self) -> list[DeviceInfo]:
        found = []
        for url in self._urls:
            try:
                scanner = self.open(f"escl:{url}")
            except ScannerError:
                continue  # an unreachable network scanner is simply not listed
            found.append(scanner.info)
            scanner.close()
        return found

    def open(self, name: str) -> EsclScanner:
        base = name.removeprefix("escl:").rstrip("/")
        client = httpx.Client(timeout=TIMEOUT)
        try:
            response = client.get(f"{base}/ScannerCapabilities")
        except httpx.HTTPError as exc:
            client.close()
            raise scanner_error(Failure.NO_DEVICE, base) from exc
        if response.status_code != 200:
            client.close()
            raise scanner_error(Failure.NO_DEVICE, f"{base}: HTTP {response.status_code}")
        return EsclScanner(base, client, parse_capabilities(f"escl:{base}", response.text))
