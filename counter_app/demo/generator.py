"""Believable demo data: an office, its staff, N days of dossiers in every state, scans.

Volumes, channel shares, field mix and names follow published figures for a large ward
of Khánh Hòa (docs/rules.md, Appendix). Everything goes through the real services, so demo data
obeys the same rules, codes, deadlines and audit chain as real work: every status of the
lifecycle and every channel appear, fees are paid (cash, VietQR, on the portal) or still
due, returning applicants' documents are reused, some dossiers are late or wait for a
supplement (a few twice), online registrations wait to be received. Citizens guided to file
online are logged as guidance sessions: most assisted filings, linked to their dossier; some
paper dossiers after a try that failed (same reason); citizens shown how who then filed from
home.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from counter_app.demo.unfinished import discard_unfinished, mark_finished, mark_unfinished
from counter_app.domain.applicants import Organisation, Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.catalog import Procedure
from counter_app.domain.fees import PaymentMethod
from counter_app.domain.lifecycle import Channel, Role, Status
from counter_app.domain.units import find_unit, load_units
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.errors import ValidationError
from counter_app.guidance.data import load_guidance
from counter_app.guidance.sessions import GuidanceOutcome, record_guidance
from counter_app.i18n import _
from counter_app.kernel.config import OfficeConfig, save_config
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR, Actor, add_user, hash_password
from counter_app.payments.service import record_payment, set_bank_account
from counter_app.scanning.images import ColourMode, ProcessedPage, clean_page
from counter_app.scanning.pages import attach_pages, attach_result, set_reused
from counter_app.scanning.samples import text_page
from counter_app.store.models import Dossier, User

DEMO_UNIT = "22333"  # Phường Bắc Nha Trang
DEMO_ELECTRONIC_ID = "DEMO.56.22333"  # the real e-ID comes from the provincial system
DEMO_PASSWORD = "demo1234"
DEMO_WARD = "Phường Bắc Nha Trang"
# Bodies that decide some of the dossiers received here (demo names, not an official list).
PROVINCIAL_HOME_AFFAIRS = "Sở Nội vụ tỉnh Khánh Hòa"
LAND_REGISTRATION_BRANCH = "Chi nhánh Văn phòng đăng ký đất đai khu vực Nha Trang"
NEIGHBOUR_UNITS = ("Phường Nha Trang", "Phường Nam Nha Trang", "Phường Tây Nha Trang")

STAFF = (
    ("quantri", "Trần Quốc Bảo", Role.ADMIN),
    ("lanhdao", "Lê Thị Thu Hương", Role.LEADER),
    ("tiepnhan1", "Nguyễn Thị Mỹ Linh", Role.CLERK),
    ("tiepnhan2", "Võ Minh Tâm", Role.CLERK),
    ("tuphap", "Phạm Văn Hùng", Role.CLERK),
    ("diachinh", "Huỳnh Ngọc Phước", Role.CLERK),
    ("vhxh", "Đặng Thị Kim Oanh", Role.CLERK),
)
HANDLER_BY_FIELD = {"Hộ tịch": "tuphap", "Chứng thực": "tuphap", "Đất đai": "diachinh"}

# National family-name shares in per mille, South-Central spellings (docs/rules.md, Appendix).
FAMILY_NAMES = (
    ("Nguyễn", 384),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 71),
    ("Huỳnh", 51),
    ("Phan", 45),
    ("Võ", 39),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Đinh", 5),
    ("Trương", 5),
    ("Mai", 4),
    ("Đoàn", 4),
    ("Châu", 3),
)
MALE_MIDDLE = ("Văn", "Hữu", "Đức", "Công", "Quang", "Minh", "Thanh", "Ngọc", "Quốc", "Tấn")
FEMALE_MIDDLE = ("Thị", "Ngọc", "Thanh", "Thu", "Kim", "Mỹ", "Bích", "Phương", "Thùy", "Hoài")
MALE_GIVEN = (
    "Anh",
    "Minh",
    "Hùng",
    "Dũng",
    "Tuấn",
    "Hải",
    "Long",
    "Nam",
    "Quân",
    "Phúc",
    "Khang",
    "Bảo",
    "Huy",
    "Khoa",
    "Đạt",
    "Thành",
    "Trung",
    "Sơn",
    "Cường",
    "Tài",
    "Lộc",
    "Phước",
    "Vinh",
    "Tâm",
    "Đức",
)
FEMALE_GIVEN = (
    "Linh",
    "Hương",
    "Trang",
    "Lan",
    "Mai",
    "Hoa",
    "Thảo",
    "Ngọc",
    "Nhung",
    "Hằng",
    "Hạnh",
    "Phương",
    "Yến",
    "Vy",
    "Nhi",
    "Hân",
    "Châu",
    "Oanh",
    "Dung",
    "Loan",
    "Tuyết",
    "Hồng",
    "My",
    "Uyên",
    "Thủy",
    "Hà",
    "Giang",
    "Quỳnh",
    "Diệu",
)
STREETS = (
    "Trần Phú",
    "Lê Thánh Tôn",
    "Nguyễn Thị Minh Khai",
    "Phạm Văn Đồng",
    "2 Tháng 4",
    "Đường Đệ",
    "Hòn Chồng",
    "Mai Xuân Thưởng",
    "Điện Biên Phủ",
    "Nguyễn Trãi",
)
# Field mix at a commune centre, per cent (docs/rules.md, Appendix).
FIELD_WEIGHTS = {
    "Chứng thực": 55,
    "Hộ tịch": 17,
    "Đất đai": 10,
    "Hộ kinh doanh": 6,
    "Bảo trợ xã hội": 3,
    "Người có công": 2,
    "Xây dựng": 2,
}
# Within a field, the everyday procedures dominate (hộ tịch: docs/rules.md, Appendix; chứng thực
# of copies and signatures is most of the counter's work). Unlisted procedures weigh 1.
PROCEDURE_WEIGHTS = {
    "1.001193": 50,  # khai sinh
    "1.004873": 20,  # xác nhận tình trạng hôn nhân
    "1.000894": 15,  # kết hôn
    "1.000656": 14,  # khai tử
    "2.000635": 6,  # bản sao trích lục
    "2.000815": 60,  # chứng thực bản sao từ bản chính
    "2.000884": 20,  # chứng thực chữ ký
    "2.001035": 6,  # chứng thực giao dịch
}
PAPER_REASONS = ("no_vneid", "no_smartphone", "elderly", "prefers_paper", "portal_down")
# The demo's receiving account: letters in the number, so no bank can resolve it.
DEMO_BANK = ("970436", "DEMO0000KHONGNOP", "DU LIEU MAU KHONG CHUYEN TIEN")
RETURNING_SHARE = 0.2  # citizens who come back (chứng thực especially)
REUSE_SHARE = 0.6  # of those, whose papers on file are reused instead of a new copy
# Guidance sessions (demo assumptions, no published figure): assisted filings logged as a
# session, paper dossiers whose citizen first tried online, own online filings that follow
# a counter visit where the clerk showed how.
GUIDED_ASSISTED_SHARE = 0.85
GUIDED_LINKED_SHARE = 0.8
GUIDED_PAPER_SHARE = 0.4
GUIDED_AT_HOME_SHARE = 0.25


@dataclass(frozen=True)
class DemoOptions:
    days: int = 60
    seed: int = 2026
    per_day: int = 35


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def _person(rng: random.Random, today: date) -> Person:
    female = rng.random() < 0.52
    family = rng.choices([n for n, _w in FAMILY_NAMES], [w for _n, w in FAMILY_NAMES])[0]
    birth_year = rng.randint(1950, 2007)
    if female:
        middle = "Thị" if birth_year < 1990 and rng.random() < 0.65 else rng.choice(FEMALE_MIDDLE)
        given = rng.choice(FEMALE_GIVEN)
    else:
        middle = "Văn" if birth_year < 1990 and rng.random() < 0.5 else rng.choice(MALE_MIDDLE)
        given = rng.choice(MALE_GIVEN)
    province = "056" if rng.random() < 0.8 else rng.choice(("058", "054", "066", "079", "001"))
    century = 0 if birth_year < 2000 else 2
    gender_digit = century + (1 if female else 0)
    id_number = f"{province}{gender_digit}{birth_year % 100:02d}{rng.randint(0, 999999):06d}"
    birth = date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
    return Person(
        name=f"{family} {middle} {given}",
        id_number=id_number,
        birth_date=birth,
        gender="Nữ" if female else "Nam",
        address=f"{rng.randint(1, 250)} {rng.choice(STREETS)}, {DEMO_WARD}, Tỉnh Khánh Hòa",
        phone=f"0{rng.choice((3, 5, 7, 8, 9))}{rng.randint(10000000, 99999999)}",
    )


def _organisation(rng: random.Random) -> Organisation:
    kind = rng.choice(("Công ty TNHH", "Hộ kinh doanh", "Công ty Cổ phần"))
    name = rng.choice(("Biển Xanh", "Hòn Tre", "Yến Sào Nha Trang", "Vĩnh Hòa", "Sao Mai"))
    return Organisation(
        name=f"{kind} {name}",
        tax_code=f"42{rng.randint(0, 99999999):08d}",
        address=f"{rng.randint(1, 250)} {rng.choice(STREETS)}, Phường Bắc Nha Trang",
        phone=f"0258{rng.randint(1000000, 9999999)}",
    )


def _channel(rng: random.Random, procedure: Procedure) -> Channel:
    if procedure.online_level == "none":
        return Channel.POSTAL if rng.random() < 0.01 else Channel.DIRECT
    roll = rng.random()
    if roll < 0.55:
        return Channel.ONLINE
    if roll < 0.68:
        return Channel.ASSISTED
    if roll < 0.69:
        return Channel.POSTAL
    return Channel.DIRECT


def _office_moment(rng: random.Random, day: date) -> datetime:
    minutes = rng.choice((rng.randint(0, 269), rng.randint(390, 599)))  # 07:00-11:29, 13:30-16:59
    return datetime.combine(day, time(7, 0), VN_TZ) + timedelta(minutes=minutes)


def generate_demo(
    ctx: AppContext,
    options: DemoOptions,
    *,
    if_empty: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Fill the data directory; refuses one that already holds dossiers (unless if_empty).

    A demo that did not finish is started again, not kept (demo/unfinished.py).
    `progress(done, total)` is told after each day made (the closing steps count as one).
    """

    def counts() -> tuple[int, bool]:
        with ctx.session() as session:
            dossiers = int(session.execute(sa.select(sa.func.count(Dossier.id))).scalar_one())
            return dossiers, session.execute(sa.select(User.id).limit(1)).first() is not None

    existing, has_users = counts()
    if discard_unfinished(ctx, has_dossiers=existing > 0):
        existing, has_users = counts()
    if existing:
        if if_empty:
            return {
                "message": _("Thư mục dữ liệu đã có {n} hồ sơ; giữ nguyên.").format(n=existing),
                "created": 0,
                "existing": existing,
            }
        raise ValidationError(
            _("Thư mục dữ liệu đã có {n} hồ sơ; dữ liệu mẫu chỉ tạo trong thư mục trống.").format(
                n=existing
            )
        )
    unit = find_unit(load_units(), DEMO_UNIT)
    office = OfficeConfig(
        unit_code=unit.code,
        electronic_id=DEMO_ELECTRONIC_ID,
        name=f"Trung tâm Phục vụ hành chính công {unit.name}",
        parent_body=f"UBND {unit.name}",
        province_name=unit.province_name,
    )
    mark_unfinished(ctx, fresh=not has_users)  # before the demo's first write
    ctx.config = replace(ctx.config, office=office, demo=True)
    save_config(ctx.data_dir, ctx.config)
    if not has_users:
        shared = hash_password(DEMO_PASSWORD)  # one slow hash for the seven accounts
        for login, name, role in STAFF:
            add_user(ctx, login, DEMO_PASSWORD, role, name, password_hash=shared)
    if ctx.config.vietqr is None:  # so the VietQR path shows; never a real one
        admin = next(Actor(lg, name, role) for lg, name, role in STAFF if role is Role.ADMIN)
        set_bank_account(ctx, admin, *DEMO_BANK)
    clerks = [
        Actor(login, name, role) for login, name, role in STAFF if login.startswith("tiepnhan")
    ]

    # Demo data is regenerable: trade the per-commit fsync for speed while generating.
    @sa.event.listens_for(ctx.engine, "connect")
    def _fast(dbapi_connection: Any, _record: Any) -> None:
        if ctx.engine.dialect.name == "sqlite":
            dbapi_connection.execute("PRAGMA synchronous=OFF")

    ctx.engine.dispose()
    rng = random.Random(options.seed)
    # A few distinct synthetic pages; the page store keeps each once however often attached.
    scans = [
        clean_page(text_page(150, seed=seed, lines=30), ColourMode.BW, dpi=150) for seed in range(6)
    ]
    real_clock = ctx.clock
    real_now = real_clock().astimezone(VN_TZ)
    procedures = list(ctx.catalog.procedures)
    by_field: dict[str, list[Procedure]] = {}
    for procedure in procedures:
        by_field.setdefault(procedure.field, []).append(procedure)
    fields = [f for f in FIELD_WEIGHTS if f in by_field]
    clock = _Clock(real_now)
    ctx.clock = clock
    created = 0
    visitors: list[Person] = []  # earlier applicants, some of whom come back
    try:
        day = real_now.date() - timedelta(days=options.days - 1)
        while day <= real_now.date():
            if ctx.calendar.is_working_day(day):
                volume = max(5, int(rng.gauss(options.per_day, options.per_day * 0.25)))
                if day.weekday() == 0:
                    volume = int(volume * 1.3)  # Monday mornings are busiest
                moments = sorted(_office_moment(rng, day) for _ in range(volume))
                with ctx.batch():  # a day in one transaction: a demo is redone whole
                    for moment in moments:
                        if moment > real_now:
                            break
                        field = rng.choices(fields, [FIELD_WEIGHTS[f] for f in fields])[0]
                        if rng.random() < 0.06:
                            procedure = rng.choice(procedures)
                        else:
                            choices = by_field[field]
                            weights = [PROCEDURE_WEIGHTS.get(p.code, 1) for p in choices]
                            procedure = rng.choices(choices, weights)[0]
                        _one_dossier(
                            ctx,
                            clock,
                            rng,
                            procedure,
                            moment,
                            real_now,
                            clerks,
                            scans,
                            created,
                            visitors,
                        )
                        created += 1
            day += timedelta(days=1)
            if progress is not None:
                progress(options.days - (real_now.date() - day).days - 1, options.days + 1)
        # Its own random stream, so the dossiers stay those of the seed without sessions.
        first_day = real_now.date() - timedelta(days=options.days - 1)
        guide_rng = random.Random(options.seed + 1)
        with ctx.batch():
            sessions = _guidance_sessions(ctx, clock, guide_rng, first_day, real_now, clerks)
            _late_entries(ctx, clock, rng, procedures, real_now, clerks[0])
            created += 2
            created += _awaiting_receipt(ctx, clock, rng, procedures, real_now)
    finally:
        ctx.clock = real_clock
        sa.event.remove(ctx.engine, "connect", _fast)
        ctx.engine.dispose()
    mark_finished(ctx)
    if progress is not None:
        progress(options.days + 1, options.days + 1)
    message = _(
        "Đã tạo dữ liệu mẫu: {n} hồ sơ trong {days} ngày tại {office}. "
        "Đăng nhập: {logins}, mật khẩu {password}."
    ).format(
        n=created,
        days=options.days,
        office=unit.name,
        logins=", ".join(login for login, _n, _r in STAFF),
        password=DEMO_PASSWORD,
    )
    return {
        "message": message,
        "created": created,
        "office": unit.code,
        "users": [login for login, _n, _r in STAFF],
        "guidance_sessions": sessions,
    }


def _competent_body(rng: random.Random, procedure: Procedure) -> str | None:
    """Since 1/7/2025 the centre receives regardless of boundary and routes (docs/rules.md §1)."""
    if "Sở Nội vụ" in procedure.agency:
        return PROVINCIAL_HOME_AFFAIRS
    if procedure.field == "Đất đai" and rng.random() < 0.5:
        return LAND_REGISTRATION_BRANCH
    if procedure.field == "Hộ tịch" and rng.random() < 0.05:
        return f"UBND {rng.choice(NEIGHBOUR_UNITS)}"
    return None


def _applicant(
    rng: random.Random, procedure: Procedure, day: date, visitors: list[Person]
) -> tuple[Person | Organisation, bool]:
    """A new or returning applicant; True when they came before."""
    if procedure.field == "Hộ kinh doanh" and rng.random() < 0.3:
        return _organisation(rng), False
    if visitors and rng.random() < RETURNING_SHARE:
        return rng.choice(visitors), True
    person = _person(rng, day)
    visitors.append(person)
    return person, False


def _pay(ctx: AppContext, rng: random.Random, code: str, channel: Channel, clerk: Actor) -> None:
    """Fees through the real payment record: on the portal when filed online."""
    if channel.is_online:
        method = PaymentMethod.PORTAL
    else:
        method = PaymentMethod.VIETQR if rng.random() < 0.3 else PaymentMethod.CASH
    reference = f"FT{rng.randint(10**9, 10**10 - 1)}" if method is not PaymentMethod.CASH else None
    record_payment(ctx, code, method, clerk, reference=reference)


def _one_dossier(
    ctx: AppContext,
    clock: _Clock,
    rng: random.Random,
    procedure: Procedure,
    moment: datetime,
    real_now: datetime,
    clerks: list[Actor],
    scans: list[ProcessedPage],
    serial: int,
    visitors: list[Person],
) -> None:
    clock.now = moment
    channel = _channel(rng, procedure)
    applicant, returning = _applicant(rng, procedure, moment.date(), visitors)
    portal_code = f"G22.{moment:%y%m%d}.{serial:05d}" if channel.is_online else None
    paper_reason = (
        rng.choice(PAPER_REASONS)
        if channel is Channel.DIRECT and procedure.online_level == "full"
        else None
    )
    # A citizen's own online filing waits on the portal until a clerk receives it.
    awaiting = channel is Channel.ONLINE
    dossier = intake(
        ctx,
        IntakeRequest(
            procedure.code,
            applicant,
            channel,
            portal_code=portal_code,
            paper_reason=paper_reason,
            competent_body=_competent_body(rng, procedure),
            awaiting_receipt=awaiting,
        ),
        SYSTEM_ACTOR if awaiting else rng.choice(clerks),
    )
    handler = HANDLER_BY_FIELD.get(procedure.field, "vhxh")
    clerk = rng.choice(clerks)
    if awaiting:
        moment += timedelta(minutes=rng.randint(10, 150))
        if moment > real_now:
            return
        clock.now = moment
        dossier = move(ctx, dossier.code, Status.RECEIVED, clerk)
    if returning and dossier.documents and rng.random() < REUSE_SHARE:
        set_reused(ctx, dossier.code, 1, clerk)  # the ID papers already on file
    fees_paid = dossier.fee_total <= 0
    if not fees_paid and rng.random() < (0.85 if channel.is_online else 0.8):
        _pay(ctx, rng, dossier.code, channel, clerk)  # paid when filing, most often
        fees_paid = True
    if not channel.is_online and rng.random() < 0.85:
        # Paper dossiers are scanned at the counter, a page or two per required document.
        clock.now = moment + timedelta(minutes=2)
        for number in range(1, min(2, len(dossier.documents)) + 1):
            pages = [rng.choice(scans) for _ in range(rng.randint(1, 2))]
            attach_pages(ctx, dossier.code, pages, clerk, document=number)
    due = dossier.due_at or moment + timedelta(days=3)
    span = max(due - moment, timedelta(hours=2))

    def step(at: datetime, target: Status, reason: str | None = None, **kw: Any) -> bool:
        if at > real_now:
            return False
        clock.now = at
        move(ctx, dossier.code, target, clerk, reason, **kw)
        return True

    roll = rng.random()
    at = moment + timedelta(minutes=rng.randint(5, 90))
    if roll < 0.01:
        step(at, Status.REFUSED, "Hồ sơ không thuộc thẩm quyền giải quyết")
        return
    if roll < 0.02:
        step(at, Status.WITHDRAWN, "Công dân xin rút hồ sơ")
        return
    if not step(at, Status.PROCESSING, handler=handler):
        return
    if roll < 0.09:
        at += span * rng.uniform(0.2, 0.5)
        if not step(at, Status.SUPPLEMENT, "Bổ sung bản sao giấy tờ tùy thân"):
            return
        at += timedelta(days=rng.randint(1, 6))
        if not step(at, Status.PROCESSING):
            return
        if roll < 0.03:  # a second request: the dossier counts as late
            at += timedelta(hours=rng.randint(2, 30))
            if not step(at, Status.SUPPLEMENT, "Bổ sung giấy xác nhận nơi cư trú"):
                return
            at += timedelta(days=rng.randint(1, 4))
            if not step(at, Status.PROCESSING):
                return
    if 0.09 <= roll < 0.1:
        step(at + span * 0.5, Status.STOPPED, "Người nộp không bổ sung theo yêu cầu")
        return
    if procedure.field == "Đất đai" and rng.random() < 0.4:
        # Land dossiers wait for the citizen's taxes and land-use fees before the result.
        at = max(at, moment + span * rng.uniform(0.3, 0.6))
        if not step(at, Status.FEES_DUE, "Chờ người nộp thực hiện nghĩa vụ tài chính về đất đai"):
            return
        at += timedelta(days=rng.randint(1, 8))
        if not step(at, Status.PROCESSING):
            return
    late = rng.random() < 0.04
    resolve_at = moment + span * (rng.uniform(1.05, 1.8) if late else rng.uniform(0.3, 0.98))
    resolved_at = max(resolve_at, at + timedelta(minutes=30))
    if not step(resolved_at, Status.RESOLVED):
        return
    if rng.random() < 0.9:  # the electronic result, scanned when the signed paper comes back
        attach_result(ctx, dossier.code, [rng.choice(scans)], clerk)
    returned_at = resolved_at + timedelta(hours=rng.randint(1, 72))
    if returned_at > real_now:
        return
    if not fees_paid:  # the rest pay when they collect the result
        clock.now = returned_at
        _pay(ctx, rng, dossier.code, channel, clerk)
    step(returned_at, Status.RETURNED)


def _awaiting_receipt(
    ctx: AppContext,
    clock: _Clock,
    rng: random.Random,
    procedures: list[Procedure],
    real_now: datetime,
) -> int:
    """Online registrations of the last hours, not received yet (the portal never closes)."""
    online = [p for p in procedures if p.online_level == "full"] or procedures
    count = 3
    for minutes_ago in sorted(rng.sample(range(5, 180), count), reverse=True):
        clock.now = real_now - timedelta(minutes=minutes_ago)
        intake(
            ctx,
            IntakeRequest(
                rng.choice(online).code,
                _person(rng, real_now.date()),
                Channel.ONLINE,
                portal_code=f"G22.{clock.now:%y%m%d}.{90000 + minutes_ago:05d}",
                awaiting_receipt=True,
            ),
            SYSTEM_ACTOR,
        )
    return count


def _late_entries(
    ctx: AppContext,
    clock: _Clock,
    rng: random.Random,
    procedures: list[Procedure],
    real_now: datetime,
    clerk: Actor,
) -> None:
    """Two dossiers entered a day late after a power cut, so reports show catching up."""
    clock.now = real_now
    chung_thuc = [p for p in procedures if p.field == "Chứng thực"] or procedures
    last_working_day = real_now.date() - timedelta(days=1)
    while not ctx.calendar.is_working_day(last_working_day):
        last_working_day -= timedelta(days=1)
    for hour in (14, 16):
        received = datetime.combine(last_working_day, time(hour, rng.randint(0, 59)), VN_TZ)
        intake(
            ctx,
            IntakeRequest(
                rng.choice(chung_thuc).code,
                _person(rng, real_now.date()),
                received_at=received,
                late_reason="Mất điện, nhập bù sau khi có điện",
            ),
            clerk,
        )


def _guidance_sessions(
    ctx: AppContext,
    clock: _Clock,
    rng: random.Random,
    first_day: date,
    real_now: datetime,
    clerks: list[Actor],
) -> int:
    """'Guided to online' sessions drawn from the demo's dossiers (docs/rules.md §10),
    from `first_day` on; returns how many."""
    book = load_guidance(ctx.data_dir)
    staff = {login: Actor(login, name, role) for login, name, role in STAFF}
    with ctx.session() as session:
        rows = session.execute(
            sa.select(
                Dossier.code,
                Dossier.procedure_code,
                Dossier.channel,
                Dossier.paper_reason,
                Dossier.submitted_at,
                Dossier.received_by,
            ).order_by(Dossier.id)
        ).all()
    count = 0
    for code, procedure_code, channel, paper_reason, submitted_at, received_by in rows:
        if book.get(ctx.catalog.get(procedure_code)).online_available is False:
            continue  # nothing to guide
        at = submitted_at.astimezone(VN_TZ)
        clerk = staff.get(received_by) or rng.choice(clerks)
        outcome, reason, dossier = None, None, None
        if channel == Channel.ASSISTED and rng.random() < GUIDED_ASSISTED_SHARE:
            outcome = GuidanceOutcome.ASSISTED
            dossier = code if rng.random() < GUIDED_LINKED_SHARE else None
            if dossier is None:  # logged before the dossier was taken, so not linked
                at -= timedelta(minutes=rng.randint(2, 10))
        elif paper_reason and rng.random() < GUIDED_PAPER_SHARE:
            outcome, reason = GuidanceOutcome.COULD_NOT, paper_reason
            at -= timedelta(minutes=rng.randint(3, 15))  # the try came before the paper
        elif channel == Channel.ONLINE and rng.random() < GUIDED_AT_HOME_SHARE:
            day = at.date() - timedelta(days=rng.randint(1, 3))
            while not ctx.calendar.is_working_day(day):
                day -= timedelta(days=1)
            outcome, clerk = GuidanceOutcome.AT_HOME, rng.choice(clerks)
            at = _office_moment(rng, day)
        if outcome is None or at.date() < first_day or at > real_now:
            continue
        clock.now = at
        record_guidance(ctx, procedure_code, outcome, clerk, reason=reason, dossier_code=dossier)
        count += 1
    return count


# The same content under public names, for the hub's demo (`counter_app.hub.demo`), which
# plays the province's counters with this mix rather than a second one.
random_person = _person
random_channel = _channel
office_moment = _office_moment
