"""What the counter takes in from the province's one-stop system (`counter-app portal pull`,
docs/sync-protocol.md "Inbound"): the dossiers citizens filed online for this office, the
status changes made there, and the catalog's national codes.

Through the session profile (`portal.transport` "session"): the same login as the
exporter's (`ProvincialExporter`: `{username, password}` to the auth path, a `session` in
the answer), then service calls with `session`, `madonvi` and `service` in the body. No
production client pulls ordinary dossiers, so the services follow the nearest production
ones (docs/sync-protocol.md names each):

* `LayDanhSachHoSo` lists the dossiers filed online for the unit that the counter has not
  taken yet, each in the `DongBoHoSoMC` layout; `CapNhatDaNhanHoSo` (`maHoSo`,
  `daNhan` "True") tells the province the counter holds one (TD-DVC's pull of civil-status
  filings: `LayDanhSachHoSo`, then `CapNhatDaNhanHoSo`);
* `TraCuuHoSo` (`mahoso`) answers one dossier as the province holds it now: its
  `TrangThaiHoSo` is how a change made there reaches the counter (OpenCPS);
* `LayDanhSachTTHC`, then `LayThuTuc` (`maTTHC`) per procedure: the field, component and
  result codes (OpenCPS; TD-DVC runs the same pair daily).

Every byte from outside is hostile: an answer larger than `MAX_ANSWER_BYTES`, not a JSON
object, a value that is not a string, a code outside its pattern, a date not
`yyyyMMddHHmmss` or in the future, a text with a control character, too long, is refused
with one line naming the dossier and the field, and nothing of it is written. Texts are
stored NFC. A filing is taken once, keyed by the portal's code (`portal_inbound`), in one
unit of work with its dossier; it shows on the desk as submitted online (`submitted`,
channel `online`) under the portal's code, so it is counted once here and, sent out under
that code, once at the province. A status the province reports is applied once, as an
event by `PROVINCE_ACTOR`; one the local history cannot take (a dossier the clerk already
moved on) is reported and left for a person.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

import httpx
import sqlalchemy as sa

from counter_app.domain.applicants import Applicant, applicant_from_json
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.catalog import Catalog
from counter_app.domain.lifecycle import Channel, Delivery, Status, check_move
from counter_app.domain.text import PORTAL_CODE, REASON, visible
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.errors import ConfigError, CounterError, NotFoundError, ValidationError
from counter_app.i18n import _
from counter_app.kernel.catalog import merge_codes
from counter_app.kernel.context import AppContext, DatabaseCall, run_here
from counter_app.kernel.users import PROVINCE_ACTOR
from counter_app.store.models import Dossier
from counter_app.sync.client import HubUnavailableError
from counter_app.sync.models import PortalInbound
from counter_app.sync.protocol import wire_json
from counter_app.sync.provincial import SUCCESS_CODES, PortalError, PortalSettings

_log = logging.getLogger(__name__)

LIST_SERVICE = "LayDanhSachHoSo"
TAKEN_SERVICE = "CapNhatDaNhanHoSo"
LOOKUP_SERVICE = "TraCuuHoSo"
PROCEDURES_SERVICE = "LayDanhSachTTHC"
PROCEDURE_SERVICE = "LayThuTuc"

MAX_ANSWER_BYTES = 4 * 1024 * 1024
"""The largest answer read; a larger one is refused unread (a list of 500 dossiers in the
record layout is well under 1 MB)."""
MAX_DOSSIERS = 500
"""The most dossiers one list may hold; more is refused (the province pages, or it is not
the province)."""
MAX_PROCEDURES = 20_000
"""The most procedures in the national list (about 6,300 in 2026)."""
MAX_LOOKUPS = 500
"""Open pulled dossiers whose status is asked in one pull, oldest first."""
CLOCK_SKEW = timedelta(minutes=10)
"""How far in the future a filing time may be (the two clocks differ) before it is refused."""
MAX_WORDS = 200
"""The longest province text quoted in a message."""

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_PROCEDURE_RE = re.compile(r"^([0-9]\.[0-9]{6})(\.[0-9A-Z]{1,10}){0,5}$")
_NATIONAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")
_TIME_RE = re.compile(r"^[0-9]{14}$")
_STATUS_CODES = frozenset(str(n) for n in range(1, 11))
_SUBJECT_KINDS = {"": "person", "1": "person", "2": "organisation", "3": "organisation"}
_SUBJECT_KINDS["4"] = "organisation"


class InboundRefused(ValidationError):
    """Something the province sent is refused; nothing of it was written."""


# --- the session client -------------------------------------------------------------------


class PortalReader:
    """The session profile's calls, reading at most `MAX_ANSWER_BYTES` of each answer.

    The login is the exporter's (`ProvincialExporter.login`): the same body, the same test
    of the answer, the same `PortalSettings`."""

    def __init__(
        self, settings: PortalSettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.settings = settings
        headers = {"Content-Type": "application/json"}
        if settings.dstcode:
            headers["dstcode"] = settings.dstcode
        self._http = httpx.Client(
            base_url=settings.url.rstrip("/"),
            timeout=settings.timeout,
            transport=transport,
            headers=headers,
        )
        self._session: str | None = None
        self.calls = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PortalReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _post(self, endpoint: str, body: Mapping[str, object]) -> dict[str, Any]:
        self.calls += 1
        try:
            with self._http.stream("POST", endpoint, content=wire_json(body)) as response:
                if response.status_code >= 500 or response.status_code == 429:
                    raise HubUnavailableError(
                        _("Dịch vụ của tỉnh đang lỗi ({status}).").format(
                            status=response.status_code
                        )
                    )
                if response.status_code >= 400:
                    raise PortalError(
                        _("Dịch vụ của tỉnh từ chối lời gọi ({status}).").format(
                            status=response.status_code
                        )
                    )
                content = bytearray()
                for chunk in response.iter_bytes():
                    content += chunk
                    if len(content) > MAX_ANSWER_BYTES:
                        raise InboundRefused(
                            _("Câu trả lời của tỉnh quá lớn (hơn {n} MB); không nhận.").format(
                                n=MAX_ANSWER_BYTES // (1024 * 1024)
                            )
                        )
        except httpx.HTTPError as exc:
            raise HubUnavailableError(
                _("Không gọi được dịch vụ của tỉnh: {error}").format(error=type(exc).__name__)
            ) from exc
        try:
            answer = json.loads(bytes(content).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise InboundRefused(_("Câu trả lời của tỉnh không phải JSON.")) from None
        if not isinstance(answer, dict):
            raise InboundRefused(_("Câu trả lời của tỉnh không phải một đối tượng JSON."))
        return answer

    def login(self) -> str:
        answer = self._post(
            self.settings.auth_endpoint,
            {"username": self.settings.username, "password": self.settings.password},
        )
        session = answer.get("session")
        if str(answer.get("error_code")) not in SUCCESS_CODES or not isinstance(session, str):
            raise PortalError(
                _("Đăng nhập dịch vụ của tỉnh thất bại: {message}").format(message=_words(answer))
            )
        if not session or len(session) > 4000 or not session.isprintable():
            raise InboundRefused(_("Phiên đăng nhập tỉnh trả về không hợp lệ."))
        self._session = session
        return session

    def call(self, service: str, **fields: str) -> dict[str, Any]:
        if self._session is None:
            self.login()
        body = {"session": self._session, "madonvi": self.settings.madonvi, "service": service}
        answer = self._post(self.settings.integration_endpoint, {**body, **fields})
        if str(answer.get("error_code")) not in SUCCESS_CODES:
            raise PortalError(
                _("Tỉnh trả lỗi cho {service}: {message}").format(
                    service=service, message=_words(answer)
                )
            )
        return answer

    def results(self, service: str, limit: int, **fields: str) -> list[dict[str, Any]]:
        """The `result` list of an answer: JSON objects only, at most `limit`."""
        result = self.call(service, **fields).get("result")
        if not isinstance(result, list):
            raise InboundRefused(
                _("Tỉnh trả lời {service} không có danh sách “result”.").format(service=service)
            )
        if len(result) > limit:
            raise InboundRefused(
                _("Tỉnh trả lời {service} quá nhiều mục ({n}, tối đa {limit}).").format(
                    service=service, n=len(result), limit=limit
                )
            )
        for index, item in enumerate(result):
            if not isinstance(item, dict):
                raise InboundRefused(
                    _("Tỉnh trả lời {service}: mục {n} không phải đối tượng JSON.").format(
                        service=service, n=index + 1
                    )
                )
        return result


def _words(answer: Mapping[str, Any]) -> str:
    """The province's text, safe for one line."""
    message = answer.get("message")
    if not isinstance(message, str) or not message:
        message = f"error_code {str(answer.get('error_code'))[:20]}"
    return visible(message)[:MAX_WORDS]


def session_settings(ctx: AppContext) -> PortalSettings:
    """The session profile of the counter's `portal` settings, as the exporter reads them;
    one line naming what to set when they do not allow a pull."""
    profile = ctx.config.portal
    if profile.transport != "session":
        raise ConfigError(
            _(
                "Nhận hồ sơ từ tỉnh cần cách gửi session: đặt “portal.transport” là session, "
                "“portal.url”, “portal.username” và “portal.password” trong config.json."
            )
        )
    if not profile.url.startswith(("http://", "https://")):
        raise ConfigError(_("Địa chỉ “portal.url” cần bắt đầu bằng http:// hoặc https://."))
    if not (profile.username and profile.password):
        raise ConfigError(_("Cách gửi session cần “portal.username” và “portal.password”."))
    office = ctx.config.office
    unit = profile.unit_code or (office.electronic_id if office is not None else "")
    if not unit:
        raise ConfigError(_("Cần mã đơn vị gửi tỉnh: đặt “portal.unit_code” trong config.json."))
    return PortalSettings(
        profile.url,
        profile.username,
        profile.password,
        unit,
        profile.auth_path,
        profile.integration_path,
        dstcode=profile.dstcode,
        timeout=float(profile.timeout_seconds),
    )


# --- what a listed dossier says -----------------------------------------------------------


@dataclass(frozen=True)
class OnlineFiling:
    """One dossier the province listed, checked."""

    portal_code: str
    procedure_code: str
    applicant: Applicant
    submitted_at: datetime
    status: str
    delivery: Delivery


def _refuse(code: str, field_name: str, problem: str) -> InboundRefused:
    return InboundRefused(
        _("Hồ sơ {code} từ tỉnh, trường {field}: {problem}; không nhận.").format(
            code=code, field=field_name, problem=problem
        )
    )


def _text(item: Mapping[str, Any], key: str, code: str) -> str:
    value = item.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _refuse(code, key, _("phải là chuỗi"))
    return value


def _portal_code(item: Mapping[str, Any]) -> str:
    raw = item.get("MaHoSo")
    shown = visible(raw)[:40] if isinstance(raw, str) else "?"
    if not isinstance(raw, str) or not _CODE_RE.match(raw):
        raise _refuse(shown, "MaHoSo", _("cần mã 1–64 ký tự chữ, số, . _ / -"))
    return PORTAL_CODE.clean(raw, required=True)


def _procedure_code(item: Mapping[str, Any], code: str, catalog: Catalog) -> str:
    raw = _text(item, "MaTTHC", code)
    matched = _PROCEDURE_RE.match(raw) if len(raw) <= 60 else None
    if matched is None:
        raise _refuse(code, "MaTTHC", _("mã thủ tục không đúng dạng"))
    short = matched.group(1)
    try:
        catalog.get(short)
    except NotFoundError:
        problem = _("thủ tục {p} không có trong danh mục").format(p=short)
        raise _refuse(code, "MaTTHC", problem) from None
    return short


def parse_time(text: str, code: str, key: str, now: datetime) -> datetime:
    """A `yyyyMMddHHmmss` time from the province: 14 digits, a real moment, from 2000 on,
    not in the future (beyond `CLOCK_SKEW`)."""
    if not _TIME_RE.match(text):
        raise _refuse(code, key, _("cần thời điểm dạng yyyyMMddHHmmss"))
    try:
        moment = datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=VN_TZ)
    except ValueError:
        raise _refuse(code, key, _("thời điểm không có thật")) from None
    if moment.year < 2000 or moment > now + CLOCK_SKEW:
        raise _refuse(code, key, _("thời điểm ngoài khoảng cho phép"))
    return moment


def parse_filing(item: Mapping[str, Any], catalog: Catalog, now: datetime) -> OnlineFiling:
    """One listed dossier, or InboundRefused naming it and the field."""
    code = _portal_code(item)
    for key, value in item.items():
        if not isinstance(key, str) or len(key) > 64:
            raise _refuse(code, "?", _("tên trường không hợp lệ"))
        if isinstance(value, bool | int | float):
            raise _refuse(code, key, _("phải là chuỗi"))
    procedure = _procedure_code(item, code, catalog)
    channel = _text(item, "KenhThucHien", code)
    if channel != str(Channel.ONLINE.portal_code):
        raise _refuse(code, "KenhThucHien", _("hồ sơ không nộp trực tuyến (cần 2)"))
    status = _text(item, "TrangThaiHoSo", code)
    if status not in _STATUS_CODES:
        raise _refuse(code, "TrangThaiHoSo", _("cần mã 1–10"))
    filed = _text(item, "NgayNopHoSo", code) or _text(item, "NgayTiepNhan", code)
    submitted_at = parse_time(filed, code, "NgayNopHoSo", now)
    delivery_code = _text(item, "HinhThuc", code)
    if delivery_code not in ("", "0", "1"):
        raise _refuse(code, "HinhThuc", _("cần 0 hoặc 1"))
    kind = _SUBJECT_KINDS.get(_text(item, "LoaiDoiTuong", code))
    if kind is None:
        raise _refuse(code, "LoaiDoiTuong", _("cần mã 1–4"))
    number = _text(item, "SoGiayToChuHoSo", code)
    person = {"kind": kind, "name": _text(item, "ChuHoSo", code)}
    person["id_number" if kind == "person" else "tax_code"] = number
    person["phone"] = _text(item, "SoDienThoai", code)
    person["email"] = _text(item, "Email", code)
    try:
        applicant = applicant_from_json(person)
    except ValidationError as exc:
        raise _refuse(code, "ChuHoSo", exc.message.rstrip(".")) from None
    return OnlineFiling(
        portal_code=code,
        procedure_code=procedure,
        applicant=applicant,
        submitted_at=submitted_at,
        status=status,
        delivery=Delivery.POST if delivery_code == "1" else Delivery.COUNTER,
    )


def catalog_codes(answers: Sequence[Mapping[str, Any]]) -> dict[str, object]:
    """`LayThuTuc` answers (`result[0]` each) as a codes document (procedure-codes.json's
    layout) for `kernel.catalog.merge_codes`; InboundRefused on a code out of its pattern."""
    procedures = []
    for detail in answers:
        raw = detail.get("MATTHC")
        matched = _PROCEDURE_RE.match(raw) if isinstance(raw, str) and len(raw) <= 60 else None
        if matched is None:
            raise InboundRefused(_("Tỉnh trả lời LayThuTuc với mã thủ tục không đúng dạng."))
        code = matched.group(1)
        fields = _list(detail, "LINHVUCTHUCHIEN", code)
        field_code = _national(fields[0], "MALINHVUC", code) if fields else ""
        documents = []
        for part in _list(detail, "THANHPHANHOSO", code):
            for paper in _list(part, "GIAYTO", code):
                name = paper.get("TENGIAYTO", "")
                if not isinstance(name, str) or len(name) > 4000:
                    raise _refuse(code, "TENGIAYTO", _("phải là chuỗi tối đa 4000 ký tự"))
                documents.append(
                    {"code": _national(paper, "MAGIAYTO", code), "name": visible(name)}
                )
        results = [
            {"code": _national(item, "MAKETQUA", code)}
            for item in _list(detail, "KETQUATHUCHIEN", code)
        ]
        procedures.append(
            {"code": code, "field_code": field_code, "documents": documents, "results": results}
        )
    return {"fields": [], "procedures": procedures}


def _list(obj: Mapping[str, Any], key: str, code: str) -> list[Mapping[str, Any]]:
    value = obj.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 1000:
        raise _refuse(code, key, _("cần danh sách (tối đa 1000 mục)"))
    if not all(isinstance(item, dict) for item in value):
        raise _refuse(code, key, _("mỗi mục phải là đối tượng JSON"))
    return value


def _national(obj: Mapping[str, Any], key: str, code: str) -> str:
    value = obj.get(key, "")
    if value in ("", None):
        return ""
    if not isinstance(value, str) or not _NATIONAL_RE.match(value):
        raise _refuse(code, key, _("mã không đúng dạng"))
    return value


# --- the pull -----------------------------------------------------------------------------


@dataclass
class PullReport:
    """What one pull did."""

    created: list[str] = field(default_factory=list)
    """Portal codes of the filings taken in, each now a dossier on the desk."""
    updated: list[str] = field(default_factory=list)
    """Portal codes whose status change made upstream was applied."""
    problems: dict[str, str] = field(default_factory=dict)
    """Portal code (or "catalog") → why nothing of it was written."""
    catalog_version: str | None = None
    """The catalog version the pulled codes made; None when they changed nothing."""
    calls: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "created": self.created,
            "updated": self.updated,
            "problems": self.problems,
            "catalog_version": self.catalog_version,
            "calls": self.calls,
        }


def pull(
    ctx: AppContext,
    *,
    catalog: bool = True,
    transport: httpx.BaseTransport | None = None,
    run_db: DatabaseCall = run_here,
) -> PullReport:
    """One exchange: the catalog's codes (unless `catalog` is False), the new online
    filings (each acknowledged once held), then the status of the open pulled dossiers.

    Raises HubUnavailableError when the province cannot be reached, PortalError when it
    refuses the login, InboundRefused when a whole answer is refused; a refused dossier
    is a problem of the report and does not stop the others.
    """
    settings = session_settings(ctx)
    report = PullReport()
    with PortalReader(settings, transport=transport) as reader:
        reader.login()
        if catalog:
            _pull_catalog(ctx, reader, report, run_db)
        _pull_filings(ctx, reader, report, run_db)
        _pull_statuses(ctx, reader, report, run_db)
        report.calls = reader.calls
    return report


def _pull_catalog(
    ctx: AppContext, reader: PortalReader, report: PullReport, run_db: DatabaseCall
) -> None:
    current = run_db(lambda: ctx.catalog)
    wanted = {p.code for p in current.procedures}
    listed = reader.results(PROCEDURES_SERVICE, MAX_PROCEDURES)
    details = []
    for item in listed:
        raw = item.get("MATTHC")
        matched = _PROCEDURE_RE.match(raw) if isinstance(raw, str) and len(raw) <= 60 else None
        if matched is None:
            raise InboundRefused(_("Tỉnh trả lời LayDanhSachTTHC với mã thủ tục không đúng dạng."))
        if matched.group(1) not in wanted:
            continue
        found = reader.results(PROCEDURE_SERVICE, 1, maTTHC=matched.group(0))
        details.extend(found)
    try:
        document = catalog_codes(details)
    except InboundRefused as exc:
        report.problems["catalog"] = exc.message
        return

    def merge() -> str | None:
        with ctx.session() as session:
            merged = merge_codes(session, document, PROVINCE_ACTOR, ctx.clock())
        if merged is None:
            return None
        ctx.reload_catalog()
        return merged.version

    report.catalog_version = run_db(merge)


def _pull_filings(
    ctx: AppContext, reader: PortalReader, report: PullReport, run_db: DatabaseCall
) -> None:
    items = reader.results(LIST_SERVICE, MAX_DOSSIERS)
    now = ctx.clock()
    catalog = run_db(lambda: ctx.catalog)
    filings: list[OnlineFiling] = []
    for item in items:
        try:
            filing = parse_filing(item, catalog, now)
        except InboundRefused as exc:
            key = item.get("MaHoSo")
            report.problems[visible(key)[:64] if isinstance(key, str) else "?"] = exc.message
            continue
        filings.append(filing)
    seen: set[str] = set()
    for filing in filings:
        if filing.portal_code in seen:
            continue  # listed twice in one answer: taken once
        seen.add(filing.portal_code)
        try:
            created = run_db(partial(_take, ctx, filing))
        except CounterError as exc:
            report.problems[filing.portal_code] = exc.message
            continue
        if created:
            report.created.append(filing.portal_code)
        try:
            reader.call(TAKEN_SERVICE, maHoSo=filing.portal_code, daNhan="True")
        except PortalError as exc:  # listed again next time; taken once all the same
            _log.warning("province did not record a filing as taken: %s", type(exc).__name__)
            continue
        run_db(partial(_mark_acknowledged, ctx, filing.portal_code))


def _take(ctx: AppContext, filing: OnlineFiling) -> bool:
    """The filing as a dossier on the desk with its `portal_inbound` row, in one unit of
    work; False when it was taken before (by this counter or another of the office)."""
    with ctx.session() as session:
        if session.get(PortalInbound, filing.portal_code) is not None:
            return False
        taken = session.execute(
            sa.select(Dossier.id).where(Dossier.portal_code == filing.portal_code)
        ).first()
        if taken is not None:  # the clerk logged it by hand (assisted): not a second dossier
            return False
    now = ctx.clock()
    with ctx.batch():
        view = intake(
            ctx,
            IntakeRequest(
                procedure_code=filing.procedure_code,
                applicant=filing.applicant,
                channel=Channel.ONLINE,
                portal_code=filing.portal_code,
                awaiting_receipt=True,
                result_delivery=filing.delivery,
                submitted_at=min(filing.submitted_at, now),
                extra={"portal": {"MaHoSo": filing.portal_code, "TrangThaiHoSo": filing.status}},
            ),
            PROVINCE_ACTOR,
        )
        with ctx.session() as session:
            dossier_id = session.execute(
                sa.select(Dossier.id).where(Dossier.code == view.code)
            ).scalar_one()
            session.add(
                PortalInbound(
                    portal_code=filing.portal_code,
                    dossier_id=dossier_id,
                    upstream_status=str(Status.SUBMITTED.portal_code),
                    pulled_at=now,
                    updated_at=now,
                    acknowledged=False,
                )
            )
    return True


def _mark_acknowledged(ctx: AppContext, portal_code: str) -> None:
    with ctx.session() as session:
        row = session.get(PortalInbound, portal_code)
        if row is not None:
            row.acknowledged = True


def _open_pulled(ctx: AppContext) -> list[tuple[str, str]]:
    finals = [s.value for s in Status if s.is_final]
    with ctx.session() as session:
        rows = session.execute(
            sa.select(PortalInbound.portal_code, PortalInbound.upstream_status)
            .join(Dossier, Dossier.id == PortalInbound.dossier_id)
            .where(Dossier.status.not_in(finals))
            .order_by(PortalInbound.pulled_at, PortalInbound.portal_code)
            .limit(MAX_LOOKUPS)
        ).all()
    return [(str(code), str(status)) for code, status in rows]


def _pull_statuses(
    ctx: AppContext, reader: PortalReader, report: PullReport, run_db: DatabaseCall
) -> None:
    for portal_code, known in run_db(lambda: _open_pulled(ctx)):
        found = reader.results(LOOKUP_SERVICE, 1, mahoso=portal_code)
        if not found:
            continue  # the province no longer answers for it: nothing to apply
        item = found[0]
        status = item.get("TrangThaiHoSo")
        if item.get("MaHoSo") != portal_code:
            report.problems[portal_code] = _refuse(
                portal_code, "MaHoSo", _("tỉnh trả lời cho hồ sơ khác")
            ).message
            continue
        if not isinstance(status, str) or status not in _STATUS_CODES:
            report.problems[portal_code] = _refuse(
                portal_code, "TrangThaiHoSo", _("cần mã 1–10")
            ).message
            continue
        if status == known:
            continue  # no change upstream since the last pull
        note = item.get("GhiChu", "")
        try:
            applied = run_db(partial(_apply_status, ctx, portal_code, status, note))
        except CounterError as exc:
            report.problems[portal_code] = exc.message
            continue
        if applied:
            report.updated.append(portal_code)


def _apply_status(ctx: AppContext, portal_code: str, status_code: str, note: object) -> bool:
    """The province's status as an event by `PROVINCE_ACTOR`, and the new upstream status,
    in one unit of work. The move must be one the local history allows."""
    target = Status.parse(status_code)
    if not isinstance(note, str):
        raise _refuse(portal_code, "GhiChu", _("phải là chuỗi"))
    try:
        words = REASON.clean(note)
    except ValidationError as exc:
        raise _refuse(portal_code, "GhiChu", exc.message.rstrip(".")) from None
    reason = _("Cập nhật từ hệ thống một cửa của tỉnh: {status}").format(
        status=target.official_label
    )
    if words:
        reason = f"{reason}. {words}"[: REASON.max_length]
    with ctx.batch():
        with ctx.session() as session:
            row = session.get_one(PortalInbound, portal_code)
            dossier = session.get_one(Dossier, row.dossier_id)
            code, current = dossier.code, Status(dossier.status)
            row.upstream_status = status_code
            row.updated_at = ctx.clock()
        if current is target:
            return False  # the counter is there already: only the upstream status noted
        try:
            check_move(current, target, reason)
        except CounterError:
            raise InboundRefused(
                _(
                    "Tỉnh báo hồ sơ {portal} “{target}”, hồ sơ {code} trên quầy đang "
                    "“{current}”: không tự chuyển được; cần cán bộ xem lại."
                ).format(
                    portal=portal_code,
                    target=target.label,
                    code=code,
                    current=current.label,
                )
            ) from None
        move(
            ctx,
            code,
            target,
            PROVINCE_ACTOR,
            reason=reason,
            data={"portal": {"MaHoSo": portal_code, "TrangThaiHoSo": status_code}},
        )
    return True


# --- the schedule -------------------------------------------------------------------------


def scheduled_pull(
    ctx: AppContext, catalog_days: set[date], *, run_db: DatabaseCall = run_here
) -> PullReport | CounterError | None:
    """The background sync's pull (`BackgroundSync.run_once`): None when the counter's
    settings do not ask for the session profile; the catalog once a day (`catalog_days`
    holds the days done); never raises a CounterError, it is returned to show."""
    if ctx.config.portal.transport != "session":
        return None
    today = ctx.clock().astimezone(VN_TZ).date()
    try:
        report = pull(ctx, catalog=today not in catalog_days, run_db=run_db)
    except CounterError as exc:
        _log.warning("pull from the province failed: %s", type(exc).__name__)
        return exc
    if "catalog" not in report.problems:
        catalog_days.add(today)
    return report
