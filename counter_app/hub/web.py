"""The province's dashboard: server-rendered pages on the hub's own app, under /dashboard.

Security (docs/hub-dashboard.md):

* sign-in with a staff account (`hub user add`); the session cookie is HttpOnly,
  SameSite=Strict, limited to /dashboard, and Secure when the page was reached over https
  (directly, or through a reverse proxy uvicorn trusts) or when `hub serve --secure-cookies`
  says the hub is only reached over https;
* every POST form carries the session's CSRF token (the sign-in form a token of its own in
  a cookie) and a POST from another origin is refused;
* roles: a viewer reads the overview, the commune pages and the reports; devices, the
  access log and a dossier's applicant data are for administrators (403 otherwise);
* every page opened is written to the access log, with whether applicant data was shown;
* no script, no outside resource: styles and figures come from the hub (inline SVG), and
  the Content-Security-Policy says so.

The pages speak Vietnamese, or English when the browser chose it (`?lang=en`, kept in a
cookie); each request is translated on its own, whatever other requests do.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from counter_app.domain.calendar import VN_TZ, default_calendar
from counter_app.errors import CounterError
from counter_app.hub import dashboard, staff
from counter_app.hub.province import month_period, province_export
from counter_app.hub.service import Hub
from counter_app.i18n import DEFAULT_LANGUAGE, N_, SUPPORTED_LANGUAGES, translator
from counter_app.reports.forms import ReportForm

PREFIX = "/dashboard"
SESSION_COOKIE = "hub_session"
SIGNIN_COOKIE = "hub_signin"
LANG_COOKIE = "hub_lang"
HERE = Path(__file__).resolve().parent

STATUS_WORDS = {
    "submitted": N_("Nộp trực tuyến, chưa tiếp nhận"),
    "received": N_("Đã tiếp nhận"),
    "processing": N_("Đang giải quyết"),
    "supplement": N_("Chờ bổ sung"),
    "fees_due": N_("Chờ nộp phí"),
    "resolved": N_("Đã có kết quả"),
    "returned": N_("Đã trả kết quả"),
    "refused": N_("Từ chối tiếp nhận"),
    "withdrawn": N_("Rút hồ sơ"),
    "stopped": N_("Dừng giải quyết"),
}
CHANNEL_WORDS = {
    "direct": N_("Trực tiếp"),
    "online": N_("Trực tuyến"),
    "postal": N_("Bưu chính"),
    "assisted": N_("Trực tuyến có hướng dẫn tại quầy"),
}
CLOSE_WORDS = {
    dashboard.CLOSE_MATCHED: N_("Khớp"),
    dashboard.CLOSE_DIFFERENCE: N_("Chênh lệch"),
    dashboard.CLOSE_MISSING: N_("Chưa chốt"),
}
GROUP_WORDS = {
    "by_channel": N_("kênh"),
    "by_status": N_("trạng thái"),
    "by_procedure": N_("thủ tục"),
}


@dataclass(frozen=True)
class WebSettings:
    secure_cookies: bool = False
    """Always mark cookies Secure (the hub is reached only over https through a proxy it
    does not see as such); otherwise they are Secure when the request came over https."""
    idle: timedelta = timedelta(minutes=staff.IDLE_MINUTES)
    absolute: timedelta = timedelta(hours=staff.ABSOLUTE_HOURS)


class Forbidden(Exception):
    """403: a page for administrators (`page` known), or a request that failed its checks
    (CSRF token, origin)."""

    def __init__(self, page: Page | None = None, *, role: bool = False) -> None:
        super().__init__()
        self.page = page
        self.role = role


class SignInNeeded(Exception):
    def __init__(self, expired: bool = False) -> None:
        super().__init__()
        self.expired = expired


@dataclass
class Page:
    """What a handler knows of the request: who, in which language."""

    request: Request
    session: staff.WebSession | None
    lang: str
    t: Callable[[str], str]

    @property
    def login(self) -> str:
        return self.session.staff.login if self.session else ""

    @property
    def is_admin(self) -> bool:
        return self.session is not None and self.session.staff.is_admin


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda n: f"{int(n):,}".replace(",", ".")
    return env


def mount_dashboard(app: FastAPI, hub: Hub, settings: WebSettings | None = None) -> None:
    """Add the dashboard's pages to the hub's app."""
    settings = settings or WebSettings()
    env = _environment()
    calendar = default_calendar()
    router = APIRouter(prefix=PREFIX)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="dashboard-static")

    def now() -> datetime:
        return hub.clock()

    def today() -> date:
        return now().astimezone(VN_TZ).date()

    def language(request: Request) -> str:
        wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE, "")
        return wanted if wanted in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE

    def secure(request: Request) -> bool:
        return settings.secure_cookies or request.url.scheme == "https"

    def set_cookie(response: Response, request: Request, name: str, value: str, **kw: Any) -> None:
        response.set_cookie(
            name,
            value,
            httponly=True,
            samesite="strict",
            secure=secure(request),
            path=PREFIX,
            **kw,
        )

    def render(page: Page, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        t = page.t
        body = env.get_template(template).render(
            _=t,
            lang=page.lang,
            page=page,
            prefix=PREFIX,
            status_word=lambda s: t(STATUS_WORDS.get(s) or s),
            channel_word=lambda c: t(CHANNEL_WORDS.get(c) or c),
            close_word=lambda c: t(CLOSE_WORDS.get(c) or c),
            group_word=lambda g: t(GROUP_WORDS.get(g) or g),
            percent=lambda v: _percent(v, page.lang),
            vn_date=_vn_date,
            vn_time=_vn_time,
            csrf=page.session.csrf_token if page.session else "",
            path=page.request.url.path,
            **context,
        )
        response = HTMLResponse(body, status_code=status)
        _protect(response)
        if page.request.query_params.get("lang") in SUPPORTED_LANGUAGES:
            set_cookie(response, page.request, LANG_COOKIE, page.lang, max_age=365 * 86400)
        return response

    def log(page: Page, what: str, obj: str | None = None, personal: bool = False) -> None:
        with hub.session() as session:
            dashboard.log_access(session, now(), page.login, what, obj, personal_data=personal)

    async def signed_in(request: Request, *, admin: bool = False) -> Page:
        lang = language(request)
        token = request.cookies.get(SESSION_COOKIE, "")
        if not token:
            raise SignInNeeded()

        def resume() -> staff.WebSession | None:
            with hub.session() as session:
                return staff.resume_session(session, token, now(), settings.idle, settings.absolute)

        found = await run_in_threadpool(resume)
        if found is None:
            raise SignInNeeded(expired=True)
        page = Page(request, found, lang, translator(lang))
        if admin and not found.staff.is_admin:
            await run_in_threadpool(log, page, f"{request.url.path} (403)")
            raise Forbidden(page, role=True)
        return page

    async def form_of(request: Request) -> dict[str, str]:
        """The urlencoded form; a POST from another origin is refused."""
        origin = request.headers.get("origin")
        # host and port only: behind a proxy that ends TLS the hub sees http
        if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
            raise Forbidden()
        body = (await request.body()).decode("utf-8", "replace")
        return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}

    async def checked_form(request: Request, page: Page) -> dict[str, str]:
        form = await form_of(request)
        assert page.session is not None
        if not staff.same_token(form.get("csrf", ""), page.session.csrf_token):
            raise Forbidden()
        return form

    @app.exception_handler(SignInNeeded)
    async def _to_signin(request: Request, exc: SignInNeeded) -> Response:
        target = f"{PREFIX}/signin?next={quote(request.url.path)}"
        if exc.expired:
            target += "&expired=1"
        response = RedirectResponse(target, status_code=303)
        if exc.expired:
            response.delete_cookie(SESSION_COOKIE, path=PREFIX)
        _protect(response)
        return response

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        lang = language(request)
        page = exc.page or Page(request, None, lang, translator(lang))
        if exc.role:
            message = page.t(
                N_(
                    "Trang này chỉ dành cho quản trị viên của tỉnh. Tài khoản của bạn có "
                    "quyền xem tổng quan, trang xã, phường và báo cáo."
                )
            )
        else:
            message = page.t(
                N_(
                    "Yêu cầu không hợp lệ (thiếu mã chống giả mạo hoặc gửi từ trang khác). "
                    "Hãy mở lại trang rồi thử lại."
                )
            )
        return render(
            page, "error.html", 403, title=page.t(N_("Không có quyền truy cập")), message=message
        )

    @router.get("", include_in_schema=False)
    async def _root() -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=303)

    @router.get("/signin", response_class=HTMLResponse, include_in_schema=False)
    async def signin_form(request: Request) -> Response:
        lang = language(request)
        page = Page(request, None, lang, translator(lang))
        token = secrets.token_urlsafe(24)
        message = (
            page.t(N_("Phiên làm việc đã hết hạn; hãy đăng nhập lại."))
            if request.query_params.get("expired")
            else ""
        )
        response = render(
            page,
            "signin.html",
            signin_csrf=token,
            next=_safe_next(request.query_params.get("next")),
            message=message,
        )
        set_cookie(response, request, SIGNIN_COOKIE, token, max_age=3600)
        return response

    @router.post("/signin", include_in_schema=False)
    async def signin(request: Request) -> Response:
        lang = language(request)
        page = Page(request, None, lang, translator(lang))
        form = await form_of(request)
        if not staff.same_token(form.get("csrf", ""), request.cookies.get(SIGNIN_COOKIE, "")):
            raise Forbidden()
        login, password = form.get("login", ""), form.get("password", "")

        def attempt() -> tuple[staff.SignIn, str | None]:
            with hub.session() as session:
                result = staff.authenticate(session, login, password, now())
                token = None
                if result.staff is not None:
                    token, _ws = staff.open_session(session, result.staff, now(), settings.idle)
                # a login that cannot be one (a password typed in the wrong box) is not kept
                who = login.strip().lower()
                who = who if staff.LOGIN_RE.match(who) else "?"
                dashboard.log_access(session, now(), who, "signin" if token else "signin refused")
                return result, token

        result, token = await run_in_threadpool(attempt)
        if token is None:
            if result.locked_until is not None:
                message = page.t(
                    N_("Tài khoản tạm khóa đến {time} vì đăng nhập sai nhiều lần.")
                ).format(time=_vn_time(result.locked_until))
            else:
                message = page.t(N_("Tên đăng nhập hoặc mật khẩu không đúng."))
            fresh = secrets.token_urlsafe(24)
            response = render(
                page,
                "signin.html",
                401,
                signin_csrf=fresh,
                next=_safe_next(form.get("next")),
                message=message,
                login=login,
            )
            set_cookie(response, request, SIGNIN_COOKIE, fresh, max_age=3600)
            return response
        signed = RedirectResponse(_safe_next(form.get("next")), status_code=303)
        set_cookie(signed, request, SESSION_COOKIE, token)
        signed.delete_cookie(SIGNIN_COOKIE, path=PREFIX, samesite="strict")
        _protect(signed)
        return signed

    @router.post("/signout", include_in_schema=False)
    async def signout(request: Request) -> Response:
        page = await signed_in(request)
        await checked_form(request, page)
        token = request.cookies.get(SESSION_COOKIE, "")

        def close() -> None:
            with hub.session() as session:
                staff.close_session(session, token)
                dashboard.log_access(session, now(), page.login, "signout")

        await run_in_threadpool(close)
        response = RedirectResponse(f"{PREFIX}/signin", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=PREFIX)
        return response

    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def overview_page(request: Request) -> Response:
        page = await signed_in(request)

        def read() -> dashboard.Overview:
            with hub.session() as session:
                return dashboard.overview(session, today(), dashboard.close_day_of(now(), calendar))

        data = await run_in_threadpool(read)
        await run_in_threadpool(log, page, "overview")
        return render(page, "overview.html", data=data)

    @router.get("/communes/{office}", response_class=HTMLResponse, include_in_schema=False)
    async def commune(request: Request, office: str) -> Response:
        page = await signed_in(request)
        day = today()
        start = _parse_day(request.query_params.get("from")) or day.replace(day=1)
        end = _parse_day(request.query_params.get("to")) or day
        if end < start or (end - start).days > 366:
            start, end = day.replace(day=1), day

        def read() -> dashboard.CommunePage | None:
            with hub.session() as session:
                return dashboard.commune_page(session, office, start, end, day)

        data = await run_in_threadpool(read)
        await run_in_threadpool(log, page, "commune", office)
        if data is None:
            return render(
                page,
                "error.html",
                404,
                title=page.t(N_("Không tìm thấy")),
                message=page.t(N_("Hub chưa nhận dữ liệu của đơn vị {office}.")).format(
                    office=office
                ),
            )
        return render(page, "commune.html", data=data)

    @router.get("/dossiers/{code}", response_class=HTMLResponse, include_in_schema=False)
    async def dossier(request: Request, code: str) -> Response:
        page = await signed_in(request, admin=True)

        def read() -> dashboard.DossierDetail | None:
            with hub.session() as session:
                found = dashboard.dossier_detail(session, code)
                dashboard.log_access(
                    session,
                    now(),
                    page.login,
                    "dossier",
                    code[:100],
                    personal_data=found is not None,
                )
                return found

        data = await run_in_threadpool(read)
        if data is None:
            return render(
                page,
                "error.html",
                404,
                title=page.t(N_("Không tìm thấy")),
                message=page.t(N_("Không có hồ sơ {code} trên hub.")).format(code=code),
            )
        return render(page, "dossier.html", data=data)

    @router.get("/devices", response_class=HTMLResponse, include_in_schema=False)
    async def devices(request: Request) -> Response:
        page = await signed_in(request, admin=True)
        await run_in_threadpool(log, page, "devices")
        return render(
            page,
            "devices.html",
            devices=await run_in_threadpool(hub.devices),
            new_code=None,
            problem=None,
        )

    @router.post("/devices/enroll-code", response_class=HTMLResponse, include_in_schema=False)
    async def enroll_code(request: Request) -> Response:
        page = await signed_in(request, admin=True)
        form = await checked_form(request, page)
        office = form.get("office", "").strip()
        unit_id = form.get("unit_id", "").strip() or None
        code, problem = None, None
        try:
            code = await run_in_threadpool(hub.create_enroll_code, office, 1000, unit_id)
        except CounterError as exc:
            problem = str(exc)
        await run_in_threadpool(log, page, "enroll-code", office[:100])
        return render(
            page,
            "devices.html",
            200 if code else 400,
            devices=await run_in_threadpool(hub.devices),
            new_code=code,
            new_office=office,
            problem=problem,
        )

    @router.post("/devices/{device_id}/revoke", include_in_schema=False)
    async def revoke(request: Request, device_id: str) -> Response:
        page = await signed_in(request, admin=True)
        await checked_form(request, page)
        problem = None
        try:
            await run_in_threadpool(hub.revoke_device, device_id)
        except CounterError as exc:
            problem = str(exc)
        await run_in_threadpool(log, page, "revoke-device", device_id[:100])
        if problem:
            return render(
                page,
                "devices.html",
                400,
                devices=await run_in_threadpool(hub.devices),
                new_code=None,
                problem=problem,
            )
        return RedirectResponse(f"{PREFIX}/devices", status_code=303)

    @router.get("/reports", response_class=HTMLResponse, include_in_schema=False)
    async def reports(request: Request) -> Response:
        page = await signed_in(request)
        day = today()
        await run_in_threadpool(log, page, "reports")
        months = []
        year, month = day.year, day.month
        for _i in range(12):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return render(page, "reports.html", months=months, period=month_period(day.year, day.month))

    @router.get("/reports/province.{kind}", include_in_schema=False)
    async def report_file(request: Request, kind: str) -> Response:
        page = await signed_in(request)
        if kind not in ("xlsx", "pdf"):
            raise Forbidden()
        month = request.query_params.get("month", "")
        form = (
            ReportForm.BIEU_II_06A
            if request.query_params.get("form") == "II.06a"
            else ReportForm.BIEU_06
        )
        try:
            year, number = (int(part) for part in month.split("-"))
            period = month_period(year, number)
        except (ValueError, CounterError):
            day = today()
            period = month_period(day.year, day.month)

        def make() -> bytes:
            with hub.session() as session:
                dashboard.log_access(
                    session,
                    now(),
                    page.login,
                    f"report {form.value} {kind}",
                    f"{period.date_from}..{period.date_to}",
                )
                return province_export(session, period, kind, now=now(), form=form)

        data = await run_in_threadpool(make)
        name = f"bieu-{form.value.replace('.', '')}-tinh-{period.year}-{period.number:02d}.{kind}"
        media = (
            "application/pdf"
            if kind == "pdf"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response = Response(
            data,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
        _protect(response)
        return response

    @router.get("/access-log", response_class=HTMLResponse, include_in_schema=False)
    async def access_log_page(request: Request) -> Response:
        page = await signed_in(request, admin=True)
        before = request.query_params.get("before", "")

        def read() -> list[Any]:
            with hub.session() as session:
                dashboard.log_access(session, now(), page.login, "access-log")
                rows = dashboard.access_log(
                    session, before_id=int(before) if before.isdigit() else None
                )
                return [(r.id, r.at, r.login, r.page, r.object, r.personal_data) for r in rows]

        return render(page, "access_log.html", rows=await run_in_threadpool(read))

    app.include_router(router)


def _protect(response: Response) -> None:
    """Headers of every dashboard answer: nothing from elsewhere, no framing, no caching."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"


def _safe_next(value: str | None) -> str:
    """Only a page of the dashboard itself: never an address elsewhere."""
    if value and value.startswith(PREFIX + "/") and "//" not in value and "\\" not in value:
        return value
    return PREFIX + "/"


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _percent(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    text = f"{value * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')} %" if lang == "vi" else f"{text}%"


def _vn_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def _vn_time(value: datetime | None) -> str:
    return value.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y") if value else "—"
