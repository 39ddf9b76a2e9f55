"""Citizen ID, CCCD QR code, tax code and the intake JSON shape of an applicant."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from typing import Any

import pytest

from counter_app.domain.applicants import (
    PROVINCE_CODES,
    CccdCard,
    Organisation,
    Person,
    applicant_from_json,
    applicant_to_json,
    field_label,
    looks_like_cccd_qr,
    mask_id,
    parse_cccd_qr,
    validate_cccd,
    validate_tax_code,
)
from counter_app.errors import ValidationError

# The cccd_qr cases worked out with the domain research (docs/rules.md §6), kept verbatim.
CCCD_QR_CASES: list[dict[str, Any]] = [
    {
        "qr": "038185001122|172000111|Hoàng Thị Lan|14021985|Nữ|"
        "Xóm 2, Xã Quảng Phú, Tỉnh Thanh Hóa|09042021",
        "expect": {
            "id_number": "038185001122",
            "old_id": "172000111",
            "name": "Hoàng Thị Lan",
            "birth_date": "1985-02-14",
            "gender": "Nữ",
            "issued": "2021-04-09",
        },
    },
    {
        "qr": "058202000777||Võ Minh Trí|30062002|Nam|"
        "Thôn Hiệp Kiết, Xã Thuận Bắc, Tỉnh Khánh Hòa|11112022",
        "expect": {
            "id_number": "058202000777",
            "old_id": None,
            "name": "Võ Minh Trí",
            "birth_date": "2002-06-30",
            "gender": "Nam",
            "issued": "2022-11-11",
        },
    },
    {"qr": "not a card", "expect": "refused"},
    {
        "qr": "058102000777||Sai Thế Kỷ|30062002|Nam|Xã A|11112022",
        "expect": "refused",
    },
]

LAN = CCCD_QR_CASES[0]["qr"]


def _card_dict(card: CccdCard) -> dict[str, object]:
    return {
        "id_number": card.id_number,
        "old_id": card.old_id,
        "name": card.name,
        "birth_date": card.birth_date.isoformat(),
        "gender": card.gender,
        "issued": card.issued.isoformat() if card.issued else None,
    }


@pytest.mark.parametrize("case", CCCD_QR_CASES, ids=lambda case: case["qr"][:16])
def test_cccd_qr_vectors(case: dict[str, Any]) -> None:
    if case["expect"] == "refused":
        with pytest.raises(ValidationError):
            parse_cccd_qr(case["qr"])
    else:
        assert _card_dict(parse_cccd_qr(case["qr"])) == case["expect"]


def test_woman_1900s_digit_with_a_man_born_2002_names_the_contradiction() -> None:
    with pytest.raises(ValidationError, match="2002"):
        parse_cccd_qr(CCCD_QR_CASES[3]["qr"])


def test_six_field_qr_without_old_id() -> None:
    card = parse_cccd_qr(
        "058202000777|Võ Minh Trí|30062002|Nam|Thôn Hiệp Kiết, Xã Thuận Bắc|11112022"
    )
    assert (card.id_number, card.old_id, card.name) == ("058202000777", None, "Võ Minh Trí")
    assert card.birth_date == date(2002, 6, 30)
    assert card.address == "Thôn Hiệp Kiết, Xã Thuận Bắc"
    assert card.issued == date(2022, 11, 11)


@pytest.mark.parametrize("tail", ["|", "||", "|extra|", "\r\n", "|\n"])
def test_trailing_fields_and_line_ends_are_ignored(tail: str) -> None:
    assert parse_cccd_qr(LAN + tail) == parse_cccd_qr(LAN)


def test_eight_field_qr_reads_like_seven() -> None:
    card = parse_cccd_qr(LAN + "|")
    assert card.old_id == "172000111"
    assert card.issued == date(2021, 4, 9)
    assert card.address == "Xóm 2, Xã Quảng Phú, Tỉnh Thanh Hóa"


def test_nfd_qr_is_normalised_to_nfc() -> None:
    card = parse_cccd_qr(unicodedata.normalize("NFD", "  " + LAN + "  "))
    assert card.name == "Hoàng Thị Lan"
    assert unicodedata.is_normalized("NFC", card.name)
    assert unicodedata.is_normalized("NFC", card.address)
    assert card.gender == "Nữ"


def test_empty_issue_date_gives_none() -> None:
    card = parse_cccd_qr("058202000777||Võ Minh Trí|30062002|Nam|Xã A|")
    assert card.issued is None


@pytest.mark.parametrize(
    "qr",
    [
        "",
        "|||||",
        "05820200077||Võ Minh Trí|30062002|Nam|Xã A|11112022",  # 11 digits
        "0582020007770||Võ Minh Trí|30062002|Nam|Xã A|11112022",  # 13 digits
        "058202000777||Võ Minh Trí|30062002|Nam|Xã A",  # 6 fields, wrong layout
        "058202000777||Võ Minh Trí|31022002|Nam|Xã A|11112022",  # 31 February
        "058202000777||Võ Minh Trí|2002-06-30|Nam|Xã A|11112022",
        "058202000777||Võ Minh Trí|30062002|Male|Xã A|11112022",
        "058202000777||Võ Minh Trí|30062002|Nam|Xã A|11112001",  # issued before birth
        "058202000777||Võ Minh Trí|30062002|Nữ|Xã A|11112022",  # digit 4 says male
        "058202000777||Võ Minh Trí|30062003|Nam|Xã A|11112022",  # digits 5-6 say 2002
        "058202000777|12345|Võ Minh Trí|30062002|Nam|Xã A|11112022",  # old id 5 digits
        "058202000777|||30062002|Nam|Xã A|11112022",  # no name
        "003202000777||Võ Minh Trí|30062002|Nam|Xã A|11112022",  # no province 003
    ],
)
def test_bad_qr_is_refused(qr: str) -> None:
    with pytest.raises(ValidationError):
        parse_cccd_qr(qr)


def test_looks_like_cccd_qr() -> None:
    assert looks_like_cccd_qr(LAN)
    assert looks_like_cccd_qr(CCCD_QR_CASES[1]["qr"])
    assert not looks_like_cccd_qr("Nguyễn Văn A")
    assert not looks_like_cccd_qr("038185001122")
    assert not looks_like_cccd_qr("038185001122|a|b")
    assert not looks_like_cccd_qr("03818500112|a|b|c|d|e|f")


def test_validate_cccd_accepts_consistent_numbers() -> None:
    validate_cccd("038185001122")
    validate_cccd("038185001122", date(1985, 2, 14), "Nữ")
    validate_cccd("079099000001", date(1999, 1, 1), "Nam")
    validate_cccd("001300000001", date(2000, 5, 5), "Nữ")


@pytest.mark.parametrize(
    ("id_number", "birth", "gender", "problem"),
    [
        ("03818500112", None, None, "12"),
        ("0381850011223", None, None, "12"),
        ("03818500112a", None, None, "12"),
        ("038 185001122", None, None, "12"),
        ("003185001122", None, None, "003"),
        ("099185001122", None, None, "099"),
        ("038185001122", date(1986, 2, 14), None, "1986"),
        ("038185001122", date(2085, 2, 14), None, "2085"),
        ("038185001122", None, "Nam", "Nam"),
        ("058102000777", date(2002, 6, 30), "Nam", "2002"),
        ("038499001122", None, None, "2199"),
    ],
)
def test_validate_cccd_refuses(
    id_number: str, birth: date | None, gender: str | None, problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        validate_cccd(id_number, birth, gender)


def test_province_codes_are_the_63_pre_2025_provinces() -> None:
    assert len(PROVINCE_CODES) == 63
    assert PROVINCE_CODES["056"] == "Khánh Hòa"
    assert PROVINCE_CODES["058"] == "Ninh Thuận"
    assert all(len(code) == 3 and code.isdigit() for code in PROVINCE_CODES)


@pytest.mark.parametrize("code", ["0312345678", "0312345678-001"])
def test_good_tax_codes(code: str) -> None:
    validate_tax_code(code)


@pytest.mark.parametrize(
    "code", ["", "031234567", "03123456789", "0312345678-01", "0312345678_001", "03123456ab"]
)
def test_bad_tax_codes(code: str) -> None:
    with pytest.raises(ValidationError):
        validate_tax_code(code)


def test_mask_id() -> None:
    assert mask_id("038185001122") == "038******122"
    assert mask_id("172000111") == "172***111"
    assert mask_id("123") == "***"


PERSON = {
    "kind": "person",
    "name": "Hoàng Thị Lan",
    "id_number": "038185001122",
    "birth_date": "1985-02-14",
    "gender": "Nữ",
    "address": "Xóm 2, Xã Quảng Phú, Tỉnh Thanh Hóa",
    "phone": "0905123456",
    "email": "lan@example.vn",
}
ORGANISATION = {
    "kind": "organisation",
    "name": "Công ty TNHH Mẫu",
    "tax_code": "4201234567-001",
    "address": "Phường Nha Trang, Khánh Hòa",
    "phone": "+842583123456",
    "email": "",
}


def test_person_from_json_round_trips() -> None:
    person = applicant_from_json(PERSON)
    assert isinstance(person, Person)
    assert person.birth_date == date(1985, 2, 14)
    assert person.kind == "person"
    again = applicant_to_json(person)
    assert again == {**PERSON, "old_id": None}
    assert applicant_from_json(json.loads(json.dumps(again))) == person


def test_organisation_from_json_round_trips() -> None:
    organisation = applicant_from_json(ORGANISATION)
    assert isinstance(organisation, Organisation)
    assert organisation.kind == "organisation"
    assert applicant_to_json(organisation) == ORGANISATION
    assert applicant_from_json(applicant_to_json(organisation)) == organisation


def test_person_with_only_required_fields() -> None:
    person = applicant_from_json({"kind": "person", "name": "Lan", "id_number": "038185001122"})
    assert person == Person(name="Lan", id_number="038185001122")


def test_json_text_is_nfc_and_trimmed() -> None:
    nfd = {key: unicodedata.normalize("NFD", value) for key, value in PERSON.items()}
    nfd["name"] = "  Hoàng   Thị Lan "
    nfd["name"] = unicodedata.normalize("NFD", nfd["name"])
    person = applicant_from_json(nfd)
    assert isinstance(person, Person)
    assert person.name == "Hoàng Thị Lan"
    assert person.gender == "Nữ"
    assert person.address == PERSON["address"]


def test_phone_spaces_are_dropped() -> None:
    person = applicant_from_json({**PERSON, "phone": "0905 123 456"})
    assert person.phone == "0905123456"


def test_cccd_qr_fills_the_person() -> None:
    person = applicant_from_json({"cccd_qr": LAN, "phone": "0905123456"})
    assert person == Person(
        name="Hoàng Thị Lan",
        id_number="038185001122",
        birth_date=date(1985, 2, 14),
        gender="Nữ",
        address="Xóm 2, Xã Quảng Phú, Tỉnh Thanh Hóa",
        phone="0905123456",
        old_id="172000111",
    )
    assert applicant_from_json(applicant_to_json(person)) == person


@pytest.mark.parametrize(
    ("obj", "problem"),
    [
        ([], "đối tượng JSON"),
        ("person", "đối tượng JSON"),
        ({"name": "Lan", "id_number": "038185001122"}, "kind"),
        ({**PERSON, "kind": "robot"}, "robot"),
        ({**PERSON, "name": ""}, "name"),
        ({**PERSON, "name": "   "}, "name"),
        ({k: v for k, v in PERSON.items() if k != "name"}, "name"),
        ({k: v for k, v in PERSON.items() if k != "id_number"}, "id_number"),
        ({**PERSON, "name": 42}, "name"),
        ({**PERSON, "address": ["x"]}, "address"),
        ({**PERSON, "id_number": "03818500112"}, "id_number"),
        ({**PERSON, "id_number": 38185001122}, "id_number"),
        ({**PERSON, "birth_date": "14/02/1985"}, "birth_date"),
        ({**PERSON, "birth_date": "1985-02-30"}, "birth_date"),
        ({**PERSON, "birth_date": "2999-01-01"}, "birth_date"),
        ({**PERSON, "birth_date": "1986-02-14"}, "id_number"),
        ({**PERSON, "gender": "Nam"}, "id_number"),
        ({**PERSON, "gender": "female"}, "gender"),
        ({**PERSON, "address": "x" * 501}, "address"),
        ({**PERSON, "name": "x" * 501}, "name"),
        ({**PERSON, "phone": "0905-abc"}, "phone"),
        ({**PERSON, "phone": "12"}, "phone"),
        ({**PERSON, "email": "lan.example.vn"}, "email"),
        ({**PERSON, "email": "lan@example"}, "email"),
        ({**PERSON, "old_id": "12"}, "old_id"),
        ({**PERSON, "id_numer": "038185001122"}, "id_numer"),
        ({**ORGANISATION, "tax_code": "123"}, "tax_code"),
        ({k: v for k, v in ORGANISATION.items() if k != "tax_code"}, "tax_code"),
        ({**ORGANISATION, "id_number": "038185001122"}, "id_number"),
        ({"cccd_qr": "not a card"}, "cccd_qr"),
        ({"cccd_qr": 5}, "cccd_qr"),
        ({"cccd_qr": CCCD_QR_CASES[3]["qr"]}, "cccd_qr"),
        ({"cccd_qr": LAN, "email": "nope"}, "email"),
        ({"cccd_qr": LAN, "name": "Someone"}, "name"),
        ({"cccd_qr": LAN, "kind": "organisation"}, "person"),
    ],
)
def test_bad_applicant_json_names_the_problem(obj: object, problem: str) -> None:
    """A value refused carries the field's key (its message names it as the screen does);
    a JSON document of the wrong shape names the key it is about."""
    with pytest.raises(ValidationError) as caught:
        applicant_from_json(obj)
    error = caught.value
    assert error.field == problem or problem in error.message
    assert "\n" not in str(error)


def test_over_long_email_and_phone_are_refused() -> None:
    with pytest.raises(ValidationError, match="Thư điện tử") as caught:
        applicant_from_json({**PERSON, "email": "a" * 496 + "@b.vn"})
    assert caught.value.field == "email"
    with pytest.raises(ValidationError, match="Số điện thoại") as caught:
        applicant_from_json({**PERSON, "phone": "1" * 501})
    assert caught.value.field == "phone"


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({**PERSON, "id_number": "03818500112"}, "id_number"),
        ({**PERSON, "id_number": ""}, "id_number"),
        ({**PERSON, "phone": "12"}, "phone"),
        ({**PERSON, "email": "lan.example.vn"}, "email"),
        ({**PERSON, "birth_date": "2999-01-01"}, "birth_date"),
        ({**PERSON, "gender": "female"}, "gender"),
        ({**PERSON, "name": "x" * 501}, "name"),
        ({**PERSON, "address": "Xóm\x1b2"}, "address"),
        ({**PERSON, "old_id": "12"}, "old_id"),
        ({**ORGANISATION, "tax_code": "123"}, "tax_code"),
    ],
)
def test_a_refused_field_is_named_as_the_screen_names_it(obj: object, field: str) -> None:
    """ "Số định danh", not "trường “id_number”": the clerk reads the screen's words."""
    with pytest.raises(ValidationError) as caught:
        applicant_from_json(obj)
    message = caught.value.message
    assert caught.value.field == field
    assert field_label(field).lower() in message.lower(), message
    assert field not in message and "trường" not in message
