"""Citizens' data is for the app's user only (Decree 13/2023/NĐ-CP): every file the counter
and the hub write is 0600 in 0700 folders, and no error shown or logged carries a name, an
ID number or a birth date.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from counter_app.cli.main import UNEXPECTED_EXIT, main
from counter_app.documents.receipt_qr import load_or_create_key
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.files import write_atomically
from counter_app.hub.service import Hub, open_hub_database
from counter_app.kernel.config import save_config
from counter_app.kernel.context import AppContext
from counter_app.kernel.error_log import LOG_DIR_NAME, LOG_FILE_NAME, describe, record_error
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.maintenance.service import backup
from counter_app.scanning.pages import export_pdf
from counter_app.store.models import CodeSequence
from tests.unit.test_audit_verify import AN, dossier_with_everything

BIRTH_DATE = "1990-01-01"
APPLICANT = {
    "kind": "person",
    "name": AN.name,
    "id_number": AN.id_number,
    "birth_date": BIRTH_DATE,
    "gender": "Nam",
    "address": "12 Trần Phú, Phường Bắc Nha Trang",
    "phone": "0905123456",
    "email": "",
}
PERSONAL = (AN.name, AN.id_number, BIRTH_DATE, "01/01/1990", "0905123456", "Trần Phú")


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The common 022: a file is private because the program says so, not by luck."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def modes_under(folder: Path) -> dict[str, int]:
    return {
        path.relative_to(folder.parent).as_posix(): stat.S_IMODE(path.lstat().st_mode)
        for path in [folder, *folder.rglob("*")]
    }


def assert_private(*folders: Path) -> None:
    loose = {
        name: oct(mode)
        for folder in folders
        for name, mode in modes_under(folder).items()
        if mode & 0o077
    }
    assert not loose, loose


def test_every_file_of_the_counter_is_private(
    loose_umask: None, any_ctx: AppContext, tmp_path: Path
) -> None:
    code = dossier_with_everything(any_ctx)  # database, page store
    load_or_create_key(any_ctx.data_dir)  # the receipt-signing key
    save_config(any_ctx.data_dir, any_ctx.config)  # config.json written again
    exports = tmp_path / "exports"
    exports.mkdir(mode=0o700)
    export_pdf(any_ctx, code, exports / "hồ sơ.pdf")
    write_atomically(exports / "báo cáo.xlsx", b"report")
    if any_ctx.engine.dialect.name == "sqlite":
        with any_ctx.engine.connect() as connection:  # -wal and -shm exist while open
            connection.execute(sa.text("SELECT 1"))
            assert (any_ctx.data_dir / "counter.sqlite3-wal").exists()
            assert_private(any_ctx.data_dir)
        backup(any_ctx, exports / "sao lưu.zip")
    try:
        raise ValueError(AN.name)
    except ValueError as exc:
        record_error(exc, any_ctx.data_dir)
    assert (any_ctx.data_dir / LOG_DIR_NAME / LOG_FILE_NAME).exists()
    assert_private(any_ctx.data_dir, exports)


def test_every_file_of_the_hub_is_private(loose_umask: None, tmp_path: Path) -> None:
    root = tmp_path / "hub"
    root.mkdir(mode=0o700)
    engine = open_hub_database(f"sqlite:///{(root / 'hub.sqlite3').as_posix()}")
    try:
        hub = Hub(engine, root / "hub-pages")
        page = b"a scanned page of someone's birth certificate"
        sha256 = hashlib.sha256(page).hexdigest()
        hub.put_chunk(sha256, 0, len(page), page[:10])
        assert any((root / "hub-pages" / "partial").iterdir())
        assert_private(root)
        assert hub.put_chunk(sha256, 10, len(page), page[10:])["complete"]
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            assert_private(root)
    finally:
        engine.dispose()
    assert_private(root)


def test_a_loose_database_file_of_an_older_version_is_narrowed(
    loose_umask: None, any_ctx: AppContext
) -> None:
    if any_ctx.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps no file in the data directory")
    database = any_ctx.data_dir / "counter.sqlite3"
    any_ctx.engine.dispose()
    database.chmod(0o644)
    with any_ctx.session() as session:
        session.execute(sa.text("SELECT 1"))
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def taken_code_again(ctx: AppContext) -> IntakeRequest:
    """Another counter reset the day's sequence: the next intake takes a code already given."""
    with ctx.session() as session:
        session.execute(sa.delete(CodeSequence))
    return IntakeRequest("1.004873", AN)


def test_a_database_error_names_no_applicant(any_ctx: AppContext) -> None:
    intake(any_ctx, IntakeRequest("1.004873", AN), SYSTEM_ACTOR)
    request = taken_code_again(any_ctx)
    with pytest.raises(sa.exc.IntegrityError) as caught:
        intake(any_ctx, request, SYSTEM_ACTOR)
    shown = "".join(traceback.format_exception(caught.value))
    assert "hidden" in shown  # [SQL parameters hidden due to hide_parameters=True]
    assert not [item for item in PERSONAL if item in shown]


def test_an_unexpected_error_is_one_line_with_a_log_reference_and_no_applicant(
    any_ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An IntegrityError printed the applicant's name, CCCD and birth date."""
    applicant = tmp_path / "an.json"
    applicant.write_text(json.dumps(APPLICANT, ensure_ascii=False), encoding="utf-8")
    args = ["intake", "--procedure", "1.004873", "--applicant-json", str(applicant)]
    args += ["--data-dir", str(any_ctx.data_dir)]
    assert main(args) == 0
    taken_code_again(any_ctx)
    capsys.readouterr()

    assert main(args) == UNEXPECTED_EXIT
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("counter-app: ")
    assert "Traceback" not in err and not [item for item in PERSONAL if item in err]
    log = any_ctx.data_dir / LOG_DIR_NAME / LOG_FILE_NAME
    text = log.read_text(encoding="utf-8")
    reference = text.split()[1]
    assert reference in lines[0] and str(log) in lines[0]
    assert "sqlalchemy.exc.IntegrityError" in text and "dossiers/service.py" in text
    assert not [item for item in PERSONAL if item in text]
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700


def test_the_log_keeps_where_and_what_kind_never_the_message(tmp_path: Path) -> None:
    def fails() -> None:
        try:
            {}[AN.id_number]
        except KeyError as inner:
            raise RuntimeError(f"cannot file for {AN.name}") from inner

    with pytest.raises(RuntimeError) as caught:
        fails()
    text = describe(caught.value)
    assert "builtins.RuntimeError" in text and "caused by:" in text
    assert "builtins.KeyError" in text and "in fails" in text
    assert AN.name not in text and AN.id_number not in text
    with pytest.raises(FileNotFoundError) as missing:
        (tmp_path / f"{AN.name}.pdf").read_bytes()
    text = describe(missing.value)
    assert "[ENOENT]" in text and AN.name not in text
