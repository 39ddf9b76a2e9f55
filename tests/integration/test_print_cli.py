"""`counter-app print ...` and `receipt verify` end to end through main(), real files."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import segno

from counter_app.cli import main
from counter_app.documents.receipt_qr import parse_payload
from counter_app.domain.applicants import Person
from counter_app.domain.lifecycle import EventKind
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import SYSTEM_ACTOR

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")


@pytest.fixture
def code(ctx) -> str:
    person = Person(name="Phạm Quốc Việt", id_number="056090011111", address="Cam Ranh")
    return intake(ctx, IntakeRequest("1.000894", person), SYSTEM_ACTOR).code


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_print_receipt_then_verify_the_scan(ctx, code, data_dir, tmp_path, capsys):
    pdf = tmp_path / "receipt.pdf"
    status, out, _err = run(
        capsys, "print", "receipt", code, "--pdf", str(pdf), "--data-dir", str(data_dir), "--json"
    )
    assert status == 0
    document = json.loads(out)
    assert document["template"] == "TT03-2025" and document["paper"] == "A5"
    assert pdf.read_bytes().startswith(b"%PDF")
    printed = [e for e in get_dossier(ctx, code).events if e.kind == EventKind.PRINTED.value]
    assert printed and printed[-1].data["medium"] == "pdf"

    subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), str(tmp_path / "scan")], check=True)
    scan = sorted(tmp_path.glob("scan-*.png"))[0]
    status, out, _err = run(
        capsys, "receipt", "verify", str(scan), "--data-dir", str(data_dir), "--json"
    )
    assert status == 0
    assert json.loads(out)["code"] == code

    # A third party with only the public key.
    key = tmp_path / "office.pem"
    assert (
        run(capsys, "receipt", "public-key", "--out", str(key), "--data-dir", str(data_dir))[0] == 0
    )
    status, out, _err = run(capsys, "receipt", "verify", str(scan), "--public-key", str(key))
    assert status == 0 and code in out

    forged = parse_payload(document["qr"]).claim.code.replace("0001", "0002")
    tampered = tmp_path / "tampered.png"
    segno.make(document["qr"].replace(code, forged)).save(str(tampered), scale=6)
    status, _out, err = run(capsys, "receipt", "verify", str(tampered), "--public-key", str(key))
    assert status == 1
    assert err.startswith("counter-app: ") and len(err.strip().splitlines()) == 1


def test_draft_is_not_recorded_and_book_prints(ctx, code, data_dir, tmp_path, capsys):
    draft = tmp_path / "draft.pdf"
    assert (
        run(
            capsys,
            "print",
            "control",
            code,
            "--pdf",
            str(draft),
            "--draft",
            "--data-dir",
            str(data_dir),
        )[0]
        == 0
    )
    assert not [e for e in get_dossier(ctx, code).events if e.kind == EventKind.PRINTED.value]
    book = tmp_path / "book.pdf"
    status, out, _err = run(
        capsys,
        "print",
        "book",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--pdf",
        str(book),
        "--data-dir",
        str(data_dir),
    )
    assert status == 0 and Path(out.strip()) == book and book.stat().st_size > 0


@pytest.mark.parametrize(
    "argv",
    [
        ("print", "memo", "X", "--pdf", "{out}"),
        ("print", "receipt", "--pdf", "{out}"),
        ("print", "book", "--pdf", "{out}"),
        ("print", "receipt", "000.00.22.H56-260302-9999", "--pdf", "{out}"),
        ("print", "receipt", "{code}", "--pdf", "{out}", "--paper", "Letter"),
        ("print", "receipt", "{code}", "--pdf", "{missing}"),
        ("receipt", "verify", "{missing}"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(code, data_dir, tmp_path, capsys, argv):
    out = tmp_path / "out.pdf"
    missing = tmp_path / "no" / "such" / "file.pdf"
    args = [a.format(out=out, code=code, missing=missing) for a in argv]
    status, _out, err = run(capsys, *args, "--data-dir", str(data_dir))
    assert status == 1
    assert len(err.strip().splitlines()) == 1 and err.startswith("counter-app: ")
    assert not out.exists()
    assert not list(tmp_path.glob(".*.tmp"))


def _ledger_rows(ctx) -> tuple[int, int]:
    import sqlalchemy as sa

    from counter_app.documents.ledger import LedgerEntry, LedgerSequence

    with ctx.session() as session:
        entries = session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar()
        given = session.execute(sa.select(sa.func.sum(LedgerSequence.last_value))).scalar()
    return int(entries or 0), int(given or 0)


@pytest.mark.parametrize(
    "argv",
    [
        ("print", "receipt", "{code}", "--pdf", "{out}", "--paper", "A0"),
        ("print", "receipt", "{code}", "--pdf", "{missing}"),
        ("print", "receipt", "{code}", "--pdf", "{folder}"),
        ("print", "book", "--from", "2026-03-01", "--to", "2026-03-31", "--pdf", "{missing}"),
        (
            "print",
            "book",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--pdf",
            "{out}",
            "--paper",
            "A0",
        ),
    ],
)
def test_a_failed_print_takes_no_book_entry(ctx, code, data_dir, tmp_path, capsys, argv):
    """A dossier received before entries were taken at intake gets one at its first final
    print; a print that fails (bad paper, an output that cannot be written) takes none."""
    import sqlalchemy as sa

    from counter_app.documents.ledger import LedgerEntry, LedgerSequence

    with ctx.session() as session:  # as received before this rule: not in the book yet
        session.execute(sa.delete(LedgerEntry))
        session.execute(sa.delete(LedgerSequence))
    out, folder = tmp_path / "out.pdf", tmp_path / "folder.pdf"
    folder.mkdir()
    missing = tmp_path / "no" / "such" / "file.pdf"
    args = [a.format(out=out, code=code, missing=missing, folder=folder) for a in argv]
    status, _out, err = run(capsys, *args, "--data-dir", str(data_dir))
    assert status == 1 and len(err.strip().splitlines()) == 1
    assert _ledger_rows(ctx) == (0, 0)
    assert not out.exists() and not list(tmp_path.glob(".*"))
    assert not [e for e in get_dossier(ctx, code).events if e.kind == EventKind.PRINTED.value]
    good = tmp_path / "good.pdf"
    assert (
        run(capsys, "print", "receipt", code, "--pdf", str(good), "--data-dir", str(data_dir))[0]
        == 0
    )
    assert _ledger_rows(ctx) == (1, 1)  # the first final print writes it into the book


def test_checking_a_receipt_never_makes_the_office_key(code, data_dir, tmp_path, capsys):
    from counter_app.documents.receipt_qr import KEY_DIR

    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    for argv in (("receipt", "verify", str(bad)), ("receipt", "verify", str(tmp_path / "no.png"))):
        status, _out, err = run(capsys, *argv, "--data-dir", str(data_dir))
        assert status == 1 and len(err.strip().splitlines()) == 1
    assert not (data_dir / KEY_DIR).exists()
    # A real receipt QR, but this data directory never signed one: said so, nothing made.
    qr = tmp_path / "qr.png"
    segno.make("qmc:?ma=X&dv=Y&tn=202603020900&hen=&k=00&cks=AA").save(str(qr), scale=6)
    status, _out, err = run(capsys, "receipt", "verify", str(qr), "--data-dir", str(data_dir))
    assert status == 1 and "khóa ký" in err
    assert not (data_dir / KEY_DIR).exists()
