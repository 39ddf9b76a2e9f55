"""A strict stand-in for the province's one-stop system as the counter's pull sees it: the
session profile (a login, then service calls with `session`, `madonvi` and `service` in
the body) serving the inbound services of `counter_app.sync.inbound` and, so a dossier
filed online can be seen counted once, `DongBoHoSoMC`/`CapNhatTienDoHoSoMC` checked by
the same strict rules as the other stand-ins (`counter_app.sync.portal_check`).

Every request is checked as a strict server would: a JSON object, every value a string,
exactly the fields the service takes, the session it issued, the unit it serves. Anything
else is refused with error_code "-1" and the reason; the refusals are kept
(`InboundStore.refused`) so a test can say none happened. Never loosen it to fit the
counter's output.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from counter_app.hub.app import serving
from counter_app.sync.portal_check import progress_problem, record_problem

AUTH, INTEGRATION = "/auth", "/integration"
USERNAME, PASSWORD, UNIT = "motcua.22333", "mat-khau-thu", "000.00.22.H56"

# The fields each service takes besides session, madonvi and service.
SERVICES: dict[str, frozenset[str]] = {
    "LayDanhSachHoSo": frozenset(),
    "CapNhatDaNhanHoSo": frozenset({"maHoSo", "daNhan"}),
    "TraCuuHoSo": frozenset({"mahoso"}),
    "LayDanhSachTTHC": frozenset(),
    "LayThuTuc": frozenset({"maTTHC"}),
    "DongBoHoSoMC": frozenset({"isUpdating", "data"}),
    "CapNhatTienDoHoSoMC": frozenset({"data"}),
}


@dataclass
class InboundStore:
    """What the stand-in holds: the province's dossiers by `MaHoSo`, those the counter has
    taken, the procedure details it serves, and every refusal it answered."""

    dossiers: dict[str, dict[str, Any]] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)
    procedures: dict[str, dict[str, Any]] = field(default_factory=dict)
    progress: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sessions: set[str] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    raw_answers: dict[str, bytes] = field(default_factory=dict)
    """service → the bytes to answer instead (a hostile province)."""

    def file_online(
        self,
        code: str,
        procedure: str,
        name: str,
        id_number: str,
        at: datetime,
        **overrides: Any,
    ) -> dict[str, Any]:
        """A dossier a citizen filed on the portal, in the `DongBoHoSoMC` layout."""
        when = at.strftime("%Y%m%d%H%M%S")
        record: dict[str, Any] = {
            "MaHoSo": code,
            "MaTTHC": procedure,
            "TenTTHC": "",
            "KenhThucHien": "2",
            "ChuHoSo": name,
            "SoGiayToChuHoSo": id_number,
            "LoaiDoiTuong": "1",
            "Email": "",
            "SoDienThoai": "0905123456",
            "TrichYeuHoSo": "",
            "NgayNopHoSo": when,
            "NgayTiepNhan": "",
            "TrangThaiHoSo": "1",
            "HinhThuc": "0",
            "GhiChu": "",
        }
        record.update(overrides)
        self.dossiers[code] = record
        return record

    def count(self) -> int:
        """Dossiers the province counts (one per `MaHoSo`)."""
        return len(self.dossiers)


def _refuse(store: InboundStore, message: str) -> JSONResponse:
    store.refused.append(message)
    return JSONResponse({"error_code": "-1", "message": message})


def _ok(**fields: Any) -> JSONResponse:
    return JSONResponse({"error_code": "0", "message": "Thành công", **fields})


def inbound_app(store: InboundStore) -> FastAPI:
    app = FastAPI()

    async def body_of(request: Request) -> dict[str, Any] | str:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return "Nội dung không phải JSON."
        if not isinstance(body, dict):
            return "Nội dung phải là đối tượng JSON."
        return body

    @app.post(AUTH)
    async def auth(request: Request) -> JSONResponse:
        body = await body_of(request)
        if isinstance(body, str):
            return _refuse(store, body)
        if set(body) != {"username", "password"} or not all(
            isinstance(v, str) for v in body.values()
        ):
            return _refuse(store, "Cần đúng username và password dạng chuỗi.")
        if (body["username"], body["password"]) != (USERNAME, PASSWORD):
            return JSONResponse({"error_code": "-1", "message": "Sai tài khoản hoặc mật khẩu."})
        session = secrets.token_hex(16)
        store.sessions.add(session)
        return _ok(session=session)

    @app.post(INTEGRATION)
    async def integration(request: Request) -> Response:
        body = await body_of(request)
        if isinstance(body, str):
            return _refuse(store, body)
        service = body.get("service")
        if service not in SERVICES:
            return _refuse(store, f"Dịch vụ không hỗ trợ: {service!r}.")
        if body.get("session") not in store.sessions:
            return _refuse(store, "Phiên đăng nhập không hợp lệ.")
        if body.get("madonvi") != UNIT:
            return _refuse(store, f"Mã đơn vị không đúng: {body.get('madonvi')!r}.")
        fields = set(body) - {"session", "madonvi", "service"}
        if fields != SERVICES[service]:
            return _refuse(store, f"{service} cần đúng các trường {sorted(SERVICES[service])}.")
        for key, value in body.items():
            if key != "data" and not isinstance(value, str):
                return _refuse(store, f"Trường {key} phải là chuỗi.")
        store.calls.append(service)
        if service in store.raw_answers:
            return Response(store.raw_answers[service], media_type="application/json")
        return answer(service, body)

    def answer(service: str, body: dict[str, Any]) -> JSONResponse:
        if service == "LayDanhSachHoSo":
            # What the province lists; the counter must refuse what is not an online filing.
            return _ok(result=[r for code, r in store.dossiers.items() if code not in store.taken])
        if service == "CapNhatDaNhanHoSo":
            if body["daNhan"] != "True" or body["maHoSo"] not in store.dossiers:
                return _refuse(store, f"Không có hồ sơ {body['maHoSo']}.")
            store.taken.add(body["maHoSo"])
            return _ok()
        if service == "TraCuuHoSo":
            found = store.dossiers.get(body["mahoso"])
            return _ok(result=[found] if found else [])
        if service == "LayDanhSachTTHC":
            listed = store.procedures.items()
            return _ok(result=[{"MATTHC": code, "TENTTHC": d["TENTTHC"]} for code, d in listed])
        if service == "LayThuTuc":
            detail = store.procedures.get(body["maTTHC"])
            return _ok(result=[detail] if detail else [])
        data = body["data"]
        if not isinstance(data, list) or not data:
            return _refuse(store, "data phải là danh sách không rỗng.")
        if service == "CapNhatTienDoHoSoMC":
            for entry in data:
                problem = progress_problem(entry)
                if problem:
                    return _refuse(store, problem)
                store.progress.setdefault(entry["MaHoSo"], []).append(entry)
            return _ok()
        if body["isUpdating"] not in ("True", "False"):
            return _refuse(store, 'isUpdating phải là "True" hoặc "False".')
        for record in data:
            problem = record_problem(record)
            if problem:
                return _refuse(store, problem)
            code = record["MaHoSo"]
            if body["isUpdating"] == "False" and code in store.dossiers:
                return JSONResponse(
                    {"error_code": "-3", "message": f"Hồ sơ {code} đã tồn tại trong hệ thống."}
                )
            if body["isUpdating"] == "True" and code not in store.dossiers:
                return _refuse(store, f"Hồ sơ {code} không tồn tại.")
            store.dossiers[code] = record
        return _ok()

    return app


@contextmanager
def running_inbound() -> Iterator[tuple[str, InboundStore]]:
    store = InboundStore()
    with serving(inbound_app(store)) as url:
        yield url, store
