"""VietQR payloads: published examples round-trip, CRC is checked, rendered codes decode."""

from __future__ import annotations

import io

import pytest
import segno
import zxingcpp
from PIL import Image

from counter_app.errors import ValidationError
from counter_app.payments.vietqr import (
    VietQR,
    build_payload,
    check_crc,
    crc16_ccitt_false,
    parse_payload,
)

# The "vietqr" cases worked out with the domain research (docs/rules.md §11), kept verbatim.
PUBLISHED = [
    (
        "970416",
        "257678859",
        1000,
        "Chuyen tien",
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
        "5303704540410005802VN62150811Chuyen tien6304BBB8",
    ),
    (
        "970416",
        "257678859",
        10000,
        "Chuyen tien",
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
        "53037045405100005802VN62150811Chuyen tien630453E6",
    ),
    (
        "970436",
        "0011001800879",
        100000,
        "nhan tien",
        "00020101021238570010A00000072701270006970436011300110018008790208QRIBFTTA"
        "530370454061000005802VN62130809nhan tien6304D1EF",
    ),
]
CRC_ONLY = (
    "00020101021138480010A00000072701300006970403011621129950446040255204581253037045802VN"
    "5910PHUONG CAC6005HANOI62110307NPS686963045802"
)


def test_crc_of_the_standard_check_string() -> None:
    # The catalogue check value of CRC-16/CCITT-FALSE for "123456789".
    assert crc16_ccitt_false(b"123456789") == 0x29B1


@pytest.mark.parametrize(("bank_bin", "account", "amount", "note", "payload"), PUBLISHED)
def test_published_payloads_are_built_exactly(
    bank_bin: str, account: str, amount: int, note: str, payload: str
) -> None:
    assert build_payload(VietQR(bank_bin, account, amount, note)) == payload


@pytest.mark.parametrize(("bank_bin", "account", "amount", "note", "payload"), PUBLISHED)
def test_published_payloads_parse_back(
    bank_bin: str, account: str, amount: int, note: str, payload: str
) -> None:
    code = parse_payload(payload)
    assert (code.bank_bin, code.account, code.amount, code.note) == (
        bank_bin,
        account,
        amount,
        note,
    )
    assert code.dynamic and code.service == "QRIBFTTA"
    assert build_payload(code) == payload


def test_crc_of_a_merchant_payload_of_another_service() -> None:
    check_crc(CRC_ONLY)
    assert CRC_ONLY.endswith(f"{crc16_ccitt_false(CRC_ONLY[:-4].encode()):04X}")


@pytest.mark.parametrize("position", [10, 40, 80])
def test_a_changed_character_fails_the_crc(position: int) -> None:
    payload = PUBLISHED[0][4]
    flipped = "1" if payload[position] != "1" else "2"
    broken = payload[:position] + flipped + payload[position + 1 :]
    with pytest.raises(ValidationError, match="CRC"):
        parse_payload(broken)


@pytest.mark.parametrize(
    "payload",
    ["", "0002", "hello world 6304ABCD", PUBLISHED[0][4][:-10]],
)
def test_garbage_is_refused(payload: str) -> None:
    with pytest.raises(ValidationError):
        parse_payload(payload)


def test_a_payload_with_a_correct_crc_but_another_scheme_is_refused() -> None:
    body = "000201010212" + "5303840" + "5802US" + "6304"
    payload = body + f"{crc16_ccitt_false(body.encode()):04X}"
    with pytest.raises(ValidationError, match="VietQR"):
        parse_payload(payload)


@pytest.mark.parametrize(
    "code",
    [
        VietQR("97041", "123", 1000, "x"),
        VietQR("970416", "12 34", 1000, "x"),
        VietQR("970416", "1234", 0, "x"),
        VietQR("970416", "1234", -5, "x"),
        VietQR("970416", "1234", 1000, "Phí khai sinh"),
        VietQR("970416", "1234", 1000, "x" * 26),
    ],
)
def test_bad_input_is_refused(code: VietQR) -> None:
    with pytest.raises(ValidationError):
        build_payload(code)


def test_a_static_code_without_amount_round_trips() -> None:
    code = VietQR("970436", "0011001800879", None, "", dynamic=False)
    payload = build_payload(code)
    assert "5802VN" in payload and "540" not in payload
    assert parse_payload(payload) == code


@pytest.mark.parametrize(
    ("amount", "note"),
    [(8000, "000.00.22.H56-260302-0001"), (1_250_000, "PHI 2.000635"), (50000, "")],
)
def test_rendered_code_decodes_back_to_the_same_payment(amount: int, note: str) -> None:
    code = VietQR("970436", "0011001800879", amount, note)
    payload = build_payload(code)
    png = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(png, kind="png", scale=6, border=4)
    png.seek(0)
    results = zxingcpp.read_barcodes(Image.open(png))
    assert len(results) == 1
    decoded = results[0].text
    assert decoded == payload
    assert parse_payload(decoded) == code
