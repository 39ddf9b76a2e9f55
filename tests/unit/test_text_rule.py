"""The one text rule (domain/text.py), the files a user hands in (files.py) and applicant
parsing under hostile input: property tests find no exception but ValidationError."""

from __future__ import annotations

import contextlib
import json
import os
import string
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counter_app.domain.applicants import applicant_from_json, field_label, parse_cccd_qr
from counter_app.domain.text import (
    BIDI_CONTROLS,
    HOLIDAY_NAME,
    PORTAL_CODE,
    REASON,
    TextField,
    visible,
)
from counter_app.errors import ValidationError
from counter_app.files import MAX_JSON_DEPTH, json_depth, read_input_file, read_json_input

PROPERTY = settings(
    database=None, deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow]
)
PERSON = {"kind": "person", "name": "Nguyễn Văn An", "id_number": "056090012345"}

CONTROLS = [
    chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))
]
BIDI = sorted(BIDI_CONTROLS)


def _refused(field: TextField, value: str) -> str:
    with pytest.raises(ValidationError) as caught:
        field.clean(value)
    message = caught.value.message
    assert "\n" not in message
    return message


@pytest.mark.parametrize("character", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_every_c0_and_c1_control_is_refused_with_the_field_named(character: str) -> None:
    message = _refused(PORTAL_CODE, f"H56{character}123")
    assert message.startswith("Mã hồ sơ trên Cổng") and f"U+{ord(character):04X}" in message
    _refused(REASON, f"một dòng\n{character}")  # multi-line fields too


@pytest.mark.parametrize("character", BIDI, ids=lambda c: f"U+{ord(c):04X}")
def test_every_bidirectional_control_is_refused(character: str) -> None:
    message = _refused(HOLIDAY_NAME, f"Tết{character}Nguyên đán")
    assert "đảo chiều" in message and f"U+{ord(character):04X}" in message
    _refused(REASON, f"lý do {character}")


@pytest.mark.parametrize("value", ["\ud800", "a\udfffb", "x\ufffe", "\uffff"])
def test_lone_surrogates_and_non_characters_are_refused(value: str) -> None:
    assert "không hợp lệ" in _refused(REASON, value)


def test_line_breaks_only_where_the_field_spans_lines() -> None:
    assert "một dòng" in _refused(PORTAL_CODE, "H56\n123")
    assert "một dòng" in _refused(PORTAL_CODE, "H56\u2028123")
    assert "U+0009" in _refused(PORTAL_CODE, "H56\t123")
    assert (
        REASON.clean(" Mất điện\r\ncả buổi\rsáng\ttừ 7 giờ ") == "Mất điện\ncả buổi\nsáng\ttừ 7 giờ"
    )


def test_length_nfc_and_required() -> None:
    assert _refused(PORTAL_CODE, "A" * 65) == "Mã hồ sơ trên Cổng quá dài (tối đa 64 ký tự)."
    assert PORTAL_CODE.clean("A" * 64) == "A" * 64
    nfd = unicodedata.normalize("NFD", "  Giỗ Tổ Hùng Vương ")
    assert HOLIDAY_NAME.clean(nfd) == "Giỗ Tổ Hùng Vương"
    assert HOLIDAY_NAME.optional("   ") is None
    with pytest.raises(ValidationError, match="Cần nhập lý do"):
        REASON.clean(" ", required=True)


def test_visible_shows_hostile_text_on_one_harmless_line() -> None:
    shown = visible("An\x1b[2J\x1b]0;x\x07\u202eB\nC\ud800\x00")
    assert shown == "An\ufffd[2J\ufffd]0;x\ufffd\ufffdB C\ufffd\ufffd"
    assert visible("Nguyễn Văn Đức") == "Nguyễn Văn Đức"


@PROPERTY
@given(st.text(max_size=300))
def test_the_rule_gives_clean_text_or_a_validation_error(value: str) -> None:
    for field in (PORTAL_CODE, REASON, HOLIDAY_NAME):
        try:
            cleaned = field.clean(value)
        except ValidationError as error:
            assert error.message and "\n" not in error.message
            continue
        assert len(cleaned) <= field.max_length
        assert unicodedata.is_normalized("NFC", cleaned)
        assert not set(cleaned) & (set(CONTROLS) | BIDI_CONTROLS)
        assert field.multiline or not set(cleaned) & set("\t\n\r\u2028\u2029")
        cleaned.encode("utf-8")  # no lone surrogate: every database and terminal takes it


# --- applicants --------------------------------------------------------------------------

TEXT_FIELDS = ("name", "address", "phone", "email", "gender", "id_number", "birth_date")
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@PROPERTY
@given(
    st.dictionaries(
        st.sampled_from(("kind", *TEXT_FIELDS, "old_id", "tax_code", "cccd_qr", "x")),
        JSON_VALUES | st.sampled_from(("person", "organisation")),
    )
)
def test_any_applicant_object_parses_or_is_refused_with_a_validation_error(obj: dict) -> None:
    try:
        applicant_from_json(obj)
    except ValidationError as error:
        assert error.message and "\n" not in error.message


@PROPERTY
@given(st.sampled_from(TEXT_FIELDS), st.text(max_size=600))
def test_any_text_in_a_person_field_parses_or_is_refused(field: str, value: str) -> None:
    try:
        person = applicant_from_json({**PERSON, field: value})
    except ValidationError as error:
        assert "\n" not in error.message
        return
    for text in (person.name, person.address, person.phone, person.email):
        assert not set(text) & (set(CONTROLS) | BIDI_CONTROLS | set("\t\n\r"))
        assert len(text) <= 500


@PROPERTY
@given(st.text(alphabet=string.digits + "|" + "\x1b\u202e\x00 ", max_size=120))
def test_any_qr_text_parses_or_is_refused(text: str) -> None:
    with contextlib.suppress(ValidationError):
        parse_cccd_qr(text)


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("name", "Nguyễn\x1b[31m Văn An", "U+001B"),
        ("name", "Nguyễn Văn An\u202e", "U+202E"),
        ("name", "An\x00", "U+0000"),
        ("address", "12 Trần Phú\x85", "U+0085"),
        ("name", "x" * 501, "quá dài"),
    ],
)
def test_hostile_applicant_text_is_refused_naming_the_json_field(field, value, shown) -> None:
    with pytest.raises(ValidationError) as caught:
        applicant_from_json({**PERSON, field: value})
    # The error carries the JSON field's key; its message names the field as the screen does.
    message = caught.value.message
    assert caught.value.field == field and shown in message
    assert field_label(field).lower() in message.lower() and f"“{field}”" not in message


def test_tabs_and_line_breaks_in_an_applicant_become_spaces() -> None:
    person = applicant_from_json({**PERSON, "address": "Thôn Đông\r\n\tXã Cam Hải Đông"})
    assert person.address == "Thôn Đông Xã Cam Hải Đông"


def test_a_qr_code_with_a_control_character_is_refused() -> None:
    lan = "038185001122|172000111|Hoàng Thị Lan\x1b|14021985|Nữ|Xóm 2|09042021"
    with pytest.raises(ValidationError, match="U\\+001B"):
        applicant_from_json({"cccd_qr": lan})


# --- files handed in ----------------------------------------------------------------------


def test_a_fifo_a_device_and_a_folder_are_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "an.json"
    os.mkfifo(fifo)  # a reader would wait forever for a writer
    for path in (fifo, Path("/dev/zero"), tmp_path):
        with pytest.raises(ValidationError, match="không phải tệp thường"):
            read_input_file(path, max_bytes=1024, what="người nộp")


def test_a_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 2049)
    with pytest.raises(ValidationError, match="quá lớn"):
        read_json_input(path, max_bytes=2048, what="người nộp")
    assert read_input_file(path, max_bytes=2049, what="người nộp") == b" " * 2049


@pytest.mark.parametrize(
    "text",
    [
        "[" * 30_000 + "]" * 30_000,
        '{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1),
        '{"value": NaN}',
        '{"value": -Infinity}',
        '{"name": "\\ud800"',
    ],
    ids=["30000 deep", "one too deep", "NaN", "Infinity", "broken"],
)
def test_deep_or_non_json_documents_are_one_line_refusals(tmp_path: Path, text: str) -> None:
    path = tmp_path / "doc.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_json_input(path, max_bytes=1 << 20, what="người nộp")
    assert "\n" not in caught.value.message


def test_depth_ignores_brackets_inside_strings(tmp_path: Path) -> None:
    document = {"name": "[[[[{{{{" * 50, "list": [[[1]]]}
    assert json_depth(json.dumps(document)) == 4
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert read_json_input(path, max_bytes=1 << 20, what="x") == document
