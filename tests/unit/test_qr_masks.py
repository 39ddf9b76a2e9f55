"""The fast mask choice (documents/qr_masks.py) makes the very QR code segno makes."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from typing import Any

import pytest
import segno
from segno import encoder

from counter_app.documents import qr_masks
from counter_app.documents.layout import _qr_matrix


def _payloads() -> list[str]:
    chance = random.Random(17)
    alphabet = string.ascii_letters + string.digits + "/:?&=-_.%"
    lengths = [1, 5, 17, 30, 52, 80, 110, 150, 190, 210, 215, 260, 330, 420]
    texts = ["".join(chance.choice(alphabet) for _ in range(n)) for n in lengths]
    texts += ["0123456789" * 8, "HELLO WORLD 123", "Nguyễn Thị Ánh Tuyết, Khánh Hòa" * 3]
    return texts


def _make(data: str, error: str, chooser: Callable[..., Any]) -> segno.QRCode:
    saved = encoder.find_and_apply_best_mask
    encoder.find_and_apply_best_mask = chooser
    try:
        return segno.make(data, error=error, micro=False, boost_error=False)
    finally:
        encoder.find_and_apply_best_mask = saved


@pytest.mark.parametrize("error", ["l", "m", "h"])
def test_same_code_module_for_module_as_segno(error: str) -> None:
    versions = set()
    for data in _payloads():
        theirs = _make(data, error, qr_masks.original())
        ours = _make(data, error, qr_masks.best_mask)
        assert (ours.mask, ours.matrix) == (theirs.mask, theirs.matrix), (data, error)
        versions.add(theirs.version)
    assert len(versions) >= 8  # sizes from the smallest to a version of about 20


def test_other_cases_go_to_segno() -> None:
    micro = segno.make("12345", micro=True)
    assert micro.is_micro
    fixed = segno.make("a receipt link", error="m", micro=False, mask=3)
    assert fixed.mask == 3
    chosen = qr_masks.best_mask(  # a module neither light nor dark: segno's own handling
        tuple(bytearray([0x2] * 21) for _ in range(21)), 21, 21, None
    )
    assert isinstance(chosen[0], int)


def test_receipt_qr_uses_it_and_matches_segno() -> None:
    link = "https://dvc.example.vn/tra-cuu?ma=000.00.12.H35-260302-0001&k=1a2b3c4d&cks=" + "x" * 86
    modules = _qr_matrix(link, "m")
    assert encoder.find_and_apply_best_mask is qr_masks.best_mask
    theirs = _make(link, "m", qr_masks.original())
    assert modules == tuple(tuple(bool(m) for m in row) for row in theirs.matrix)
