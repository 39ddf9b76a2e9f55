"""The guidance command line: `guide` (with the A5 sheet read back), admin edits, pay, vietqr."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from counter_app.cli import main
from counter_app.domain.text import nfc
from counter_app.payments.vietqr import parse_payload

A5_POINTS = (419.5, 595.3)


def run(capsys, data_dir: Path, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--data-dir", str(data_dir)])
    out, err = capsys.readouterr()
    return code, out, err


def pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return nfc(" ".join(page.extract_text() for page in reader.pages))


def test_guide_json_and_sheet(capsys, data_dir: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "guide.pdf"
    code, out, err = run(
        capsys, data_dir, "guide", "1.004222", "--date", "2026-09-01", "--json", "--pdf", str(sheet)
    )
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["online_available"] is True
    assert document["fees"] == {
        "counter_vnd": 20000,
        "online_vnd": 10000,
        "saving_vnd": 10000,
        "rules": [document["fees"]["rules"][0]],
        "notices": [document["fees"]["notices"][0]],
    }
    assert document["fees"]["notices"][0]["valid_to"] == "2027-02-28"
    assert document["portal_page"].startswith("https://dichvucong.gov.vn/thu-tuc-hanh-chinh/")
    reader = PdfReader(io.BytesIO(sheet.read_bytes()))
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width, 1), round(height, 1)) == A5_POINTS
    text = " ".join(pdf_text(sheet).split())
    assert "HƯỚNG DẪN NỘP HỒ SƠ TRỰC TUYẾN" in text
    assert "Đăng ký thường trú (1.004222)" in text
    assert "tiết kiệm 10.000 đ" in text
    assert "tại quầy 20.000 đ; trực tuyến 10.000 đ" in text
    assert "Chuẩn bị: tài khoản định danh điện tử VNeID" in text


def test_guide_sheet_qr_opens_the_portal_page(capsys, data_dir: Path, tmp_path: Path) -> None:
    import subprocess

    import zxingcpp
    from PIL import Image

    sheet = tmp_path / "guide.pdf"
    code, out, _err = run(capsys, data_dir, "guide", "1.001193", "--json", "--pdf", str(sheet))
    assert code == 0
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(sheet), str(tmp_path / "page")],
        check=True,
    )
    found = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    assert [r.text for r in found] == [json.loads(out)["portal_page"]]


def test_guide_for_a_counter_only_procedure(capsys, data_dir: Path) -> None:
    code, out, _err = run(capsys, data_dir, "guide", "2.000815")
    assert code == 0
    assert "chưa nộp trực tuyến được" in out


def test_guide_bad_input(capsys, data_dir: Path, tmp_path: Path) -> None:
    code, _out, err = run(capsys, data_dir, "guide", "9.999999")
    assert code == 1 and "9.999999" in err and len(err.strip().splitlines()) == 1
    missing_dir = tmp_path / "nowhere" / "guide.pdf"
    code, _out, err = run(capsys, data_dir, "guide", "1.001193", "--pdf", str(missing_dir))
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert not missing_dir.exists()


def test_online_only_by_cli_with_leader_override(capsys, data_dir: Path, tmp_path: Path) -> None:
    applicant = tmp_path / "an.json"
    applicant.write_text(
        json.dumps({"kind": "person", "name": "Nguyễn Văn An", "id_number": "056090012345"}),
        encoding="utf-8",
    )
    code, _out, err = run(
        capsys, data_dir, "guidance", "online-only", "add", "1.001193", "--source", "QĐ thử"
    )
    assert code == 0, err
    intake = ["intake", "--procedure", "1.001193", "--applicant-json", str(applicant)]
    code, _out, err = run(capsys, data_dir, *intake)
    assert code == 1 and "chỉ nhận hồ sơ trực tuyến" in err
    code, out, err = run(
        capsys,
        data_dir,
        *intake,
        "--override-reason",
        "Cổng lỗi cả buổi sáng",
        "--paper-reason",
        "portal_down",
        "--json",
    )
    # The system actor is an admin, not a leader.
    assert code == 1 and "lãnh đạo" in err
    code, out, err = run(capsys, data_dir, "guidance", "online-only", "list", "--json")
    assert json.loads(out)[0]["procedure"] == "1.001193"
    code, out, err = run(
        capsys,
        data_dir,
        "guidance",
        "online-only",
        "remove",
        "1.001193",
        "--source",
        "hết thí điểm",
    )
    code, out, err = run(capsys, data_dir, *intake, "--paper-reason", "portal_down", "--json")
    assert code == 0, err
    assert json.loads(out)["paper_reason"] == "portal_down"


def test_admin_set_field_and_refusals(capsys, data_dir: Path) -> None:
    code, _out, err = run(
        capsys, data_dir, "guidance", "set", "1.000656", "online_level", "partial", "--source", "QĐ"
    )
    assert code == 0, err
    code, out, _err = run(capsys, data_dir, "guide", "1.000656", "--json")
    assert json.loads(out)["online_level"] == "partial"
    assert json.loads(out)["provenance"]["corrections"]["online_level"]["by"] == "system"
    code, _out, err = run(
        capsys, data_dir, "guidance", "set", "1.000656", "portal_id", "x", "--source", "QĐ"
    )
    assert code == 1 and "portal_id" in err
    code, _out, err = run(capsys, data_dir, "guidance", "target", "commune", "120", "--source", "x")
    assert code == 1


def test_pay_and_vietqr(capsys, data_dir: Path, tmp_path: Path) -> None:
    applicant = tmp_path / "an.json"
    applicant.write_text(
        json.dumps({"kind": "person", "name": "Nguyễn Văn An", "id_number": "056090012345"}),
        encoding="utf-8",
    )
    code, out, err = run(
        capsys, data_dir, "intake", "--procedure", "2.000635", "--applicant-json", str(applicant)
    )
    assert code == 0, err
    dossier = out.strip()
    code, _out, err = run(capsys, data_dir, "vietqr", dossier)
    assert code == 1 and "guidance bank" in err
    code, _out, err = run(
        capsys, data_dir, "guidance", "bank", "--bin", "970436", "--account", "0011001800879"
    )
    assert code == 0, err
    png = tmp_path / "fee.png"
    code, out, err = run(capsys, data_dir, "vietqr", dossier, "--json", "--png", str(png))
    assert code == 0, err
    document = json.loads(out)
    assert parse_payload(document["payload"]).note == dossier
    assert document["amount"] == 8000
    import zxingcpp
    from PIL import Image

    assert zxingcpp.read_barcodes(Image.open(png))[0].text == document["payload"]
    code, _out, err = run(capsys, data_dir, "pay", dossier, "--method", "cheque")
    assert code == 1
    code, out, err = run(capsys, data_dir, "pay", dossier, "--method", "cash", "--json")
    assert code == 0 and json.loads(out)["payment_method"] == "cash"


@pytest.mark.parametrize("argv", [["online", "--json"], ["online", "--date", "2026-03-02"]])
def test_online_share_command(capsys, data_dir: Path, argv: list[str]) -> None:
    code, out, err = run(capsys, data_dir, *argv)
    assert code == 0, err
    if "--json" in argv:
        document = json.loads(out)
        assert document["target"] == pytest.approx(0.2)
        assert document["month"]["share"] is None
        assert "no_vneid" in document["paper_reasons"]["by_reason"]
