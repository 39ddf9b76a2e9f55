"""The province's dashboard on a hub three counters synced to over loopback HTTP: the read
queries on SQLite and PostgreSQL, the province's Biểu 06 against each counter's own, the
exports read back, and the pages over HTTP: sign-in, cookies, CSRF, lock-out, idle expiry,
roles, the access log, English."""

from __future__ import annotations

import io
import re
import subprocess
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from counter_app.domain.calendar import default_calendar
from counter_app.hub import dashboard, staff
from counter_app.hub.app import create_app, serving
from counter_app.hub.models import HubAccessLog, HubStaff, HubWebSession
from counter_app.hub.province import month_period, province_report
from counter_app.hub.service import Hub, open_hub_database
from counter_app.hub.web import WebSettings
from counter_app.kernel.context import open_context
from counter_app.kernel.dossier_store import ensure_office
from counter_app.reports.periodic import periodic_report
from tests.conftest import MutableClock
from tests.hub_dashboard_support import (
    DIFFERING,
    NOW,
    OFFICES,
    TODAY,
    UNCLOSED,
    BuiltHub,
    build_hub,
    open_built,
)

VIEWER = ("xem.tinh", "mat-khau-nguoi-xem")
ADMIN = ("quantri.tinh", "mat-khau-quan-tri")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuiltHub]:
    """The dashboard's hub on SQLite (the session's build) and on PostgreSQL (filled again
    through the real path, the counters on SQLite as at a commune)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("dashboard_hub")  # type: ignore[misc]
        return
    server: str = request.getfixturevalue("pg_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield build_hub(tmp_path_factory.mktemp("pg-hub"), f"{server.rsplit('/', 1)[0]}/{name}")
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="module")
def hub(built: BuiltHub) -> Iterator[Hub]:
    opened = open_built(built, MutableClock(NOW))
    yield opened
    opened.engine.dispose()


def test_the_overview_counts_every_commune_worst_first(hub: Hub, built: BuiltHub) -> None:
    with hub.session() as session:
        data = dashboard.overview(session, TODAY, close_day=TODAY)
    by_office = {line.office_unit: line for line in data.offices}
    assert set(by_office) == {unit for unit, *_rest in OFFICES}
    for unit, _eid, name, per_day in OFFICES:
        line = by_office[unit]
        assert line.name == name
        assert line.today.received == per_day + 1  # and one guided online filing a day
        assert line.month.received == len(built.codes[unit]) == 4 * (per_day + 1)
        assert line.month.guided == 4 and line.today.guided == 1
        assert line.month.resolved == 3  # one result on each day after the first
        assert line.last_sync is not None
    assert by_office[DIFFERING].close.state == dashboard.CLOSE_DIFFERENCE
    assert by_office[UNCLOSED].close.state == dashboard.CLOSE_MISSING
    assert by_office["22333"].close.state == dashboard.CLOSE_MATCHED
    # worst first: the difference, then the missing close, then the matched one
    assert [line.office_unit for line in data.offices] == [DIFFERING, UNCLOSED, "22333"]
    assert data.totals_month.received == sum(len(c) for c in built.codes.values())
    assert data.target is not None and data.target.share == pytest.approx(0.2)
    assert not data.target.configured


def test_online_and_late_counts_match_a_plain_recount(hub: Hub, built: BuiltHub) -> None:
    """The grouped figures against a row-by-row count of the same hub rows."""
    from counter_app.hub.models import HubDossier

    with hub.session() as session:
        data = dashboard.overview(session, TODAY)
        rows = session.execute(
            sa.select(
                HubDossier.office_unit, HubDossier.channel, HubDossier.status, HubDossier.due_at
            )
        ).all()
    start = dashboard.day_start(TODAY)
    for line in data.offices:
        mine = [r for r in rows if r.office_unit == line.office_unit]
        assert line.month.online == sum(r.channel in ("online", "assisted") for r in mine)
        overdue = [
            r for r in mine if r.status in dashboard.OPEN_STATUSES and r.due_at and r.due_at < start
        ]
        assert line.overdue_now == len(overdue) > 0


def test_the_target_is_configuration(hub: Hub, built: BuiltHub, tmp_path: Path) -> None:
    copy = open_built(built.copy(tmp_path)) if built.url.startswith("sqlite") else hub
    try:
        with copy.session() as session:
            dashboard.set_online_target(session, 0.35, "QĐ thử của tỉnh")
        with copy.session() as session:
            target = dashboard.online_target(session)
            assert target is not None and target.configured and target.share == 0.35
            lines = dashboard.overview(session, TODAY).offices
        assert all(line.below_target for line in lines if (line.month.share or 0) < 0.35)
    finally:
        if copy is not hub:
            copy.engine.dispose()
        else:
            with hub.session() as session:
                session.execute(
                    sa.delete(dashboard.HubMeta).where(dashboard.HubMeta.key.like("online_target%"))
                )


def test_the_commune_page_names_the_differences(hub: Hub, built: BuiltHub) -> None:
    with hub.session() as session:
        page = dashboard.commune_page(session, DIFFERING, TODAY.replace(day=1), TODAY, TODAY)
        assert dashboard.commune_page(session, "99999", TODAY, TODAY, TODAY) is None
    assert page is not None
    assert sum(day.received for day in page.days) == page.totals.received == 28
    assert sum(p.received for p in page.procedures) == 28
    assert sum(page.channels.values()) == sum(page.statuses.values()) == 28
    assert page.channels["assisted"] == page.totals.guided == 4
    assert [d.day for d in page.days] == [TODAY - timedelta(days=i) for i in (3, 2, 1, 0)]
    last = [close for close in page.closes if close.day == TODAY]
    assert len(last) == 1 and not last[0].match
    assert built.lost_code in last[0].head_mismatch
    assert any(
        group == "by_status" and key == "processing" and hub_n == mine + 1
        for group, key, mine, hub_n in last[0].count_differences
    )
    assert all(close.match for close in page.closes if close.day != TODAY)
    officers = {line.officer: line for line in page.late_by_officer}
    assert set(officers) == {"system"}
    assert officers["system"].overdue == sum(len(line.codes) for line in page.late_by_officer)
    # no applicant data anywhere on the page's data
    text = repr(page)
    for name in ("Nguyễn Văn An", "056090012345", "Công ty TNHH Hải Âu"):
        assert name not in text


def test_the_province_report_is_the_sum_of_the_counters_own(hub: Hub, built: BuiltHub) -> None:
    period = month_period(2026, 3)
    with hub.session() as session:
        total, offices = province_report(session, period, now=NOW)
    calendar = default_calendar()
    summed: dict[str, int] = {}
    for unit, data_dir in built.counters.items():
        ctx = open_context(data_dir, clock=MutableClock(NOW))
        try:
            with ctx.session() as session:
                own = periodic_report(
                    session, ensure_office(session, ctx), period, calendar, now=NOW
                )
        finally:
            ctx.close()
        hub_side = next(r for r in offices if r.office_code == unit)
        if unit == DIFFERING:  # the hub lost one status change: received counts still agree
            assert hub_side.totals["received"] == own.totals["received"]
        else:
            assert hub_side.totals == own.totals, unit
            assert [r.to_json() for r in hub_side.rows] == [r.to_json() for r in own.rows]
        for key, value in own.totals.items():
            summed[key] = summed.get(key, 0) + value
    assert total.totals["received"] == summed["received"] == 84
    assert total.totals["received_online"] == summed["received_online"]


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


# --- the pages over HTTP ------------------------------------------------------------------


class Browser:
    """An httpx client that signs in like a browser: the form, its token, the cookie."""

    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)

    def token(self, path: str) -> str:
        answer = self.client.get(path)
        found = re.search(r'name="csrf" value="([^"]+)"', answer.text)
        assert found, answer.text[:500]
        return found.group(1)

    def sign_in(self, login: str, password: str) -> httpx.Response:
        token = self.token("/dashboard/signin")
        return self.client.post(
            "/dashboard/signin",
            data={"csrf": token, "login": login, "password": password, "next": "/dashboard/"},
        )


@pytest.fixture(scope="module")
def site(built: BuiltHub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The hub's app on loopback with a viewer and an administrator; its clock is `site.clock`."""
    target = (
        built.copy(tmp_path_factory.mktemp("site")) if built.url.startswith("sqlite") else built
    )
    clock = MutableClock(NOW)
    opened = open_built(target, clock)
    with opened.session() as session:
        session.execute(sa.delete(HubWebSession))
        session.execute(sa.delete(HubStaff))
        staff.add_staff(session, *VIEWER, "viewer", NOW)
        staff.add_staff(session, *ADMIN, "admin", NOW)
    app = create_app(opened, dashboard=WebSettings())
    with serving(app) as base:
        yield type("Site", (), {"base": base, "hub": opened, "clock": clock, "built": target})
    opened.engine.dispose()


def test_anonymous_is_sent_to_sign_in(site: Any) -> None:
    client = httpx.Client(base_url=site.base)
    for path in (
        "/dashboard/",
        "/dashboard/communes/22333",
        "/dashboard/devices",
        "/dashboard/reports/province.xlsx",
    ):
        answer = client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/dashboard/signin?next=")


def test_sign_in_sets_a_strict_http_only_cookie(site: Any) -> None:
    browser = Browser(site.base)
    answer = browser.sign_in(*VIEWER)
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard/"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("hub_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    token = cookie.split(";")[0].split("=", 1)[1]
    with site.hub.session() as session:  # only the token's hash is stored
        stored = session.execute(sa.select(HubWebSession.token_hash)).scalars().all()
    assert token not in stored and staff.token_hash(token) in stored
    page = browser.client.get("/dashboard/")
    assert page.status_code == 200 and "Phường Bắc Nha Trang" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    # over https (a proxy uvicorn trusts says so) the cookie is Secure
    # over https (a proxy on this machine, which uvicorn trusts, says so) cookies are Secure
    behind = httpx.Client(base_url=site.base, headers={"x-forwarded-proto": "https"})
    form = behind.get("/dashboard/signin")
    assert "Secure" in form.headers["set-cookie"] and "HttpOnly" in form.headers["set-cookie"]


def test_configured_secure_cookies(dashboard_hub: BuiltHub, tmp_path: Path) -> None:
    """`hub serve --secure-cookies`: Secure even on plain http (a proxy elsewhere ends TLS);
    a client on http then cannot even send the sign-in form's cookie back."""
    opened = open_built(dashboard_hub.copy(tmp_path), MutableClock(NOW))
    with opened.session() as session:
        if not staff.list_staff(session):
            staff.add_staff(session, *VIEWER, "viewer", NOW)
    try:
        with serving(create_app(opened, dashboard=WebSettings(secure_cookies=True))) as base:
            form = httpx.get(f"{base}/dashboard/signin")
            assert "Secure" in form.headers["set-cookie"]
            assert Browser(base).sign_in(*VIEWER).status_code == 403
    finally:
        opened.engine.dispose()


def test_csrf_is_required_on_every_form(site: Any) -> None:
    browser = Browser(site.base)
    browser.token("/dashboard/signin")
    refused = browser.client.post(
        "/dashboard/signin", data={"csrf": "forged", "login": VIEWER[0], "password": VIEWER[1]}
    )
    assert refused.status_code == 403
    assert browser.sign_in(*ADMIN).status_code == 303
    no_token = browser.client.post("/dashboard/devices/enroll-code", data={"office": "22420"})
    assert no_token.status_code == 403 and "Không có quyền truy cập" in no_token.text
    other_origin = browser.client.post(
        "/dashboard/signout",
        data={"csrf": browser.token("/dashboard/")},
        headers={"origin": "http://evil.example"},
    )
    assert other_origin.status_code == 403
    host = site.base.removeprefix("http://")
    same_host = browser.client.post(  # a proxy ends TLS: the origin says https, the hub sees http
        "/dashboard/devices/enroll-code",
        data={"csrf": browser.token("/dashboard/devices"), "office": "22420"},
        headers={"origin": f"https://{host}"},
    )
    assert same_host.status_code == 200
    assert browser.client.get("/dashboard/").status_code == 200  # still signed in


def test_lock_out_after_repeated_failures(site: Any) -> None:
    with site.hub.session() as session:
        staff.add_staff(session, "thu.khoa", "mat-khau-dung-roi", "viewer", NOW)
    browser = Browser(site.base)
    for _ in range(staff.MAX_FAILURES - 1):
        assert browser.sign_in("thu.khoa", "sai-mat-khau-1").status_code == 401
    locked = browser.sign_in("thu.khoa", "sai-mat-khau-1")
    assert locked.status_code == 401 and "tạm khóa" in locked.text
    # the right password is refused while locked, and accepted once the lock has passed
    assert browser.sign_in("thu.khoa", "mat-khau-dung-roi").status_code == 401
    site.clock.now = NOW + timedelta(minutes=staff.LOCK_MINUTES + 1)
    try:
        assert browser.sign_in("thu.khoa", "mat-khau-dung-roi").status_code == 303
    finally:
        site.clock.now = NOW


def test_idle_sessions_expire(site: Any) -> None:
    browser = Browser(site.base)
    browser.sign_in(*VIEWER)
    site.clock.now = NOW + timedelta(minutes=staff.IDLE_MINUTES - 1)
    try:
        assert browser.client.get("/dashboard/").status_code == 200  # activity pushes it on
        site.clock.now += timedelta(minutes=staff.IDLE_MINUTES - 1)
        assert browser.client.get("/dashboard/").status_code == 200
        site.clock.now += timedelta(minutes=staff.IDLE_MINUTES + 1)
        expired = browser.client.get("/dashboard/")
        assert expired.status_code == 303 and "expired=1" in expired.headers["location"]
        assert "hết hạn" in browser.client.get(expired.headers["location"]).text
    finally:
        site.clock.now = NOW


def test_a_viewer_is_refused_admin_pages(site: Any) -> None:
    browser = Browser(site.base)
    browser.sign_in(*VIEWER)
    code = site.built.lost_code
    for path in ("/dashboard/devices", "/dashboard/access-log", f"/dashboard/dossiers/{code}"):
        answer = browser.client.get(path)
        assert answer.status_code == 403, path
        assert "Không có quyền truy cập" in answer.text and '<html lang="vi">' in answer.text
    commune = browser.client.get(f"/dashboard/communes/{DIFFERING}")
    assert commune.status_code == 200
    assert code in commune.text and "/dashboard/dossiers/" not in commune.text
    for name in ("Nguyễn Văn An", "056090012345", "Trần Thị Bích"):
        assert name not in commune.text


def test_an_admin_sees_applicant_data_and_it_is_logged(site: Any) -> None:
    browser = Browser(site.base)
    browser.sign_in(*ADMIN)
    commune = browser.client.get(f"/dashboard/communes/{DIFFERING}")
    link = re.search(r'href="/dashboard/dossiers/([^"]+)"', commune.text)
    assert link is not None  # the overdue dossiers link to their page for an administrator
    code = link.group(1)
    detail = browser.client.get(f"/dashboard/dossiers/{code}")
    assert detail.status_code == 200
    assert any(
        name in detail.text
        for name in (
            "Nguyễn Văn An",
            "Trần Thị Bích",
            "Lê Đức Cường",
            "Phạm Thị Dung",
            "Công ty TNHH Hải Âu",
        )
    )
    with site.hub.session() as session:
        entry = (
            session.execute(
                sa.select(HubAccessLog)
                .where(HubAccessLog.page == "dossier")
                .order_by(HubAccessLog.id.desc())
            )
            .scalars()
            .first()
        )
    assert entry is not None and entry.login == ADMIN[0] and entry.object == code
    assert entry.personal_data
    log = browser.client.get("/dashboard/access-log")
    assert log.status_code == 200 and code in log.text and "có hiển thị" in log.text


def test_devices_enrol_and_revoke_through_the_service(site: Any) -> None:
    browser = Browser(site.base)
    browser.sign_in(*ADMIN)
    token = browser.token("/dashboard/devices")
    made = browser.client.post(
        "/dashboard/devices/enroll-code", data={"csrf": token, "office": "22420"}
    )
    assert made.status_code == 200
    code = re.search(r'id="new-code">([A-Z0-9-]+)<', made.text)
    assert code is not None
    bad = browser.client.post("/dashboard/devices/enroll-code", data={"csrf": token, "office": "x"})
    assert bad.status_code == 400 and 'class="problem"' in bad.text
    device = site.hub.devices(DIFFERING)[0].device.id
    revoked = browser.client.post(f"/dashboard/devices/{device}/revoke", data={"csrf": token})
    assert revoked.status_code == 303
    assert site.hub.devices(DIFFERING)[0].revoked


def test_the_exports_read_back(site: Any, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    browser = Browser(site.base)
    browser.sign_in(*VIEWER)
    xlsx = browser.client.get("/dashboard/reports/province.xlsx?month=2026-03&form=06")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Biểu số 06/VPCP/KSTT"
    total_row = next(row for row in values if row[1] == "Tổng cộng")
    assert total_row[2] == 84  # received in the province: the three communes
    pdf = browser.client.get("/dashboard/reports/province.pdf?month=2026-03&form=II.06a")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = _pdf_text(pdf.content, tmp_path)
    assert "II.06a/VPCP/KSTT" in text and "84" in text
    with site.hub.session() as session:
        pages = (
            session.execute(sa.select(HubAccessLog.page).where(HubAccessLog.login == VIEWER[0]))
            .scalars()
            .all()
        )
    assert "report 06 xlsx" in pages and "report II.06a pdf" in pages


def test_the_pages_speak_english(site: Any) -> None:
    browser = Browser(site.base)
    browser.sign_in(*VIEWER)
    english = browser.client.get("/dashboard/?lang=en")
    assert '<html lang="en">' in english.text and "Last sync" in english.text
    assert "Not closed" in english.text and "Difference" in english.text
    again = browser.client.get("/dashboard/")  # the choice is kept in a cookie
    assert "Last sync" in again.text
    assert "Đồng bộ gần nhất" in browser.client.get("/dashboard/?lang=vi").text


def test_sign_out_ends_the_session(site: Any) -> None:
    browser = Browser(site.base)
    browser.sign_in(*VIEWER)
    token = browser.token("/dashboard/")
    assert browser.client.post("/dashboard/signout", data={"csrf": token}).status_code == 303
    assert browser.client.get("/dashboard/").status_code == 303


def test_templates_strings_are_in_the_catalogue() -> None:
    """The templates' `_("...")` strings have English entries (the i18n test reads .py)."""
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    with (root / "resources" / "locale" / "en" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="en")
    known = {str(m.id) for m in catalog if m.id and m.string}
    found = set()
    for template in (root / "counter_app" / "hub" / "templates").glob("*.html"):
        found |= set(re.findall(r'_\("((?:[^"\\]|\\.)*)"\)', template.read_text(encoding="utf-8")))
    assert found and not (found - known)


def test_hub_user_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`hub user add LOGIN --role R` reads one line of standard input; a bad one writes
    nothing; `hub user list`, `disable`, `enable`; `hub target`."""
    import json
    import sys

    from counter_app.cli.main import main as cli_main

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = cli_main(["hub", *args, "--data-dir", str(tmp_path)])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = run("user", "add", "Can.Bo", "--role", "viewer", stdin="mot-mat-khau-dai\n")
    assert code == 0 and "can.bo" in out, err
    code, out, err = run("user", "add", "khac", "--role", "admin", stdin="ngan\n")
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1 and "Mật khẩu" in err
    code, out, err = run("user", "add", "can.bo", "--role", "admin", stdin="mot-mat-khau-dai\n")
    assert code == 1 and "đã có" in err
    listed = json.loads(run("user", "list", "--json")[1])
    assert [(u["login"], u["role"], u["active"]) for u in listed] == [("can.bo", "viewer", True)]
    assert run("user", "disable", "can.bo")[0] == 0
    assert json.loads(run("user", "list", "--json")[1])[0]["active"] is False
    assert run("user", "enable", "can.bo")[0] == 0
    code, out, _err = run("target", "30", "--source", "Kế hoạch của tỉnh")
    assert code == 0 and "30 %" in out
    engine = open_hub_database(f"sqlite:///{(tmp_path / 'hub.sqlite3').as_posix()}")
    try:
        with Hub(engine, tmp_path).session() as session:
            assert staff.authenticate(session, "can.bo", "mot-mat-khau-dai", NOW).staff is not None
            stored = session.execute(sa.select(HubStaff.password_hash)).scalar_one()
            assert stored.startswith("$argon2id$") and "mot-mat-khau-dai" not in stored
            target = dashboard.online_target(session)
        assert target == dashboard.OnlineTarget(0.3, "Kế hoạch của tỉnh", True)
    finally:
        engine.dispose()
