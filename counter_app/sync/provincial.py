"""The provincial adapter exporter: pushes `DongBoHoSoMC` records and their
`CapNhatTienDoHoSoMC` entries to an endpoint that speaks the national portal's services
(docs/rules.md §14): session login, then service calls; "đã tồn tại" switches to update.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.sync.client import HubUnavailableError
from counter_app.sync.protocol import PortalRecord, wire_json

SUCCESS_CODES = frozenset({"0", "00"})
EXISTS_CODES = frozenset({"3", "-3"})
EXISTS_TEXT = "đã tồn tại"


class PortalError(CounterError):
    """The portal-style endpoint answered with an error code."""


@dataclass(frozen=True)
class PortalSettings:
    """Where and as whom to push; every part is configuration (the provincial spec is open)."""

    url: str
    username: str
    password: str
    madonvi: str
    auth_endpoint: str = "/auth"
    integration_endpoint: str = "/integration"


@dataclass
class ExportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


class ProvincialExporter:
    def __init__(
        self, settings: PortalSettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.settings = settings
        self._http = httpx.Client(
            base_url=settings.url.rstrip("/"), timeout=30.0, transport=transport
        )
        self._session: str | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ProvincialExporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _post(self, endpoint: str, body: Mapping[str, object]) -> dict[str, Any]:
        try:
            response = self._http.post(
                endpoint, content=wire_json(body), headers={"Content-Type": "application/json"}
            )
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise HubUnavailableError(
                _("Không gọi được dịch vụ của tỉnh: {error}").format(error=type(exc).__name__)
            ) from exc
        if not isinstance(answer, dict):
            raise PortalError(_("Dịch vụ của tỉnh trả lời không đúng dạng."))
        return answer

    def login(self) -> str:
        answer = self._post(
            self.settings.auth_endpoint,
            {"username": self.settings.username, "password": self.settings.password},
        )
        if str(answer.get("error_code")) not in SUCCESS_CODES or not answer.get("session"):
            raise PortalError(
                _("Đăng nhập dịch vụ của tỉnh thất bại: {message}").format(
                    message=answer.get("message", answer.get("error_code"))
                )
            )
        self._session = str(answer["session"])
        return self._session

    def call(self, service: str, **fields: object) -> dict[str, Any]:
        if self._session is None:
            self.login()
        body = {"session": self._session, "madonvi": self.settings.madonvi, "service": service}
        return self._post(self.settings.integration_endpoint, {**body, **fields})

    def push(self, item: PortalRecord) -> str:
        """Create the dossier, or update it when the portal says it already exists."""
        code = str(item.record.get("MaHoSo"))
        answer = self.call("DongBoHoSoMC", isUpdating="False", data=[item.record])
        outcome = "created"
        if _already_exists(answer):
            answer = self.call("DongBoHoSoMC", isUpdating="True", data=[item.record])
            outcome = "updated"
        _check(answer, code)
        if item.progress:
            _check(self.call("CapNhatTienDoHoSoMC", data=list(item.progress)), code)
        return outcome

    def export(self, items: Iterable[PortalRecord]) -> ExportReport:
        """Push every record; a record the portal refuses does not stop the others."""
        report = ExportReport()
        for item in items:
            code = str(item.record.get("MaHoSo"))
            try:
                outcome = self.push(item)
            except PortalError as exc:
                report.failed[code] = exc.message
                continue
            (report.created if outcome == "created" else report.updated).append(code)
        return report


def _already_exists(answer: dict[str, Any]) -> bool:
    return (
        str(answer.get("error_code")) in EXISTS_CODES
        and EXISTS_TEXT in str(answer.get("message", "")).lower()
    )


def _check(answer: dict[str, Any], code: str) -> None:
    if str(answer.get("error_code")) not in SUCCESS_CODES:
        raise PortalError(
            _("Tỉnh từ chối hồ sơ {code}: {message}").format(
                code=code, message=answer.get("message", answer.get("error_code"))
            )
        )
