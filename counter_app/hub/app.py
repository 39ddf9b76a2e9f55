"""The hub as an ASGI application (FastAPI): the HTTP face of `counter_app.hub.service`.

The database work runs in the thread pool; the event loop only reads bodies and writes
answers. OpenAPI is served at /openapi.json and /docs.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from counter_app import __version__
from counter_app.hub.limits import LimitExceeded, RequestLimits, body_limit, parse_json_body
from counter_app.hub.service import DeviceView, Hub, HubRefusal
from counter_app.hub.web import WebSettings, mount_dashboard
from counter_app.i18n import _
from counter_app.sync.protocol import (
    API_PREFIX,
    FILES_PATH,
    HEADER_DEVICE,
    HEADER_HUB_TIME,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    PROTOCOL_VERSION,
    BatchAnswer,
    DayCloseAnswer,
    DayCloseRequest,
    SyncBatch,
    wire_json,
)

SIGNATURE_HEADERS = (HEADER_DEVICE, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)

WIRE_ROUTES: dict[str, tuple[type[Any], type[Any]]] = {
    f"{API_PREFIX}/batches": (SyncBatch, BatchAnswer),
    f"{API_PREFIX}/day-close": (DayCloseRequest, DayCloseAnswer),
}
"""The signed POST routes and their wire records (request, answer), for the OpenAPI only:
the routes read the raw body (the signature covers its bytes) and the hub checks every
field itself (service.py), so these schemas document and never validate."""


class HubAPI(FastAPI):
    """FastAPI whose OpenAPI carries the wire records of `WIRE_ROUTES`."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is not None:
            return self.openapi_schema
        schema = super().openapi()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        ref = "#/components/schemas/{model}"
        for path, records in WIRE_ROUTES.items():
            operation = schema["paths"][path]["post"]
            request, answer = (
                TypeAdapter(record).json_schema(ref_template=ref) for record in records
            )
            for record, record_schema in zip(records, (request, answer), strict=True):
                components.update(record_schema.pop("$defs", {}))
                components[record.__name__] = record_schema
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": ref.format(model=records[0].__name__)}}
                },
            }
            ok = operation.setdefault("responses", {}).setdefault("200", {})
            ok["content"] = {
                "application/json": {"schema": {"$ref": ref.format(model=records[1].__name__)}}
            }
        self.openapi_schema = schema
        return schema


class WireJSONResponse(JSONResponse):
    """The hub's JSON answers, written by the protocol's one converter."""

    def render(self, content: Any) -> bytes:
        return wire_json(content)


def create_app(
    hub: Hub,
    portal_accounts: Mapping[str, str] | None = None,
    dashboard: WebSettings | None = None,
) -> FastAPI:
    """The hub's routes over `hub`; `portal_accounts` opens the adapter interface. The
    province's dashboard is served under /dashboard (web.py), with `dashboard`'s settings."""
    app = HubAPI(
        title="Quầy Một Cửa hub",
        version=__version__,
        description="Reference provincial receiver of the counter sync protocol "
        f"(version {PROTOCOL_VERSION}); see docs/sync-protocol.md.",
        default_response_class=WireJSONResponse,
    )
    accounts = dict(portal_accounts or {})

    @app.exception_handler(HubRefusal)
    async def _refusal(request: Request, exc: HubRefusal) -> JSONResponse:
        return WireJSONResponse(exc.to_json(), status_code=exc.status)

    @app.exception_handler(ClientDisconnect)
    async def _hung_up(request: Request, exc: ClientDisconnect) -> Response:
        """The client hung up in the middle of its body: nothing was taken from it and
        nobody is left to answer (without this, each cut upload logged a traceback)."""
        return Response(status_code=400)

    def refuse(status: int, reason: str, message: str) -> JSONResponse:
        """A refusal sent before the routes (RequestLimits), in the hub's JSON."""
        return WireJSONResponse({"error": reason, "message": message}, status_code=status)

    def hub_time_header() -> tuple[bytes, bytes]:
        """Every answer carries the hub's clock (`X-Hub-Time`)."""
        return HEADER_HUB_TIME.lower().encode(), str(int(hub.clock().timestamp())).encode()

    # Bodies are bounded before anything reads them (a plain ASGI layer: an exception in
    # `receive` must reach it as itself, not wrapped by a task group).
    app.add_middleware(RequestLimits, refuse=refuse, stamp=hub_time_header)

    async def signed(request: Request) -> tuple[DeviceView, bytes]:
        if not all(request.headers.get(name) for name in SIGNATURE_HEADERS):
            # refused before the body is read: an anonymous upload costs nothing
            raise HubRefusal("unsigned", _("Yêu cầu không có chữ ký thiết bị."), 401)
        body = await request.body()  # at most the route's limit (RequestLimits)
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        headers = {k.lower(): v for k, v in request.headers.items()}
        device = await run_in_threadpool(hub.authenticate, request.method, path, headers, body)
        return device, body

    def json_body(request: Request, body: bytes) -> dict[str, Any]:
        """The body as a JSON object, within the route's decoded size and depth limits."""
        limit = body_limit(request.method, request.url.path)
        try:
            document = parse_json_body(body, request.headers.get("content-encoding", ""), limit)
        except LimitExceeded as exc:
            raise HubRefusal(exc.reason, exc.message, exc.status) from None
        if not isinstance(document, dict):
            raise HubRefusal("bad_request", _("Nội dung phải là một đối tượng JSON."))
        return document

    @app.get(f"{API_PREFIX}/time")
    async def hub_time() -> dict[str, Any]:
        """The hub's clock, so a counter can sign within the window despite its own clock."""
        return {"protocol": PROTOCOL_VERSION, "time": int(hub.clock().timestamp())}

    @app.post(f"{API_PREFIX}/enroll")
    async def enroll(request: Request) -> dict[str, Any]:
        """Spend a one-time code (the code is the credential; nothing else is signed)."""
        document = json_body(request, await request.body())
        unit_id, office = document.get("unit_id"), document.get("office")
        device, secret = await run_in_threadpool(
            hub.enroll,
            str(document.get("code", "")),
            str(document.get("label", "")),
            unit_id if isinstance(unit_id, str) else None,
            office if isinstance(office, str) else None,
        )
        return {
            "protocol": PROTOCOL_VERSION,
            "device_id": device.id,
            "secret": secret,
            "office": device.office_unit,
            "unit_id": device.electronic_id,
            "block_first": device.block_first,
            "block_last": device.block_last,
        }

    # Typed answers, not response models (the answer is not validated again); their OpenAPI
    # comes from WIRE_ROUTES.
    @app.post(f"{API_PREFIX}/batches", response_model=None)
    async def batches(request: Request) -> BatchAnswer:
        device, body = await signed(request)
        return await run_in_threadpool(hub.ingest, device, json_body(request, body))

    @app.post(f"{API_PREFIX}/day-close", response_model=None)
    async def day_close(request: Request) -> DayCloseAnswer:
        device, body = await signed(request)
        return await run_in_threadpool(hub.day_close, device, json_body(request, body))

    @app.get(API_PREFIX + "/pages/{sha256}")
    async def page_status(sha256: str, request: Request) -> dict[str, Any]:
        await signed(request)
        return await run_in_threadpool(hub.page_status, sha256)

    @app.put(API_PREFIX + "/pages/{sha256}")
    async def page_chunk(sha256: str, offset: int, total: int, request: Request) -> dict[str, Any]:
        _device, body = await signed(request)
        return await run_in_threadpool(hub.put_chunk, sha256, offset, total, body)

    @app.get(FILES_PATH + "/{sha256}", response_model=None)
    async def linked_page(sha256: str, d: str = "", e: str = "", s: str = "") -> Response:
        """A page through the signed, expiring link of a record (`DuongDanTaiTepTin`)."""
        path = await run_in_threadpool(hub.linked_page, sha256, d, e, s)
        return FileResponse(path, media_type="application/octet-stream", filename=sha256)

    @app.get(API_PREFIX + "/public/dossiers/{code}")
    async def public_dossier(code: str) -> dict[str, Any]:
        return await run_in_threadpool(hub.public_status, code)

    @app.get("/status/{code}", response_class=HTMLResponse)
    async def status_page(code: str) -> Response:
        try:
            info = await run_in_threadpool(hub.public_status, code)
        except HubRefusal as refusal:
            return HTMLResponse(_status_html(code, None, refusal.message), status_code=404)
        return HTMLResponse(_status_html(code, info, None))

    @app.post("/portal/auth")
    async def portal_auth(request: Request) -> dict[str, Any]:
        document = json_body(request, await request.body())
        return await run_in_threadpool(hub.portal_auth, accounts, document)

    @app.post("/portal/integration")
    async def portal_integration(request: Request) -> dict[str, Any]:
        document = json_body(request, await request.body())
        return await run_in_threadpool(hub.portal_call, document)

    mount_dashboard(app, hub, dashboard)
    return app


def _date_vn(text: str | None) -> str:
    return date.fromisoformat(text).strftime("%d/%m/%Y") if text else "—"


def _status_html(code: str, info: dict[str, Any] | None, problem: str | None) -> str:
    """The citizen's status page: no name, no ID number, nothing personal."""
    title = html.escape(_("Tra cứu hồ sơ {code}").format(code=code))
    if info is None:
        body = f"<p>{html.escape(problem or '')}</p>"
    else:
        rows = [
            (_("Mã hồ sơ"), info["code"]),
            (_("Thủ tục"), info["procedure_name"]),
            (_("Trạng thái"), info["status_label"]),
            (_("Ngày tiếp nhận"), _date_vn(info["received_date"])),
            (_("Ngày hẹn trả"), _date_vn(info["due_date"])),
        ]
        cells = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows
        )
        body = f"<table>{cells}</table>"
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    )


@contextmanager
def serving(app: Any, host: str = "127.0.0.1", *, timeout: float = 10.0) -> Iterator[str]:
    """Serve `app` with uvicorn on a free port in a thread; yields its base URL.

    For tests and benchmarks (real HTTP on loopback); `hub serve` runs uvicorn itself.
    """
    import socket
    import threading
    import time

    import uvicorn

    sock = socket.socket()
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the hub did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
