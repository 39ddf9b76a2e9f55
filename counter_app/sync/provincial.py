"""The exporters to the province's one-stop system, one per transport style of the
production clients (docs/sync-protocol.md §8a), behind one small interface (`Exporter`):

* `ProvincialExporter` (profile `session`, OpenCPS): a session login, then service calls
  with `madonvi`/`service` in the body; "đã tồn tại" switches to `isUpdating: "True"`;
* `RelayExporter` (profile `relay`, TD-DVC): the bare list of records to a create URL,
  then to an update URL when the answer says "đã tồn tại"; success is `error_code` "0"
  with "thành công"; progress in lists of at most 10 to a third URL.

`open_exporter` makes the one the counter's `portal` settings choose. A refusal carries
the province's own words (`PortalRefusal.reason`); an unreachable province is
`HubUnavailableError` (try again later); refused credentials or a wrong address are
`PortalConfigError` (nothing a retry mends).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from counter_app.errors import ConfigError, CounterError
from counter_app.i18n import _
from counter_app.kernel.config import PortalProfile
from counter_app.sync.client import HubUnavailableError
from counter_app.sync.protocol import PortalDossier, PortalRecord, ProgressEntry, wire_json

SUCCESS_CODES = frozenset({"0", "00"})
EXISTS_CODES = frozenset({"3", "-3"})
EXISTS_TEXT = "đã tồn tại"


SUCCESS_TEXT = "thành công"
PROGRESS_CHUNK = 10
"""Progress entries per call: TD-DVC sends at most 10."""
MAX_REASON = 2000
"""The longest province answer kept (a refusal's words, an HTML error page cut short)."""


class PortalError(CounterError):
    """The portal-style endpoint answered with an error code."""


class PortalRefusal(PortalError):
    """The province refused one record or its progress; `reason` is its own words."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(
            _("Tỉnh từ chối hồ sơ {code}: {message}").format(code=code, message=reason)
        )
        self.code = code
        self.reason = reason


class PortalConfigError(PortalError, ConfigError):
    """Credentials refused or an address the province does not serve: fix the settings."""


class Exporter(Protocol):
    """What the push needs of a transport: one record, then its new progress entries."""

    def send_record(self, record: PortalDossier) -> str:
        """Create or update one record: "created" or "updated"; raises `PortalRefusal`."""
        ...

    def send_progress(self, code: str, entries: Sequence[ProgressEntry]) -> None:
        """Send progress entries of one record; raises `PortalRefusal`."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class PortalSettings:
    """Where and as whom to push; every part is configuration (the provincial spec is open)."""

    url: str
    username: str
    password: str
    madonvi: str
    auth_endpoint: str = "/auth"
    integration_endpoint: str = "/integration"
    dstcode: str = ""
    """OpenCPS's `dstcode` header, sent when set."""
    timeout: float = 30.0


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
        headers = {"dstcode": settings.dstcode} if settings.dstcode else {}
        self._http = httpx.Client(
            base_url=settings.url.rstrip("/"),
            timeout=settings.timeout,
            transport=transport,
            headers=headers,
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
            raise PortalConfigError(
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

    def send_record(self, record: PortalDossier) -> str:
        code = str(record.get("MaHoSo"))
        answer = self.call("DongBoHoSoMC", isUpdating="False", data=[record])
        outcome = "created"
        if _already_exists(answer):
            answer = self.call("DongBoHoSoMC", isUpdating="True", data=[record])
            outcome = "updated"
        _check(answer, code)
        return outcome

    def send_progress(self, code: str, entries: Sequence[ProgressEntry]) -> None:
        for start in range(0, len(entries), PROGRESS_CHUNK):
            chunk = list(entries[start : start + PROGRESS_CHUNK])
            _check(self.call("CapNhatTienDoHoSoMC", data=chunk), code)

    def push(self, item: PortalRecord) -> str:
        """Create the dossier, or update it when the portal says it already exists, then
        its whole progress."""
        outcome = self.send_record(item.record)
        self.send_progress(str(item.record.get("MaHoSo")), item.progress)
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
        raise PortalRefusal(code, _words(answer))


def _words(answer: Mapping[str, Any]) -> str:
    """The province's own text of an answer, as it said it."""
    message = answer.get("message")
    if message is None or message == "":
        message = f"error_code {answer.get('error_code')}"
    return str(message)[:MAX_REASON]


@dataclass(frozen=True)
class RelaySettings:
    """The relay style's addresses: a base URL and three paths (any may carry a query
    string, as HG's relay takes the unit code and `isUpdating` there)."""

    url: str
    create_path: str
    update_path: str
    progress_path: str = ""
    token: str = ""
    timeout: float = 60.0


class RelayExporter:
    """TD-DVC's style: the bare list `[record]` to the create URL; when the answer's
    `error_code` is "0", "3" or "-3" and its message says "đã tồn tại", the same list to
    the update URL. Accepted only with `error_code` "0" and "thành công" in the message.
    Progress goes in lists of at most 10; the answer is plain text saying "thành công"."""

    def __init__(
        self, settings: RelaySettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.settings = settings
        headers = {"Content-Type": "application/json"}
        if settings.token:
            headers["Authorization"] = f"Bearer {settings.token}"
        self._http = httpx.Client(
            base_url=settings.url.rstrip("/"),
            timeout=settings.timeout,
            transport=transport,
            headers=headers,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RelayExporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _post(self, path: str, items: Sequence[Mapping[str, object]], code: str) -> httpx.Response:
        try:
            response = self._http.post(path, content=wire_json(list(items)))
        except httpx.HTTPError as exc:
            raise HubUnavailableError(
                _("Không gọi được dịch vụ của tỉnh: {error}").format(error=type(exc).__name__)
            ) from exc
        status = response.status_code
        if status in (401, 403):
            raise PortalConfigError(
                _(
                    "Hệ thống của tỉnh không nhận quyền truy cập ({status}); "
                    "kiểm tra “portal.token”."
                ).format(status=status)
            )
        if status in (404, 405):
            raise PortalConfigError(
                _(
                    "Hệ thống của tỉnh không có địa chỉ {path} ({status}); "
                    "kiểm tra cài đặt “portal”."
                ).format(path=path, status=status)
            )
        if status >= 500 or status == 429:
            raise HubUnavailableError(
                _("Dịch vụ của tỉnh đang lỗi ({status}).").format(status=status)
            )
        if status >= 400:  # a server that refuses the body itself (a strict model binding)
            raise PortalRefusal(code, response.text.strip()[:MAX_REASON] or str(status))
        return response

    def _answer(self, path: str, record: PortalDossier, code: str) -> dict[str, Any]:
        response = self._post(path, [record], code)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise PortalRefusal(code, response.text.strip()[:MAX_REASON])
        return answer

    def send_record(self, record: PortalDossier) -> str:
        code = str(record.get("MaHoSo"))
        answer = self._answer(self.settings.create_path, record, code)
        outcome = "created"
        if str(answer.get("error_code")) in {"0", *EXISTS_CODES} and _says_exists(answer):
            answer = self._answer(self.settings.update_path, record, code)
            outcome = "updated"
        if str(answer.get("error_code")) != "0" or SUCCESS_TEXT not in _lower(answer):
            raise PortalRefusal(code, _words(answer))
        return outcome

    def send_progress(self, code: str, entries: Sequence[ProgressEntry]) -> None:
        if not self.settings.progress_path:
            return
        for start in range(0, len(entries), PROGRESS_CHUNK):
            chunk = entries[start : start + PROGRESS_CHUNK]
            text = self._post(self.settings.progress_path, chunk, code).text
            if SUCCESS_TEXT not in text.lower():
                raise PortalRefusal(code, text.strip()[:MAX_REASON])


def _lower(answer: Mapping[str, Any]) -> str:
    return str(answer.get("message", "")).lower()


def _says_exists(answer: Mapping[str, Any]) -> bool:
    return EXISTS_TEXT in _lower(answer)


def open_exporter(profile: PortalProfile, unit_code: str) -> ProvincialExporter | RelayExporter:
    """The exporter the counter's `portal` settings choose; one line naming the setting
    to set when they are incomplete. `unit_code` is `madonvi` unless `portal.unit_code`
    gives another."""
    if not profile.transport:
        raise ConfigError(
            _(
                "Chưa cài đặt gửi lên hệ thống một cửa của tỉnh: đặt “portal.transport” "
                "(session hoặc relay) và “portal.url” trong config.json."
            )
        )
    if not profile.url.startswith(("http://", "https://")):
        raise ConfigError(
            _("“portal.url” phải là địa chỉ http:// hoặc https:// của hệ thống tỉnh.")
        )
    if profile.transport == "session":
        for key, value in (
            ("portal.username", profile.username),
            ("portal.password", profile.password),
        ):
            if not value:
                raise ConfigError(
                    _("Cách gửi session cần “{key}” trong config.json.").format(key=key)
                )
        if not (profile.unit_code or unit_code):
            raise ConfigError(
                _("Cách gửi session cần mã đơn vị: đặt “portal.unit_code” trong config.json.")
            )
        settings = PortalSettings(
            profile.url,
            profile.username,
            profile.password,
            profile.unit_code or unit_code,
            profile.auth_path,
            profile.integration_path,
            dstcode=profile.dstcode,
            timeout=float(profile.timeout_seconds),
        )
        return ProvincialExporter(settings)
    for key, value in (
        ("portal.create_path", profile.create_path),
        ("portal.update_path", profile.update_path),
    ):
        if not value:
            raise ConfigError(_("Cách gửi relay cần “{key}” trong config.json.").format(key=key))
    return RelayExporter(
        RelaySettings(
            profile.url,
            profile.create_path,
            profile.update_path,
            profile.progress_path,
            profile.token,
            float(profile.timeout_seconds),
        )
    )
