"""What a production provincial server accepts of a `DongBoHoSoMC` record and of a
`CapNhatTienDoHoSoMC` entry, checked strictly (docs/sync-protocol.md, "Strict checks").

Both portal stand-ins refuse with these rules: the hub's session-style interface and the
test relay with separate create and update URLs. A record passes only when every field the
production clients send is there and is a string (a number or a boolean is refused, as a
.NET or Java server declaring it `string` refuses it), codes are in their lists, dates are
`yyyyMMddHHmmss`, the required fields are filled and texts are within the lengths the
clients cut them to. A field no client sends is refused too: the province would drop it
without a word.

The answers are the server's, in Vietnamese like the portal's own: they reach the clerk
through the exporter's one-line message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from counter_app.i18n import _

TIME_FORMAT = "%Y%m%d%H%M%S"
_TIME_RE = re.compile(r"^[0-9]{14}$")
_PROCEDURE_RE = re.compile(r"^[0-9]\.[0-9]{6}(\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.H[0-9]{2})?$")
_FIELD_RE = re.compile(r"^G[0-9]{2}-[A-ZĐ]{2}[0-9]{2}$")

YES_NO = frozenset({"0", "1"})


@dataclass(frozen=True)
class Rule:
    """One field: filled or may be empty, its code list or pattern, its longest length."""

    filled: bool = False
    codes: frozenset[str] | None = None
    pattern: re.Pattern[str] | None = None
    time: bool = False
    max_length: int | None = None


def _codes(*values: str) -> frozenset[str]:
    return frozenset(values)


STATUS_CODES = frozenset(str(code) for code in range(1, 11))

RECORD_RULES: Mapping[str, Rule] = {
    "MaHoSo": Rule(filled=True, max_length=50),
    "MaTTHC": Rule(filled=True, pattern=_PROCEDURE_RE),
    "TenTTHC": Rule(filled=True, max_length=2000),
    "MaLinhVuc": Rule(filled=True, pattern=_FIELD_RE),
    "TenLinhVuc": Rule(filled=True, max_length=500),
    "KenhThucHien": Rule(filled=True, codes=_codes("1", "2", "3")),
    "ChuHoSo": Rule(filled=True, max_length=500),
    "SoGiayToChuHoSo": Rule(max_length=20),
    "LoaiDoiTuong": Rule(filled=True, codes=_codes("1", "2", "3", "4")),
    "MaDoiTuong": Rule(max_length=100),
    "ThongTinKhac": Rule(max_length=2000),
    "Email": Rule(max_length=200),
    "Fax": Rule(max_length=50),
    "SoDienThoai": Rule(max_length=50),
    "TrichYeuHoSo": Rule(filled=True, max_length=1000),
    "NgayTiepNhan": Rule(filled=True, time=True),
    "NgayHenTra": Rule(time=True),
    "TrangThaiHoSo": Rule(filled=True, codes=STATUS_CODES),
    "NgayTra": Rule(time=True),
    "ThongTinTra": Rule(max_length=2000),
    "HinhThuc": Rule(filled=True, codes=YES_NO),
    "NgayKetThucXuLy": Rule(time=True),
    "DonViXuLy": Rule(filled=True, max_length=500),
    "GhiChu": Rule(max_length=2000),
    "NgayTuChoi": Rule(time=True),
    "NgayNopHoSo": Rule(time=True),
    "NoiNopHoSo": Rule(filled=True, codes=_codes("1", "2")),
    "HoSoCoThanhPhanSoHoa": Rule(filled=True, codes=YES_NO),
    "TaiKhoanDuocXacThucVoiVNeID": Rule(filled=True, codes=YES_NO),
    "DuocThanhToanTrucTuyen": Rule(filled=True, codes=_codes("0", "1", "2")),
}
"""The scalar fields of `DongBoHoSoMC`, all required as keys."""

RECORD_LISTS = (
    "DinhDanhCHS",
    "DSKetNoiCSDL",
    "TaiLieuNop",
    "DanhSachGiayToKetQua",
    "DanhSachLePhi",
    "DanhSachTepDinhKemKhac",
    "DanhSachHoSoBoSung",
)

IDENTITY_RULES: Mapping[str, Rule] = {
    "LoaiDinhDanh": Rule(filled=True, codes=_codes("1", "2")),
    "SoDinhDanh": Rule(filled=True, max_length=20),
}
DATABASE_RULES: Mapping[str, Rule] = {"MaCSDL": Rule(filled=True, max_length=20)}
FILE_RULES: Mapping[str, Rule] = {
    "TepDinhKemId": Rule(max_length=100),
    "TenTepDinhKem": Rule(filled=True, max_length=4000),
    "IsDeleted": Rule(filled=True, codes=_codes("True", "False")),
    "MaThanhPhanHoSo": Rule(max_length=100),
    "DuongDanTaiTepTin": Rule(filled=True, max_length=2000),
    "DuocSoHoa": Rule(filled=True, codes=YES_NO),
    "DuocTaiSuDung": Rule(filled=True, codes=_codes("0", "1", "2")),
    "DuocLayTuKhoDMQG": Rule(filled=True, codes=YES_NO),
    "MaKetQuaThayThe": Rule(max_length=100),
}
RESULT_RULES: Mapping[str, Rule] = {
    "TenGiayTo": Rule(filled=True, max_length=2000),
    "MaThanhPhanHoSo": Rule(max_length=100),
    "GiayToId": Rule(max_length=100),
    "DuongDanTepTinKetQua": Rule(filled=True, max_length=2000),
    "MaGiayToKetQua": Rule(max_length=100),
}
FEE_RULES: Mapping[str, Rule] = {
    "TenPhiLePhi": Rule(filled=True, max_length=500),
    "MaPhiLePhi": Rule(filled=True, max_length=50),
    "HinhThucThu": Rule(filled=True, codes=_codes("1", "2", "3")),
    "Gia": Rule(filled=True, pattern=re.compile(r"^[1-9][0-9]{0,14}$")),
    "LoaiPhiLePhi": Rule(filled=True, codes=_codes("1", "2")),
}
LIST_RULES: Mapping[str, Mapping[str, Rule] | None] = {
    "DinhDanhCHS": IDENTITY_RULES,
    "DSKetNoiCSDL": DATABASE_RULES,
    "TaiLieuNop": FILE_RULES,
    "DanhSachGiayToKetQua": RESULT_RULES,
    "DanhSachLePhi": FEE_RULES,
    "DanhSachTepDinhKemKhac": None,  # no client fills them: only an empty list is taken
    "DanhSachHoSoBoSung": None,
}

PROGRESS_RULES: Mapping[str, Rule] = {
    "MaHoSo": Rule(filled=True, max_length=50),
    "NguoiXuLy": Rule(filled=True, max_length=50),
    "ChucDanh": Rule(max_length=200),
    "ThoiDiemXuLy": Rule(filled=True, time=True),
    "PhongBanXuLy": Rule(max_length=200),
    "NoiDungXuLy": Rule(filled=True, max_length=2000),
    "TrangThai": Rule(filled=True, codes=STATUS_CODES),
    "NgayBatDau": Rule(time=True),
    "NgayKetThucTheoQuyDinh": Rule(time=True),
}


def _value_problem(where: str, value: object, rule: Rule) -> str | None:
    if not isinstance(value, str):
        return _("{field} phải là chuỗi ký tự.").format(field=where)
    if not value:
        return _("Thiếu giá trị {field}.").format(field=where) if rule.filled else None
    if rule.max_length is not None and len(value) > rule.max_length:
        return _("{field} dài quá {n} ký tự.").format(field=where, n=rule.max_length)
    if rule.codes is not None and value not in rule.codes:
        return _("{field} không thuộc danh mục: {value}.").format(field=where, value=value[:40])
    if rule.pattern is not None and not rule.pattern.match(value):
        return _("{field} không đúng định dạng: {value}.").format(field=where, value=value[:40])
    if rule.time and not _is_time(value):
        return _("{field} phải có dạng yyyyMMddHHmmss.").format(field=where)
    return None


def _is_time(value: str) -> bool:
    if not _TIME_RE.match(value):
        return False
    try:
        datetime.strptime(value, TIME_FORMAT)
    except ValueError:
        return False
    return True


def _name(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _object_problem(where: str, value: object, rules: Mapping[str, Rule]) -> str | None:
    if not isinstance(value, dict):
        return _("{field} phải là một đối tượng.").format(field=where)
    for key in value:
        if key not in rules:
            return _("Trường {field} không có trong đặc tả.").format(field=_name(where, key))
    for key, rule in rules.items():
        if key not in value:
            return _("Thiếu trường {field}.").format(field=_name(where, key))
        problem = _value_problem(_name(where, key), value[key], rule)
        if problem:
            return problem
    return None


def record_problem(record: Any) -> str | None:
    """Why a production server would refuse this `DongBoHoSoMC` record, or None."""
    if not isinstance(record, dict):
        return _("Hồ sơ không đúng cấu trúc.")
    scalars = {key: value for key, value in record.items() if key not in LIST_RULES}
    problem = _object_problem("", scalars, RECORD_RULES)
    if problem:
        return problem
    for key, rules in LIST_RULES.items():
        items = record.get(key)
        if key not in record:
            return _("Thiếu trường {field}.").format(field=key)
        if not isinstance(items, list):
            return _("{field} phải là một danh sách.").format(field=key)
        if rules is None:
            if items:
                return _("{field} phải là danh sách rỗng.").format(field=key)
            continue
        for index, item in enumerate(items):
            problem = _object_problem(f"{key}[{index}]", item, rules)
            if problem:
                return problem
    if len(record["DinhDanhCHS"]) != 1:
        return _("DinhDanhCHS phải có đúng một phần tử.")
    return None


def progress_problem(entry: Any) -> str | None:
    """Why a production server would refuse this `CapNhatTienDoHoSoMC` entry, or None."""
    return _object_problem("", entry, PROGRESS_RULES)
