"""The procedure picker's one-line summary says what is known and no more."""

from __future__ import annotations

from dataclasses import replace

from counter_app.domain.catalog import load_catalog
from ui.intake_logic import online_text, procedure_summary


def test_online_level_and_fee_wording() -> None:
    catalog = load_catalog()
    khai_sinh = catalog.get("1.001193")  # toàn trình, free
    assert online_text(khai_sinh) == "trực tuyến toàn trình"
    assert "miễn phí" in procedure_summary(khai_sinh)
    foreign_birth = catalog.get("2.000528")  # an online channel, level unknown
    assert foreign_birth.online_level is None
    assert online_text(foreign_birth) == "có nộp trực tuyến (chưa rõ mức)"
    paper_only = replace(foreign_birth, submission_channels=("Trực tiếp",))
    assert online_text(paper_only) == "chưa rõ có nộp trực tuyến"
    assert online_text(replace(foreign_birth, online_level="none")) == "không trực tuyến"
    assert "theo quy định của tỉnh" in procedure_summary(replace(foreign_birth, fee_vnd=None))
    assert "50.000 đ" in procedure_summary(replace(foreign_birth, fee_vnd=50000))
