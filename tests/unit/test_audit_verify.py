"""`verify` against edits made behind the application's back, on SQLite and PostgreSQL.

Every column and child row the desk, the forms and the reports read is either in the state
digest or checked against what it is copied from; legitimate changes through the services
leave `verify` clean; events written with the first digest formula still verify.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from counter_app.calendar import holidays
from counter_app.cli.main import main as cli_main
from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ, DayKind
from counter_app.domain.catalog import catalog_to_json, load_catalog
from counter_app.domain.fees import PaymentMethod
from counter_app.domain.lifecycle import EventKind, Role, Status
from counter_app.dossiers.service import (
    DossierFilter,
    FeeLine,
    IntakeRequest,
    intake,
    list_dossiers,
    move,
)
from counter_app.guidance.sessions import record_guidance
from counter_app.kernel import events as audit
from counter_app.kernel.catalog import import_catalog
from counter_app.kernel.config import CONFIG_FILE_NAME, load_config, save_config
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.dossier_store import get_dossier, record_event
from counter_app.kernel.page_files import page_path
from counter_app.kernel.users import SYSTEM_ACTOR, add_user, set_role
from counter_app.maintenance.service import repair_search_index, verify
from counter_app.payments.service import record_payment, set_bank_account
from counter_app.scanning.images import ColourMode, clean_page
from counter_app.scanning.pages import (
    attach_pages,
    attach_result,
    delete_page,
    list_pages,
    move_page,
    replace_page,
    rotate_page,
    set_reused,
)
from counter_app.scanning.samples import text_page
from counter_app.store.engine import sqlite_url
from counter_app.store.models import (
    CatalogVersion,
    Dossier,
    DossierDocument,
    DossierFee,
    Event,
    Office,
    OutboxItem,
    Page,
)
from counter_app.sync.service import enroll, run_sync
from tests.conftest import TEST_OFFICE, MutableClock, make_data_dir
from tests.sync_support import running_hub

AN = Person(name="Nguyễn Văn An", id_number="056090012345", phone="0905123456")
DUC = Person(name="Trần Minh Đức", id_number="058202000777")
BIRTH = "1.001193"  # several checklist lines


def scans(count: int, seed: int = 0) -> list:
    return [clean_page(text_page(60, seed=seed + i), ColourMode.BW) for i in range(count)]


def dossier_with_everything(ctx: AppContext, person: Person = AN) -> str:
    """A dossier with a checklist, two fees and three scanned pages, being processed."""
    request = IntakeRequest(
        BIRTH, person, fees=(FeeLine("Lệ phí", 8000), FeeLine("Phí gửi trả", 20000))
    )
    code = intake(ctx, request, SYSTEM_ACTOR).code
    attach_pages(ctx, code, scans(2), SYSTEM_ACTOR, document=1)
    attach_pages(ctx, code, scans(1, seed=5), SYSTEM_ACTOR, document=2)
    move(ctx, code, Status.PROCESSING, SYSTEM_ACTOR)
    return code


def dossier_id(ctx: AppContext, code: str) -> int:
    with ctx.session() as session:
        return int(session.execute(sa.select(Dossier.id).where(Dossier.code == code)).scalar_one())


def tamper(ctx: AppContext, statement: sa.Executable) -> None:
    with ctx.engine.begin() as connection:
        assert connection.execute(statement).rowcount == 1  # type: ignore[attr-defined]


def first_child(model: type, dossier: int) -> sa.ScalarSelect:
    return (
        sa.select(sa.func.min(model.id))
        .where(model.dossier_id == dossier)  # type: ignore[attr-defined]
        .scalar_subquery()
    )


TAMPERS: dict[str, tuple[Callable[[int], sa.Executable], str]] = {
    "applicant_name": (
        lambda d: sa.update(Dossier).where(Dossier.id == d).values(applicant_name="Lê Văn Giả"),
        "tên người nộp",
    ),
    "applicant_id_number": (
        lambda d: (
            sa.update(Dossier).where(Dossier.id == d).values(applicant_id_number="001099000001")
        ),
        "số định danh người nộp",
    ),
    "procedure_name": (
        lambda d: sa.update(Dossier).where(Dossier.id == d).values(procedure_name="Thủ tục khác"),
        "thủ tục",
    ),
    "procedure_field": (
        lambda d: sa.update(Dossier).where(Dossier.id == d).values(procedure_field="Đất đai"),
        "thủ tục",
    ),
    "search_folded": (
        lambda d: sa.update(Dossier).where(Dossier.id == d).values(search_folded="le van gia"),
        "tìm kiếm",
    ),
    "search_name": (
        lambda d: sa.update(Dossier).where(Dossier.id == d).values(search_name="lê văn giả"),
        "tìm kiếm theo dấu",
    ),
    "document_name": (
        lambda d: (
            sa.update(DossierDocument)
            .where(DossierDocument.id == first_child(DossierDocument, d))
            .values(name="Giấy tờ khác")
        ),
        "thành phần hồ sơ",
    ),
    "fee_amount": (
        lambda d: (
            sa.update(DossierFee)
            .where(DossierFee.id == first_child(DossierFee, d))
            .values(amount=1000)
        ),
        "phí, lệ phí",
    ),
    "fee_paid": (
        lambda d: (
            sa.update(DossierFee)
            .where(DossierFee.id == first_child(DossierFee, d))
            .values(payment_method="cash")
        ),
        "phí, lệ phí",
    ),
    "fee_deleted": (
        lambda d: sa.delete(DossierFee).where(DossierFee.id == first_child(DossierFee, d)),
        "phí, lệ phí",
    ),
    "page_deleted": (
        lambda d: sa.delete(Page).where(Page.id == first_child(Page, d)),
        "trang đã quét",
    ),
    "page_rotation": (
        lambda d: sa.update(Page).where(Page.id == first_child(Page, d)).values(rotation=180),
        "trang đã quét",
    ),
    "page_order": (
        lambda d: sa.update(Page).where(Page.id == first_child(Page, d)).values(position=9),
        "trang đã quét",
    ),
}


# --- the tamper audit: 30 kinds of edit behind the program's back, one line each ---------
#
# One data directory per database, made once through the program (users added and a role
# changed, a catalog imported, a holiday proposed and confirmed, the VietQR account saved,
# the counter enrolled at a real hub on loopback and synced, a guidance session logged),
# then copied for each kind: a file copy on SQLite, a template database on PostgreSQL.


@dataclass(frozen=True)
class World:
    data_dir: Path
    database_url: str | None
    server: str | None
    code: str
    """The dossier every dossier-level edit is made to (synced, then moved once more)."""
    untouched: str


class Copy:
    """A copy of the world, edited through its engine and files before it is opened."""

    def __init__(self, world: World, root: Path, server: str | None) -> None:
        self.data_dir = root / "data"
        shutil.copytree(world.data_dir, self.data_dir)
        self.url = None
        if world.database_url is not None and server is not None:
            name = f"t_{uuid.uuid4().hex[:12]}"
            admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                template = world.database_url.rsplit("/", 1)[1]
                connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            admin.dispose()
            self.url = f"{server.rsplit('/', 1)[0]}/{name}"
            save_config(self.data_dir, replace(load_config(self.data_dir), database_url=self.url))
        self.engine = sa.create_engine(self.url or sqlite_url(self.data_dir))
        self.dialect = self.engine.dialect.name
        self.code = world.code

    def run(self, *statements: sa.Executable | str) -> None:
        with self.engine.begin() as connection:
            for statement in statements:
                if isinstance(statement, str):
                    statement = sa.text(statement)
                connection.execute(statement)

    def scalar(self, statement: sa.Executable | str) -> Any:
        with self.engine.connect() as connection:
            if isinstance(statement, str):
                statement = sa.text(statement)
            return connection.execute(statement).scalar()

    def dossier_id(self) -> int:
        return int(self.scalar(sa.select(Dossier.id).where(Dossier.code == self.code)))

    def first_event(self) -> int:
        """The dossier's intake event: later events of it follow, so it is not its last."""
        return int(
            self.scalar(
                sa.select(sa.func.min(Event.id)).where(Event.dossier_id == self.dossier_id())
            )
        )

    def edit_config(self, **values: Any) -> None:
        path = self.data_dir / CONFIG_FILE_NAME
        document = json.loads(path.read_text(encoding="utf-8"))
        document.update(values)
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    def close(self) -> None:
        self.engine.dispose()


def _dossier_edit(what: str) -> Callable[[Copy], None]:
    return lambda copy: copy.run(TAMPERS[what][0](copy.dossier_id()))


def _event_edited(copy: Copy) -> None:
    copy.run(sa.update(Event).where(Event.id == copy.first_event()).values(reason="Sửa tay"))


def _event_deleted(copy: Copy) -> None:
    event = copy.first_event()
    copy.run(
        sa.delete(OutboxItem).where(OutboxItem.event_id == event),
        sa.delete(Event).where(Event.id == event),
    )


def _page_file_changed(copy: Copy) -> None:
    with copy.engine.connect() as connection:
        files = connection.execute(sa.select(Page.sha256, Page.dossier_id)).all()
    shared = {sha for sha, dossier in files if dossier != copy.dossier_id()}
    (sha,) = {sha for sha, dossier in files if sha not in shared}  # the dossier's own scan
    path = page_path(copy.data_dir / "pages", sha)
    path.write_bytes(path.read_bytes() + b"\0")


def _catalog_edited(copy: Copy) -> None:
    with copy.engine.begin() as connection:
        row = connection.execute(
            sa.select(CatalogVersion.id, CatalogVersion.document).where(
                CatalogVersion.version == IMPORTED_VERSION
            )
        ).one()
        document = dict(row.document)
        document["procedures"] = [
            {**p, "time_limit": {**p["time_limit"], "value": 90}} if p["code"] == BIRTH else p
            for p in document["procedures"]
        ]
        connection.execute(
            sa.update(CatalogVersion).where(CatalogVersion.id == row.id).values(document=document)
        )


def _search_index(copy: Copy) -> None:
    if copy.dialect == "sqlite":
        copy.run(
            "INSERT INTO dossier_search(dossier_search, rowid, search_folded, search_name) "
            f"SELECT 'delete', id, search_folded, search_name FROM dossiers "
            f"WHERE id = {copy.dossier_id()}"
        )
    else:
        copy.run("DROP INDEX ix_dossiers_search_name_trgm")


def _guidance_trigger(copy: Copy) -> None:
    if copy.dialect == "sqlite":
        drop = "DROP TRIGGER guidance_sessions_no_delete"
    else:
        drop = "DROP TRIGGER guidance_sessions_append_only ON guidance_sessions"
    copy.run(drop, "DELETE FROM guidance_sessions")


IMPORTED_VERSION = "2026.12-kh1"
HOLIDAY = date(2026, 12, 28)
USERS_TABLE = sa.table("users", sa.column("login"), sa.column("role"), sa.column("password_hash"))
SYNC_DEVICE = sa.table("sync_device", sa.column("hub_url"), sa.column("secret"))
DAY_TABLE = sa.table("calendar_days", sa.column("day"), sa.column("kind"))
CHANGES = sa.table("calendar_day_changes", sa.column("id"))
SEQUENCES = sa.table("code_sequences", sa.column("last_value"))

TAMPER_KINDS: dict[str, tuple[Callable[[Copy], None], str]] = {
    # The dossier, its checklist, fees and pages (the line starts with the dossier's code).
    **{what: (_dossier_edit(what), label) for what, (_statement, label) in TAMPERS.items()},
    # The event chain and the page store.
    "event_edited": (_event_edited, "nội dung sự kiện đã bị sửa"),
    "event_deleted": (_event_deleted, "chuỗi bị đứt"),
    "page_file_changed": (_page_file_changed, "tệp trang đã quét bị thay đổi"),
    # What the audit of issue 12 found missed.
    "user_role": (
        lambda c: c.run(
            sa.update(USERS_TABLE).where(USERS_TABLE.c.login == "lan").values(role="admin")
        ),
        "người dùng lan: vai trò",
    ),
    "password_hash": (
        lambda c: c.run(
            sa.update(USERS_TABLE)
            .where(USERS_TABLE.c.login == "lan")
            .values(
                password_hash=sa.select(USERS_TABLE.c.password_hash)
                .where(USERS_TABLE.c.login == "minh")
                .scalar_subquery()
            )
        ),
        "người dùng lan: mật khẩu bị thay",
    ),
    "catalog": (_catalog_edited, f"danh mục thủ tục phiên bản {IMPORTED_VERSION}: nội dung"),
    "office": (
        lambda c: c.run(sa.update(Office).values(electronic_id="000.00.99.H99")),
        f"đơn vị tiếp nhận {TEST_OFFICE.unit_code}: mã định danh",
    ),
    "code_sequence": (
        lambda c: c.run(sa.update(SEQUENCES).values(last_value=SEQUENCES.c.last_value - 1)),
        "bộ đếm số hồ sơ ngày",
    ),
    "search_index": (_search_index, "chỉ mục tìm kiếm: "),
    "outbox_deleted": (
        lambda c: c.run(sa.delete(OutboxItem).where(OutboxItem.sent_at.is_(None))),
        "hàng đợi gửi lên tỉnh: thiếu 1 sự kiện",
    ),
    "sync_address": (
        lambda c: c.run(sa.update(SYNC_DEVICE).values(hub_url="http://127.0.0.1:9/gia")),
        "ghi danh với hub: địa chỉ hub",
    ),
    "sync_secret": (
        lambda c: c.run(sa.update(SYNC_DEVICE).values(secret="khoa-gia")),
        "ghi danh với hub: khóa bí mật",
    ),
    "sync_state": (
        lambda c: c.run(
            sa.update(OutboxItem)
            .where(OutboxItem.sent_at.is_(None))
            .values(sent_at=datetime(2026, 3, 2, 3, 0, tzinfo=UTC))
        ),
        "đã gửi mà tỉnh chưa xác nhận",
    ),
    "holidays": (
        lambda c: c.run(
            sa.update(DAY_TABLE).where(DAY_TABLE.c.day == HOLIDAY).values(kind="working_day")
        ),
        "bảng ngày nghỉ lễ: bị sửa",
    ),
    "holiday_history": (
        lambda c: c.run(
            sa.delete(CHANGES).where(
                CHANGES.c.id == sa.select(sa.func.max(CHANGES.c.id)).scalar_subquery()
            )
        ),
        "lịch sử sửa bảng ngày nghỉ lễ: ",
    ),
    "guidance_trigger": (_guidance_trigger, "trigger guidance_sessions_"),
    "config_block": (
        lambda c: c.edit_config(sequence_first=1, sequence_last=9999),
        "khối số hồ sơ của quầy",
    ),
}

DOSSIER_LEVEL = frozenset(TAMPERS)


def _build_world(root: Path, database_url: str | None, server: str | None) -> World:
    clock = MutableClock(datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ))
    data_dir = make_data_dir(root, database_url)
    ctx = open_context(data_dir, clock=clock)
    add_user(ctx, "lan", "mat-khau-lan", Role.CLERK, "Trần Thị Lan")
    add_user(ctx, "minh", "mat-khau-minh", Role.ADMIN, "Lê Minh", by=SYSTEM_ACTOR)
    set_role(ctx, "lan", Role.LEADER, SYSTEM_ACTOR)
    set_role(ctx, "lan", Role.CLERK, SYSTEM_ACTOR)
    document = catalog_to_json(load_catalog())
    document["catalog_version"] = IMPORTED_VERSION
    path = root / "catalog.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with ctx.session() as session:
        import_catalog(session, path, SYSTEM_ACTOR, clock())
    ctx.reload_catalog()
    holidays.add_holiday(ctx, HOLIDAY, DayKind.DAY_OFF, "Nghỉ bù", SYSTEM_ACTOR, proposed=True)
    holidays.confirm_holiday(ctx, HOLIDAY, SYSTEM_ACTOR)
    set_bank_account(ctx, SYSTEM_ACTOR, "970436", "0011001800879", "UBND PHUONG BAC NHA TRANG")
    with running_hub(root / "hub") as hub:
        enroll(ctx, hub.url, hub.hub.create_enroll_code(TEST_OFFICE.unit_code))
        ctx.close()
        ctx = open_context(data_dir, clock=clock)  # the block the hub gave is in the config
        code = dossier_with_everything(ctx)
        untouched = dossier_with_everything(ctx, DUC)
        attach_pages(ctx, code, scans(1, seed=40), SYSTEM_ACTOR, document=3)  # its own file
        record_guidance(ctx, BIRTH, "at_home", SYSTEM_ACTOR)
        run_sync(ctx)
    move(ctx, code, Status.SUPPLEMENT, SYSTEM_ACTOR, "Thiếu giấy chứng sinh")  # not sent yet
    report = verify(ctx)
    assert report.ok, report.problems
    ctx.close()
    return World(data_dir, database_url, server, code, untouched)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> World:
    """The data directory every tamper kind starts from, made once per database."""
    root = tmp_path_factory.mktemp(f"world-{request.param}")
    if request.param == "sqlite":
        return _build_world(root, None, None)
    server: str = request.getfixturevalue("pg_server")
    name = f"w_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return _build_world(root, f"{server.rsplit('/', 1)[0]}/{name}", server)


@pytest.fixture
def copy(world: World, tmp_path: Path) -> Iterator[Copy]:
    made = Copy(world, tmp_path, world.server)
    yield made
    made.close()


def test_the_tamper_audit_has_thirty_kinds() -> None:
    assert len(TAMPER_KINDS) == 30


@pytest.mark.parametrize("what", sorted(TAMPER_KINDS))
def test_each_kind_of_tampering_is_one_line_naming_what_changed(
    copy: Copy, world: World, what: str
) -> None:
    edit, label = TAMPER_KINDS[what]
    edit(copy)
    with open_context(copy.data_dir) as ctx:
        problems = verify(ctx).problems
    assert len(problems) == 1, problems
    assert label in problems[0], problems
    if what in DOSSIER_LEVEL:
        assert problems[0].startswith(f"{world.code}: "), problems
        assert world.untouched not in problems[0]


def test_repair_index_finds_every_dossier_again(copy: Copy, world: World) -> None:
    _search_index(copy)
    with open_context(copy.data_dir) as ctx:
        assert not verify(ctx).ok
        repair_search_index(ctx)
        report = verify(ctx)
        assert report.ok, report.problems
        found = list_dossiers(ctx, DossierFilter(search="Nguyễn Văn An"), limit=10)
    assert world.code in [view.code for view in found]


def test_the_command_line_changes_a_role_and_repairs_the_index(ctx, capsys) -> None:
    code = intake(ctx, IntakeRequest(BIRTH, AN), SYSTEM_ACTOR).code
    add_user(ctx, "lan", "mat-khau-lan", Role.CLERK)
    where = ["--data-dir", str(ctx.data_dir)]
    assert cli_main(["user", "role", "lan", "--role", "admin", *where]) == 0
    assert verify(ctx).ok, verify(ctx).problems
    tamper(
        ctx,
        sa.text(
            "INSERT INTO dossier_search(dossier_search, rowid, search_folded, search_name) "
            "SELECT 'delete', id, search_folded, search_name FROM dossiers"
        ),
    )
    capsys.readouterr()
    assert cli_main(["verify", *where]) == 1
    assert f"chỉ mục tìm kiếm: không tìm được 1 hồ sơ ({code})" in capsys.readouterr().err
    assert cli_main(["verify", "--repair-index", *where]) == 0
    assert "Đã dựng lại chỉ mục tìm kiếm" in capsys.readouterr().out


def test_the_cli_demo_tamper_of_name_and_json_is_one_line_each(ctx) -> None:
    code = intake(ctx, IntakeRequest(BIRTH, AN), SYSTEM_ACTOR).code
    tamper(
        ctx,
        sa.update(Dossier)
        .where(Dossier.code == code)
        .values(applicant_name="X", applicant={"kind": "person"}),
    )
    problems = verify(ctx).problems
    assert len(problems) == len(set(problems)) >= 2
    assert any("tên người nộp" in p for p in problems)
    assert any("tìm kiếm" in p for p in problems)


def test_legitimate_changes_through_the_services_keep_verify_clean(any_ctx) -> None:
    def clean() -> None:
        report = verify(any_ctx)
        assert report.ok, report.problems

    code = dossier_with_everything(any_ctx)
    clean()
    first, second, third = list_pages(any_ctx, code)
    rotate_page(any_ctx, first.id, SYSTEM_ACTOR, 90)
    clean()
    move_page(any_ctx, second.id, SYSTEM_ACTOR, document=1, position=1)
    clean()
    move_page(any_ctx, third.id, SYSTEM_ACTOR, document=1, position=2)  # line 2 left empty
    clean()
    replace_page(any_ctx, first.id, scans(1, seed=9)[0], SYSTEM_ACTOR)
    clean()
    delete_page(any_ctx, second.id, SYSTEM_ACTOR)
    clean()
    set_reused(any_ctx, code, 3, SYSTEM_ACTOR)
    clean()
    record_payment(any_ctx, code, PaymentMethod.CASH, SYSTEM_ACTOR)
    clean()
    move(any_ctx, code, Status.SUPPLEMENT, SYSTEM_ACTOR, "Thiếu giấy chứng sinh")
    clean()
    move(any_ctx, code, Status.PROCESSING, SYSTEM_ACTOR)
    clean()
    record_event(any_ctx, code, EventKind.HANDED_OVER, SYSTEM_ACTOR, data={"to": "tuphap"})
    clean()
    attach_result(any_ctx, code, scans(1, seed=20), SYSTEM_ACTOR)
    clean()
    move(any_ctx, code, Status.RESOLVED, SYSTEM_ACTOR)
    move(any_ctx, code, Status.RETURNED, SYSTEM_ACTOR)
    clean()
    dossier = get_dossier(any_ctx, code)
    assert dossier.status == "returned" and dossier.handler == "tuphap"
    with any_ctx.session() as session:
        digests = session.execute(sa.select(Event.state_digest)).scalars().all()
    assert digests and all(d.startswith(audit.DIGEST_V2) and len(d) == 64 for d in digests)


def test_events_written_with_the_first_formula_still_verify(any_ctx, monkeypatch) -> None:
    """A data directory from before version 2: its events keep their bare-hex digests."""
    with monkeypatch.context() as old_program:
        old_program.setattr(
            audit, "state_digest", lambda _session, dossier: audit.legacy_state_digest(dossier)
        )
        old = dossier_with_everything(any_ctx)
        other = dossier_with_everything(any_ctx, DUC)
    with any_ctx.session() as session:
        digests = session.execute(sa.select(Event.state_digest)).scalars().all()
    assert all(len(d) == 64 and ":" not in d for d in digests)
    report = verify(any_ctx)
    assert report.ok, report.problems

    # The cached columns are checked whatever formula the last event used.
    tamper(any_ctx, sa.update(Dossier).where(Dossier.code == old).values(applicant_name="Giả"))
    assert any(p.startswith(f"{old}: ") and "tên người nộp" in p for p in verify(any_ctx).problems)
    tamper(any_ctx, sa.update(Dossier).where(Dossier.code == old).values(applicant_name=AN.name))
    tamper(any_ctx, sa.update(Dossier).where(Dossier.code == old).values(status="returned"))
    assert [p for p in verify(any_ctx).problems if p.startswith(f"{old}: ")]
    tamper(any_ctx, sa.update(Dossier).where(Dossier.code == old).values(status="processing"))
    assert verify(any_ctx).ok

    # The next event writes the current formula, which covers the fees.
    move(any_ctx, old, Status.FEES_DUE, SYSTEM_ACTOR)
    assert verify(any_ctx).ok
    tamper(any_ctx, TAMPERS["fee_amount"][0](dossier_id(any_ctx, old)))
    problems = verify(any_ctx).problems
    assert problems and all(p.startswith(f"{old}: ") for p in problems)
    assert not any(other in p for p in problems)


def test_the_digest_is_of_the_canonical_whole_and_names_each_section(ctx) -> None:
    code = dossier_with_everything(ctx)
    with ctx.session() as session:
        dossier = session.execute(sa.select(Dossier).where(Dossier.code == code)).scalar_one()
        ((_dossier, sections),) = audit._sections_of(session, [dossier])
        stored = session.execute(
            sa.select(Event.state_digest).where(Event.dossier_id == dossier.id).order_by(Event.id)
        ).scalars()
        last = list(stored)[-1]
    text = json.dumps(sections, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    whole = hashlib.sha256(text.encode()).hexdigest()
    assert last == audit.sections_digest(sections)
    assert last.startswith("v2:") and whole.startswith(last[3 + 4 * len(audit.STATE_SECTIONS) :])
    assert audit.changed_sections(last, sections) is None
    sections["fees"]["lines"][0]["amount"] += 1
    assert audit.changed_sections(last, sections) == ["fees"]
