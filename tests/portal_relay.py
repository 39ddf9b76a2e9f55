"""A strict stand-in for the second transport style of the provincial one-stop relays
(TD-DVC's): separate create and update URLs taking the bare list of records, a progress URL
taking at most 10 entries, no session, answers that say "thành công".

The province does not run this (its relay is its own); it lives with the tests. It checks
every record and entry with the same strict rules as the hub's session-style interface
(`counter_app.sync.portal_check`), and never less.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from counter_app.hub.app import serving
from counter_app.sync.portal_check import progress_problem, record_problem

CREATE, UPDATE, PROGRESS = (
    "/KetNoiMotCuaQuocGia/ThemMoi",
    "/KetNoiMotCuaQuocGia/CapNhat",
    ("/KetNoiMotCuaQuocGia/DongBoTienTrinh"),
)
MAX_PROGRESS = 10


@dataclass
class RelayStore:
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    progress: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    token: str = ""
    """When set, a request without `Authorization: Bearer <token>` gets 401."""
    down: bool = False
    """While true every request gets 503, as a relay that is down for maintenance."""
    calls: list[str] = field(default_factory=list)
    """The path of every request, in order."""


def relay_app(store: RelayStore) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def gate(request: Request, call_next: Any) -> Any:
        store.calls.append(request.url.path)
        if store.down:
            return PlainTextResponse("Service Unavailable", status_code=503)
        if store.token and request.headers.get("authorization") != f"Bearer {store.token}":
            return PlainTextResponse("Unauthorized", status_code=401)
        return await call_next(request)

    async def records_of(request: Request) -> list[Any] | str:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return "Nội dung không phải JSON."
        if not isinstance(body, list) or not body:
            return "Nội dung phải là danh sách hồ sơ."
        return body

    def answer(code: str, message: str) -> JSONResponse:
        return JSONResponse({"error_code": code, "message": message})

    async def sync(request: Request, updating: bool) -> JSONResponse:
        body = await records_of(request)
        if isinstance(body, str):
            return answer("-1", body)
        for record in body:
            problem = record_problem(record)
            if problem:
                return answer("-1", problem)
            code = record["MaHoSo"]
            if not updating and code in store.records:
                return answer("-3", f"Hồ sơ {code} đã tồn tại trong hệ thống.")
            if updating and code not in store.records:
                return answer("-1", f"Hồ sơ {code} không tồn tại.")
        for record in body:
            store.records[record["MaHoSo"]] = record
        return answer("0", "Cập nhật thành công" if updating else "Thêm mới thành công")

    @app.post(CREATE)
    async def create(request: Request) -> JSONResponse:
        return await sync(request, updating=False)

    @app.post(UPDATE)
    async def update(request: Request) -> JSONResponse:
        return await sync(request, updating=True)

    @app.post(PROGRESS)
    async def progress(request: Request) -> PlainTextResponse:
        body = await records_of(request)
        if isinstance(body, str):
            return PlainTextResponse(body)
        if len(body) > MAX_PROGRESS:
            return PlainTextResponse(f"Tối đa {MAX_PROGRESS} bước mỗi lần.")
        for entry in body:
            problem = progress_problem(entry)
            if problem:
                return PlainTextResponse(problem)
            if entry["MaHoSo"] not in store.records:
                return PlainTextResponse(f"Hồ sơ {entry['MaHoSo']} không tồn tại.")
        for entry in body:
            held = store.progress.setdefault(entry["MaHoSo"], [])
            if entry not in held:
                held.append(entry)
        return PlainTextResponse("Đồng bộ tiến trình thành công")

    return app


@contextmanager
def running_relay(token: str = "") -> Iterator[tuple[str, RelayStore]]:
    store = RelayStore(token=token)
    with serving(relay_app(store)) as url:
        yield url, store
