"""The one-stop forms as real PDFs, read back with poppler (pdftotext) and pypdf."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from counter_app.documents.forms import FormOptions, format_moment, render_book, render_form
from counter_app.documents.ledger import entries_for
from counter_app.documents.templates import FormKind, load_template_sets, select_template_set
from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.fees import PaymentMethod
from counter_app.domain.lifecycle import EventKind, Role, Status
from counter_app.dossiers.deadlines import extend_deadline
from counter_app.dossiers.service import DocumentLine, FeeLine, IntakeRequest, intake, move
from counter_app.errors import ConfigError, ValidationError
from counter_app.kernel.dossier_store import get_dossier, record_event
from counter_app.kernel.users import SYSTEM_ACTOR, Actor, add_user
from counter_app.payments.service import record_payment
from counter_app.resources import resource_path
from counter_app.store.models import Dossier

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

A5 = (148 * 72 / 25.4, 210 * 72 / 25.4)
A4 = (210 * 72 / 25.4, 297 * 72 / 25.4)
APPLICANT = Person(
    name="Nguyễn Thị Ánh Tuyết",
    id_number="056190012345",
    address="Số 12 đường Trần Phú,\nPhường Bắc Nha Trang, Tỉnh Khánh Hòa",
    phone="0905123456",
    email="tuyet@example.vn",
)
FEE = FeeLine("Lệ phí đăng ký kết hôn", 50000, "tiền mặt")


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "read.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return unicodedata.normalize("NFC", " ".join(out.split()))


WordBox = tuple[int, float, float, float, float, float, float, str]
"""(page, page width, page height, xMin, yMin, xMax, yMax, word), points from the top left."""


def word_boxes(pdf: bytes, tmp_path: Path) -> list[WordBox]:
    """Every word where pdftotext places it."""
    path = tmp_path / "boxes.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    result = []
    for number, page in enumerate(re.findall(r"<page (.*?)</page>", html, re.S), start=1):
        width = float(re.search(r'width="([\d.]+)"', page).group(1))
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" '
            r'xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>',
            page,
        ):
            assert float(x0) >= 0 and float(y0) >= 0, word
            box = (float(x0), float(y0), float(x1), float(y1))
            result.append((number, width, height, *box, word))
    return result


def words_with_boxes(pdf: bytes, tmp_path: Path) -> list[tuple[int, float, float, str]]:
    """(page, overflow right, overflow bottom, word) for every word pdftotext places."""
    return [
        (page, x1 - width, y1 - height, word)
        for page, width, height, _x0, _y0, x1, y1, word in word_boxes(pdf, tmp_path)
    ]


def assert_within_pages(pdf: bytes, tmp_path: Path) -> None:
    words = words_with_boxes(pdf, tmp_path)
    assert words
    outside = [w for w in words if w[1] > 0 or w[2] > 0]
    assert not outside, outside[:5]


def page_sizes(pdf: bytes, tmp_path: Path) -> list[tuple[float, float]]:
    path = tmp_path / "size.pdf"
    path.write_bytes(pdf)
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(path).pages]


@pytest.fixture
def dossier(ctx):
    view = intake(ctx, IntakeRequest("1.000894", APPLICANT, fees=(FEE,)), SYSTEM_ACTOR)
    return view


def test_receipt_shows_every_field_in_vietnamese_on_a5(ctx, dossier, tmp_path):
    rendered = render_form(ctx, FormKind.RECEIPT, dossier.code)
    text = pdf_text(rendered.pdf, tmp_path)
    assert rendered.template_id == "TT03-2025"
    for expected in (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND PHƯỜNG BẮC NHA TRANG",
        "Phường Bắc Nha Trang, ngày 02 tháng 03 năm 2026",
        f"Mã hồ sơ: {dossier.code}",
        "Tiếp nhận hồ sơ của: Nguyễn Thị Ánh Tuyết",
        "CCCD/MST: 056190012345",
        "Số 12 đường Trần Phú,",
        dossier.procedure_name,
        "4. Thời gian nhận hồ sơ: 09 giờ 00 phút, ngày 02 tháng 03 năm 2026",
        "50.000 đồng",
        "Quyển số: Q1/2026 Số thứ tự: 1",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "(Liên 1: Lưu)",
        "(Liên 2: Giao người nộp hồ sơ)",
    ):
        assert unicodedata.normalize("NFC", expected) in text, expected
    due = dossier.due_at
    assert f"ngày {due:%d} tháng {due:%m} năm {due:%Y}" in text
    for document in dossier.documents:
        if document.provided:
            assert " ".join(document.name.split()[:3]) in text
    assert "NHÁP" not in text
    sizes = page_sizes(rendered.pdf, tmp_path)
    assert len(sizes) == 2  # two copies ("liên"), one A5 page each
    assert all(size == pytest.approx(A5, abs=0.5) for size in sizes)
    assert_within_pages(rendered.pdf, tmp_path)


def test_draft_is_marked_and_final_is_not(ctx, dossier, tmp_path):
    draft = render_form(ctx, FormKind.RECEIPT, dossier.code, FormOptions(draft=True))
    assert "BẢN NHÁP – CHƯA IN" in pdf_text(draft.pdf, tmp_path)
    final = render_form(ctx, FormKind.RECEIPT, dossier.code)
    assert "BẢN NHÁP" not in pdf_text(final.pdf, tmp_path)


@pytest.mark.parametrize(
    ("kind", "title", "status"),
    [
        (FormKind.SUPPLEMENT, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", Status.SUPPLEMENT),
        (FormKind.REFUSAL, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", Status.REFUSED),
        (FormKind.STOP, "THÔNG BÁO", Status.STOPPED),
    ],
)
def test_reason_of_the_move_is_printed(ctx, dossier, tmp_path, kind, title, status):
    reason = "Thiếu giấy xác nhận tình trạng hôn nhân của bên nữ"
    move(ctx, dossier.code, status, SYSTEM_ACTOR, reason)
    rendered = render_form(ctx, kind, dossier.code)
    text = pdf_text(rendered.pdf, tmp_path)
    assert title in text
    assert reason in text
    assert dossier.code in text
    assert_within_pages(rendered.pdf, tmp_path)


def test_supplement_items_and_apology_new_date(ctx, dossier, tmp_path):
    items = ("Giấy xác nhận tình trạng hôn nhân (bản chính)", "Bản sao CCCD của bên nam")
    supplement = render_form(
        ctx, FormKind.SUPPLEMENT, dossier.code, FormOptions(reason="Hồ sơ thiếu", items=items)
    )
    text = pdf_text(supplement.pdf, tmp_path)
    assert f"1. {items[0]}" in text and f"2. {items[1]}" in text
    new_due = datetime(2026, 3, 12, 16, 30, tzinfo=VN_TZ)
    apology = render_form(
        ctx,
        FormKind.APOLOGY,
        dossier.code,
        FormOptions(reason="Chờ xác minh", new_due_at=new_due, signer="Trần Văn Bình"),
    )
    text = pdf_text(apology.pdf, tmp_path)
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    assert "16 giờ 30 phút, ngày 12 tháng 03 năm 2026" in text
    assert "Trần Văn Bình" in text and "Kính gửi: Nguyễn Thị Ánh Tuyết" in text


def pdf_lines(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "lines.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [" ".join(line.split()) for line in out.splitlines() if line.strip()]


@pytest.mark.parametrize("paper", ["A5", "A4"])
def test_a_blank_time_never_leaves_a_lone_blank_on_a_line(ctx, clock, tmp_path, paper):
    """The blank "… giờ … phút, ngày … tháng … năm …" breaks only after "phút,"."""
    longest = max(ctx.catalog.procedures, key=lambda p: len(p.name))
    views = [
        intake(ctx, IntakeRequest(code, APPLICANT), SYSTEM_ACTOR)
        for code in ("1.000894", longest.code)
    ]
    clock.now = datetime(2025, 6, 2, 9, 0, tzinfo=VN_TZ)  # and the 2018 set's forms
    views.append(intake(ctx, IntakeRequest(longest.code, APPLICANT), SYSTEM_ACTOR))
    for view in views:
        for kind in (FormKind.CONTROL, FormKind.APOLOGY):  # blank hand-overs; no new due date
            rendered = render_form(ctx, kind, view.code, FormOptions(paper=paper))
            lines = pdf_lines(rendered.pdf, tmp_path)
            assert any("giờ … phút," in line for line in lines)
            lone = [line for line in lines if re.fullmatch(r"[….,/ ]+", line)]
            assert not lone, (kind, view.code, lone)


def test_control_sheet_prints_the_recorded_trail(ctx, clock, dossier, tmp_path):
    clock.now = datetime(2026, 3, 2, 10, 15, tzinfo=VN_TZ)
    record_event(
        ctx, dossier.code, EventKind.HANDED_OVER, SYSTEM_ACTOR, data={"to": "Công chức Tư pháp"}
    )
    move(ctx, dossier.code, Status.PROCESSING, SYSTEM_ACTOR)
    move(ctx, dossier.code, Status.RESOLVED, SYSTEM_ACTOR)
    rendered = render_form(ctx, FormKind.CONTROL, dossier.code)
    text = pdf_text(rendered.pdf, tmp_path)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert "10 giờ 15 phút" in text
    assert "Nhận: Công chức Tư pháp" in text
    expected = "Trước hạn" if dossier.due_at.date() > clock.now.date() else "Đúng hạn"
    assert expected in text


def test_the_2018_set_applies_to_dossiers_received_before_september_2025(ctx, clock, tmp_path):
    clock.now = datetime(2025, 6, 2, 9, 0, tzinfo=VN_TZ)
    old = intake(ctx, IntakeRequest("1.000894", APPLICANT), SYSTEM_ACTOR)
    rendered = render_form(ctx, FormKind.APOLOGY, old.code)
    assert rendered.template_id == "TT01-2018"
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in pdf_text(rendered.pdf, tmp_path)
    with pytest.raises(ValidationError):
        render_form(ctx, FormKind.STOP, old.code)  # the 2018 set has no stop notice


def test_template_choice_by_date_and_the_gap_before_2019():
    sets = load_template_sets(None)
    assert [s.id for s in sets] == ["TT01-2018", "TT03-2025"]
    assert select_template_set(sets, datetime(2025, 9, 14).date()).id == "TT01-2018"
    assert select_template_set(sets, datetime(2025, 9, 15).date()).id == "TT03-2025"
    with pytest.raises(ConfigError):
        select_template_set(sets, datetime(2018, 1, 1).date())


def test_an_office_corrects_a_template_without_code(ctx, dossier, tmp_path):
    bundled = json.loads(resource_path("templates", "forms", "TT03-2025.json").read_text("utf-8"))
    bundled["forms"]["receipt"]["title"] = "GIẤY BIÊN NHẬN HỒ SƠ (MẪU ĐÃ SỬA)"
    bundled["forms"]["receipt"]["copies"] = []
    overrides = ctx.data_dir / "templates" / "forms"
    overrides.mkdir(parents=True)
    (overrides / "office.json").write_text(json.dumps(bundled, ensure_ascii=False), "utf-8")
    rendered = render_form(ctx, FormKind.RECEIPT, dossier.code)
    text = pdf_text(rendered.pdf, tmp_path)
    assert "GIẤY BIÊN NHẬN HỒ SƠ (MẪU ĐÃ SỬA)" in text
    assert "Liên 2" not in text
    assert len(page_sizes(rendered.pdf, tmp_path)) == 1


@pytest.mark.parametrize(
    "broken",
    [
        "{not json",
        json.dumps({"id": "X", "effective_from": "2026-13-01", "forms": {}}),
        json.dumps({"id": "X", "effective_from": "2026-01-01", "forms": {"receipt": {}}}),
        json.dumps(
            {
                "id": "X",
                "effective_from": "2026-01-01",
                "forms": {"receipt": {"title": "T", "blocks": [{"unknown": 1}]}},
            }
        ),
        json.dumps({"id": "X", "effective_from": "2026-01-01", "forms": {"memo": {"title": "T"}}}),
    ],
)
def test_a_broken_office_template_is_refused_with_its_name(ctx, dossier, broken):
    overrides = ctx.data_dir / "templates" / "forms"
    overrides.mkdir(parents=True)
    (overrides / "bad.json").write_text(broken, "utf-8")
    with pytest.raises(ConfigError, match=r"bad\.json"):
        render_form(ctx, FormKind.RECEIPT, dossier.code)


def test_a_bad_field_in_a_template_is_a_config_error(ctx, dossier):
    bundled = json.loads(resource_path("templates", "forms", "TT03-2025.json").read_text("utf-8"))
    bundled["forms"]["receipt"]["blocks"].append({"text": "Hỏng {code!z}"})
    overrides = ctx.data_dir / "templates" / "forms"
    overrides.mkdir(parents=True)
    (overrides / "TT03-2025.json").write_text(json.dumps(bundled), "utf-8")
    with pytest.raises(ConfigError):
        render_form(ctx, FormKind.RECEIPT, dossier.code)


def test_paper_from_options_and_a_bad_paper(ctx, dossier, tmp_path):
    a4 = render_form(ctx, FormKind.REFUSAL, dossier.code, FormOptions(paper="A4"))
    assert page_sizes(a4.pdf, tmp_path)[0] == pytest.approx(A4, abs=0.5)
    with pytest.raises(ConfigError):
        render_form(ctx, FormKind.REFUSAL, dossier.code, FormOptions(paper="Letter"))


def test_bad_data_still_lays_out_inside_the_page(ctx, tmp_path):
    long_name = " ".join(["Nguyễn Thị Ánh Tuyết Hoàng Phương"] * 20)[:500]
    assert len(long_name) == 500
    person = Person(
        name=long_name,
        id_number="056190012345",
        address="Thôn Đông\nXã Cam Hải Đông\r\n\nHuyện Cam Lâm\n" + "Đắk Lắk " * 20,
        phone="0905123456",
    )
    documents = tuple(
        DocumentLine(f"Giấy tờ số {n}: bản sao có chứng thực giấy chứng nhận", "Bản sao", 2)
        for n in range(1, 41)
    )
    view = intake(
        ctx, IntakeRequest("1.000894", person, documents=documents, fees=(FEE,)), SYSTEM_ACTOR
    )
    unbroken = "Đ" * 300  # one 'word' longer than any line
    for kind in (FormKind.RECEIPT, FormKind.REFUSAL, FormKind.CONTROL, FormKind.APOLOGY):
        rendered = render_form(ctx, kind, view.code, FormOptions(reason=unbroken))
        assert_within_pages(rendered.pdf, tmp_path)
        text = pdf_text(rendered.pdf, tmp_path)
        assert "Nguyễn Thị Ánh Tuyết Hoàng Phương" in text
        if kind is not FormKind.CONTROL:  # the control sheet carries no address
            assert "Huyện Cam Lâm" in text
    receipt = render_form(ctx, FormKind.RECEIPT, view.code)
    text = pdf_text(receipt.pdf, tmp_path)
    assert "Giấy tờ số 40:" in text and "Giấy tờ số 1:" in text
    assert len(page_sizes(receipt.pdf, tmp_path)) > 2  # continued, not cut off


def test_ledger_numbers_are_kept_and_counted_per_year(ctx, clock, dossier):
    render_form(ctx, FormKind.RECEIPT, dossier.code)
    second = intake(ctx, IntakeRequest("1.000894", APPLICANT), SYSTEM_ACTOR)
    render_form(ctx, FormKind.REFUSAL, second.code)
    render_form(ctx, FormKind.RECEIPT, dossier.code)  # printing again keeps the number
    clock.now = datetime(2027, 1, 4, 9, 0, tzinfo=VN_TZ)
    next_year = intake(ctx, IntakeRequest("1.000894", APPLICANT), SYSTEM_ACTOR)
    rendered = render_form(ctx, FormKind.RECEIPT, next_year.code)
    with ctx.session() as session:
        ids = {d.code: d.id for d in session.query(Dossier).all()}
        numbers = entries_for(session, list(ids.values()))
    assert (numbers[ids[dossier.code]].book, numbers[ids[dossier.code]].entry) == ("Q1/2026", 1)
    assert numbers[ids[second.code]].entry == 2
    assert (numbers[ids[next_year.code]].book, numbers[ids[next_year.code]].entry) == (
        "Q1/2027",
        1,
    )
    assert rendered.fields["entry"] == "1"


def test_unknown_dossier_and_book_by_code(ctx):
    from counter_app.errors import NotFoundError

    with pytest.raises(NotFoundError):
        render_form(ctx, FormKind.RECEIPT, "000.00.22.H56-260302-9999")
    with pytest.raises(ValidationError):
        render_form(ctx, FormKind.BOOK, "000.00.22.H56-260302-0001")
    with pytest.raises(ValidationError):
        FormKind.parse("memo")


def test_tracking_book_on_a4_landscape(ctx, clock, dossier, tmp_path):
    clock.now = datetime(2026, 3, 3, 8, 0, tzinfo=VN_TZ)
    other = intake(ctx, IntakeRequest("1.000894", APPLICANT), SYSTEM_ACTOR)
    rendered = render_book(ctx, clock.now.date().replace(day=1), clock.now.date())
    text = pdf_text(rendered.pdf, tmp_path)
    assert "SỔ THEO DÕI HỒ SƠ" in text and "Mẫu số 07" in text
    compact = "".join(text.split())  # a code may wrap inside its narrow column
    assert dossier.code in compact and other.code in compact
    assert "Quyển số: Q1/2026" in text
    width, height = page_sizes(rendered.pdf, tmp_path)[0]
    assert (width, height) == pytest.approx((A4[1], A4[0]), abs=0.5)
    assert_within_pages(rendered.pdf, tmp_path)
    with pytest.raises(ValidationError):
        render_book(ctx, clock.now.date(), clock.now.date().replace(day=1))


def test_ledger_on_postgresql_too(any_ctx):
    view = intake(any_ctx, IntakeRequest("1.000894", APPLICANT), SYSTEM_ACTOR)
    first = render_form(any_ctx, FormKind.RECEIPT, view.code)
    again = render_form(any_ctx, FormKind.RECEIPT, view.code)
    assert first.fields["entry"] == again.fields["entry"] == "1"


def test_an_extended_dossier_apology_names_the_first_appointment_and_the_new_one(
    ctx, clock, dossier, tmp_path
):
    """After an extension `due_at` holds the new date; form 04 still names the one given."""
    leader = add_user(ctx, "lanhdao", "demo1234", Role.LEADER, "Lê Văn Chủ Tịch")
    first_given = dossier.due_at
    assert first_given is not None
    new_due = first_given.date() + timedelta(days=14)
    while not ctx.calendar.is_working_day(new_due):
        new_due += timedelta(days=1)
    extend_deadline(ctx, dossier.code, new_due, "Chờ xác minh", leader)
    text = pdf_text(render_form(ctx, FormKind.APOLOGY, dossier.code).pdf, tmp_path)
    assert " ".join(format_moment(first_given).split()) in text
    extended = get_dossier(ctx, dossier.code).due_at
    assert extended is not None and extended.date() == new_due
    assert " ".join(format_moment(extended).split()) in text


def test_a_fee_paid_through_the_payment_record_prints_its_vietnamese_name(ctx, tmp_path):
    """Forms are official Vietnamese papers: 'Tiền mặt', never the stored code 'cash'."""
    unpaid = intake(
        ctx,
        IntakeRequest("1.000894", APPLICANT, fees=(FeeLine(FEE.name, FEE.amount),)),
        SYSTEM_ACTOR,
    )
    clerk = Actor("tiepnhan1", "Lê Thị Hoa", Role.CLERK)
    record_payment(ctx, unpaid.code, PaymentMethod.CASH, clerk)
    text = pdf_text(render_form(ctx, FormKind.RECEIPT, unpaid.code).pdf, tmp_path)
    assert "đã nộp, Tiền mặt" in text
    assert "cash" not in text
