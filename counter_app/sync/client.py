"""The counter's HTTP client for the hub (httpx): signs every request, learns the hub's
clock, compresses JSON bodies, and counts the bytes it puts on the wire.
"""

from __future__ import annotations

import gzip
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.sync.protocol import (
    API_PREFIX,
    HEADER_DEVICE,
    HEADER_HUB_TIME,
    HEADER_NONCE,
    HEADER_PROTOCOL,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    PROTOCOL_VERSION,
    BatchAnswer,
    DayCloseAnswer,
    DayCloseRequest,
    DayManifest,
    DossierPayload,
    DossierResult,
    SyncBatch,
    sign,
    wire_json,
)

if TYPE_CHECKING:  # httpx (and what it pulls in) loads at the first request, not at start
    import httpx

DEFAULT_TIMEOUT_SECONDS = 30.0
GZIP_MIN_BYTES = 1024


class HubUnavailableError(CounterError):
    """The hub cannot be reached or answered with a server error: try again later."""


class HubRefusedError(CounterError):
    """The hub refused the request; `reason` is its stable reason code."""

    def __init__(self, reason: str, message: str, status: int, detail: dict[str, Any]) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status
        self.detail = detail


@dataclass
class WireStats:
    requests: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    payload_bytes: int = 0
    """Bytes of the JSON documents and page chunks before compression and headers."""


def _wire_size(request: httpx.Request | None, response: httpx.Response) -> tuple[int, int]:
    sent = 0
    if request is not None:
        sent = len(request.method) + len(request.url.raw_path) + 12
        sent += sum(len(k) + len(v) + 4 for k, v in request.headers.raw)
        sent += len(request.content)
    received = 17 + sum(len(k) + len(v) + 4 for k, v in response.headers.raw)
    received += len(response.content)
    return sent, received


class HubClient:
    """A signed session with the hub for one device."""

    def __init__(
        self,
        base_url: str,
        device_id: str,
        secret: str,
        clock: Callable[[], datetime],
        *,
        clock_offset: float = 0.0,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.device_id = device_id
        self._secret = secret
        self._clock = clock
        self.clock_offset = clock_offset
        """Seconds to add to the local clock to get the hub's (learned from its answers)."""
        self.stats = WireStats()
        import httpx

        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport ----------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        payload_size: int = 0,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> httpx.Response:
        import httpx

        all_headers = {HEADER_PROTOCOL: str(PROTOCOL_VERSION), **(headers or {})}
        if signed:
            timestamp = str(int(self._clock().timestamp() + self.clock_offset))
            nonce = secrets.token_hex(16)
            all_headers[HEADER_DEVICE] = self.device_id
            all_headers[HEADER_TIMESTAMP] = timestamp
            all_headers[HEADER_NONCE] = nonce
            all_headers[HEADER_SIGNATURE] = sign(self._secret, method, path, timestamp, nonce, body)
        try:
            response = self._http.request(method, path, content=body, headers=all_headers)
        except httpx.HTTPError as exc:
            raise HubUnavailableError(
                _("Không kết nối được hub: {error}").format(error=type(exc).__name__)
            ) from exc
        sent, received = _wire_size(response.request, response)
        self.stats.requests += 1
        self.stats.bytes_sent += sent
        self.stats.bytes_received += received
        self.stats.payload_bytes += payload_size
        self._learn_clock(response)
        if response.status_code >= 500:
            raise HubUnavailableError(
                _("Hub trả lỗi máy chủ {status}.").format(status=response.status_code)
            )
        if response.status_code >= 400:
            try:
                detail = response.json()
            except ValueError:
                detail = {}
            raise HubRefusedError(
                str(detail.get("error", "http_error")),
                str(detail.get("message", _("Hub từ chối yêu cầu."))),
                response.status_code,
                detail,
            )
        return response

    def _learn_clock(self, response: httpx.Response) -> None:
        hub_time = response.headers.get(HEADER_HUB_TIME)
        if hub_time and hub_time.isdigit():
            self.clock_offset = int(hub_time) - self._clock().timestamp()

    def _json(
        self, method: str, path: str, document: Mapping[str, object], *, signed: bool = True
    ) -> Any:
        raw = wire_json(document)
        headers = {"Content-Type": "application/json"}
        body = raw
        if len(raw) >= GZIP_MIN_BYTES:
            body = gzip.compress(raw, compresslevel=6)
            headers["Content-Encoding"] = "gzip"
        response = self._send(
            method, path, body=body, payload_size=len(raw), headers=headers, signed=signed
        )
        return response.json()

    # --- protocol -----------------------------------------------------------------------

    def sync_clock(self) -> float:
        """Ask the hub for its time (unsigned) so the next signatures fall in its window."""
        self._send("GET", f"{API_PREFIX}/time", signed=False)
        return self.clock_offset

    def send_batch(self, dossiers: list[DossierPayload]) -> list[DossierResult]:
        document: SyncBatch = {
            "protocol": PROTOCOL_VERSION,
            "device": self.device_id,
            "dossiers": dossiers,
        }
        answer: BatchAnswer = self._json("POST", f"{API_PREFIX}/batches", document)
        return answer["results"]

    def page_status(self, sha256: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._send("GET", f"{API_PREFIX}/pages/{sha256}").json()
        return answer

    def put_chunk(self, sha256: str, offset: int, total: int, data: bytes) -> dict[str, Any]:
        path = f"{API_PREFIX}/pages/{sha256}?offset={offset}&total={total}"
        response = self._send(
            "PUT",
            path,
            body=data,
            payload_size=len(data),
            headers={"Content-Type": "application/octet-stream"},
        )
        answer: dict[str, Any] = response.json()
        return answer

    def day_close(self, manifest: DayManifest) -> DayCloseAnswer:
        document: DayCloseRequest = {
            "protocol": PROTOCOL_VERSION,
            "device": self.device_id,
            "manifest": manifest,
        }
        answer: DayCloseAnswer = self._json("POST", f"{API_PREFIX}/day-close", document)
        return answer


def enroll_request(
    base_url: str,
    code: str,
    label: str,
    office: str,
    unit_id: str,
    *,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Any]:
    """Spend a one-time enrolment code at the hub for this office (`office`, the unit
    code, and `unit_id`, its electronic ID); the answer holds the device secret."""
    client = HubClient(base_url, "", "", datetime.now, transport=transport)
    try:
        answer: dict[str, Any] = client._json(
            "POST",
            f"{API_PREFIX}/enroll",
            {"code": code, "label": label, "office": office, "unit_id": unit_id},
            signed=False,
        )
        return answer
    finally:
        client.close()
