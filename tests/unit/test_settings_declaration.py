"""Every setting, of config.json and of the GUI, is declared once with its type, default,
bounds and title; a value the declaration refuses is said in one line; old files read."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from counter_app.documents.templates import FormKind
from counter_app.errors import ConfigError
from counter_app.kernel.config import (
    CONFIG_FILE_NAME,
    CONFIG_SETTINGS,
    BankAccount,
    FormsConfig,
    OfficeConfig,
    ReportOverrides,
    config_warnings,
    load_config,
    save_config,
)
from counter_app.kernel.settings import Setting
from ui.settings import ALL_SETTINGS

ROOT = Path(__file__).resolve().parents[2]
EVERY_SETTING: list[Setting[Any]] = [*CONFIG_SETTINGS.values(), *ALL_SETTINGS]
SIMPLE_TYPES = (bool, int, float, str, tuple, dict)

# A config.json as the program wrote it before the declaration: the fixed keys first, then
# the others in the order they were set, among them keys nothing reads.
OLD_FILE: dict[str, Any] = {
    "database_url": None,
    "office": {
        "unit_code": "22333",
        "electronic_id": "000.00.22.H56",
        "name": "Trung tâm Phục vụ hành chính công Phường Bắc Nha Trang",
        "parent_body": "UBND Phường Bắc Nha Trang",
        "province_name": "Tỉnh Khánh Hòa",
    },
    "counter_id": "Q2",
    "sequence_first": 5001,
    "sequence_last": 9999,
    "morning": ["07:30", "11:30"],
    "afternoon": ["13:30", "17:00"],
    "language": "vi",
    "demo": False,
    "reports": {"window_start_day": 1, "online_target_percent": 50},
    "forms": {"paper": "A4", "slip_paper": "A6", "place": "Nha Trang", "ghi_chu": "tự ghi"},
    "public_status_url": "https://dichvucong.khanhhoa.gov.vn/tra-cuu",
    "scan_folder": "/srv/scans",
    "vietqr": {"bank_bin": "970436", "account": "0011001800879", "account_name": ""},
    "sync_chunk_bytes": 262144,
    "sync_batch_dossiers": 20,
    "sync_warn_days": 3,
    "sync_close_time": "17:30",
    "portal_subject_kinds": {"person": 1, "organisation": 2},
    "sync_interval_seconds": 60,
    "sync_interval_second": 30,
}


def write(data_dir: Path, document: dict[str, Any]) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2)
    (data_dir / CONFIG_FILE_NAME).write_text(text, "utf-8")


def english_titles() -> dict[str, str]:
    with (ROOT / "resources" / "locale" / "en" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="en")
    return {str(message.id): str(message.string) for message in catalog if message.id}


@pytest.mark.parametrize("declared", EVERY_SETTING, ids=lambda declared: declared.key)
def test_every_setting_has_a_type_a_default_bounds_and_a_title(declared: Setting[Any]) -> None:
    assert declared.key
    assert declared.value_type in SIMPLE_TYPES or declared.is_table
    assert declared.title and unicodedata.normalize("NFC", declared.title) == declared.title
    assert english_titles().get(declared.title), f"no English title for {declared.key}"
    if declared.value_type in (int, float):
        assert declared.minimum is not None and declared.maximum is not None
        assert declared.minimum <= declared.maximum
    if declared.value_type is str:
        assert declared.max_length or declared.choices or declared.rule
    if not declared.required:
        declared.check(declared.default)  # its own default is a value it takes


def test_the_declaration_covers_every_key_the_code_reads() -> None:
    tables = {"office": OfficeConfig, "reports": ReportOverrides, "forms": FormsConfig}
    tables["vietqr"] = BankAccount
    for name, table in tables.items():
        assert CONFIG_SETTINGS[name].value_type is table
    # A form with a paper of its own reads "<form>_paper" (the book: "book_paper").
    assert all(f"forms.{kind.value}_paper" in CONFIG_SETTINGS for kind in FormKind)
    assert list(CONFIG_SETTINGS)[:9] == [
        "database_url",
        "office",
        "office.unit_code",
        "office.electronic_id",
        "office.name",
        "office.parent_body",
        "office.province_name",
        "counter_id",
        "sequence_first",
    ]


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("sync_chunk_bytes", 100, "phải từ 1024 đến 4194304"),
        ("sync_batch_dossiers", "nhiều", "phải là số nguyên"),
        ("sync_interval_seconds", 5, "phải từ 10 đến 86400"),
        ("sync_close_time", "25:99", "HH:MM"),
        ("counter_id", "Q" * 17, "dài quá 16 ký tự"),
        ("language", "fr", "phải là một trong: vi, en"),
        ("demo", "yes", "true hoặc false"),
        ("morning", ["7 giờ", "11:30"], "HH:MM"),
        ("reports", {"window_start_day": 31}, "phải từ 1 đến 28"),
        ("vietqr", "970436", "phải là bảng"),
        ("portal_subject_kinds", {"person": "một"}, "mã số nguyên"),
    ],
)
def test_a_value_out_of_bounds_is_refused_in_one_line(
    data_dir: Path, key: str, value: Any, words: str
) -> None:
    document = json.loads((data_dir / CONFIG_FILE_NAME).read_text("utf-8"))
    write(data_dir, {**document, key: value})
    with pytest.raises(ConfigError) as refused:
        load_config(data_dir)
    message = refused.value.message
    assert message.startswith(f"{CONFIG_FILE_NAME}: “{key}")
    assert words in message and "\n" not in message


def test_the_program_cannot_set_a_value_the_declaration_refuses(data_dir: Path) -> None:
    config = load_config(data_dir)
    with pytest.raises(ConfigError, match="“sync_warn_days”"):
        replace(config, sync_warn_days=0)
    with pytest.raises(ConfigError, match=r"“forms\.place”.*dài quá 200 ký tự"):
        replace(config, forms=FormsConfig(place="x" * 201))
    assert replace(config, sync_warn_days=7).sync_warn_days == 7


def test_a_table_without_a_member_it_needs_is_refused(data_dir: Path) -> None:
    office = {k: v for k, v in OLD_FILE["office"].items() if k != "name"}
    write(data_dir, {**OLD_FILE, "office": office})
    with pytest.raises(ConfigError, match=r"thiếu “office\.name”"):
        load_config(data_dir)


def test_an_old_file_reads_into_typed_values_and_is_written_back_unchanged(
    data_dir: Path,
) -> None:
    write(data_dir, OLD_FILE)
    before = (data_dir / CONFIG_FILE_NAME).read_text("utf-8")
    config = load_config(data_dir)
    assert config.office is not None and config.office.unit_code == "22333"
    assert (config.counter_id, config.sequence_first) == ("Q2", 5001)
    assert config.office_hours_times()[0].hour == 7
    assert config.reports.overrides() == {"window_start_day": 1}
    assert (config.forms.paper, config.forms.own_paper("slip"), config.forms.phone) == (
        "A4",
        "A6",
        "",
    )
    assert config.forms.book_format == "{counter}/{year}"
    assert config.vietqr == BankAccount("970436", "0011001800879", "")
    assert (config.scan_folder, config.sync_batch_dossiers) == ("/srv/scans", 20)
    assert config.sync_interval_seconds == 60
    assert len(config_warnings(config)) == 2  # the old online target, the mistyped interval
    save_config(data_dir, config)
    assert (data_dir / CONFIG_FILE_NAME).read_text("utf-8") == before


def test_a_setting_set_and_unset_is_written_and_dropped(data_dir: Path) -> None:
    before = json.loads((data_dir / CONFIG_FILE_NAME).read_text("utf-8"))
    config = replace(load_config(data_dir), scan_folder="/srv/scans", sync_warn_days=5)
    save_config(data_dir, config)
    written = json.loads((data_dir / CONFIG_FILE_NAME).read_text("utf-8"))
    assert written == {**before, "scan_folder": "/srv/scans", "sync_warn_days": 5}
    save_config(data_dir, replace(load_config(data_dir), scan_folder=None))
    written = json.loads((data_dir / CONFIG_FILE_NAME).read_text("utf-8"))
    assert written == {**before, "sync_warn_days": 5}
