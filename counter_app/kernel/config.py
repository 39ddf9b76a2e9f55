"""The configuration of a data directory (`config.json` beside the database).

Everything an office may need to change without a code change lives here: the office
and its electronic ID, the database URL, office hours, this counter's block of the daily
code sequence, the language, and the settings of the reports, forms, fees, scan folder
and sync. Each key is declared once below, with its type, default, bounds and title
(`kernel.settings`); readers get typed attributes, and a value the declaration refuses
stops the file from loading with one line that names the key.
"""

from __future__ import annotations

import difflib
import json
import logging
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

from counter_app.domain.codes import MAX_SEQUENCE
from counter_app.domain.periods import LAST_WINDOW_START_DAY
from counter_app.errors import ConfigError
from counter_app.files import write_atomically
from counter_app.i18n import N_, SUPPORTED_LANGUAGES, _
from counter_app.kernel.settings import (
    Setting,
    all_settings,
    check_table,
    declared_settings,
    read_values,
    setting,
    unknown_members,
    write_values,
)

CONFIG_FILE_NAME = "config.json"

log = logging.getLogger("counter_app.config")

# Settings that moved elsewhere: the key's dotted path and where it lives now.
OBSOLETE_KEYS: dict[tuple[str, ...], str] = {
    ("reports", "online_target_percent"): N_(
        "chỉ tiêu tỷ lệ trực tuyến nay đặt trong Cài đặt, mục “Chỉ tiêu nộp trực tuyến”"
    ),
}

TEXT_LENGTH = 200  # a name or an address, as the office table stores it
PAPER_LENGTH = 40  # "A4-landscape", "80mm"
MAX_CHUNK_BYTES = 4 * 1024 * 1024  # the hub refuses a larger piece of a page
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")  # the activity log (kernel/run_log.py)


def _clock_time(value: str) -> None:
    try:
        time.fromisoformat(value)
    except ValueError:
        raise ValueError(_("phải là giờ dạng HH:MM")) from None


def _clock_times(value: tuple[Any, ...]) -> None:
    if len(value) != 2 or not all(isinstance(part, str) for part in value):
        raise ValueError(_("phải gồm hai giờ dạng HH:MM (bắt đầu, kết thúc)"))
    for part in value:
        _clock_time(part)


def _subject_kinds(value: dict[Any, Any]) -> None:
    if not all(
        isinstance(kind, str) and isinstance(code, int) and not isinstance(code, bool)
        for kind, code in value.items()
    ):
        raise ValueError(_("phải là bảng: loại người nộp → mã số nguyên"))


def _status_rewrites(value: dict[Any, Any]) -> None:
    codes = {str(code) for code in range(1, 11)}
    if not all(key in codes and code in codes for key, code in value.items()):
        raise ValueError(_("phải là bảng: mã trạng thái (1–10) → mã trạng thái gửi đi"))


def _day_or_empty(value: str) -> None:
    if value:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError(_("phải là ngày dạng YYYY-MM-DD")) from None


@dataclass(frozen=True)
class PortalProfile:
    """What the province's one-stop system expects where the production clients disagree
    (`portal`; docs/sync-protocol.md, "The portal record"). The defaults follow the
    majority of the clients."""

    file_name: str = setting(
        "file",
        N_("Tên tệp gửi Cổng (TenTepDinhKem)"),
        choices=("file", "component"),
        hint=N_("file: tên tệp trang quét; component: tên thành phần hồ sơ"),
    )
    status_codes: dict[str, str] = setting(
        {},
        N_("Mã trạng thái đổi khi gửi Cổng (ví dụ 5 → 9)"),
        rule=_status_rewrites,
    )
    submission_place: str = setting(
        "2", N_("Mã nơi nộp hồ sơ gửi Cổng (NoiNopHoSo)"), choices=("1", "2")
    )
    file_link_days: int = setting(
        30, N_("Số ngày liên kết tải trang quét còn hiệu lực"), minimum=1, maximum=365
    )
    file_base_url: str = setting(
        "",
        N_("Địa chỉ hub mà Cổng tải trang quét về (để trống: địa chỉ hub của quầy)"),
        max_length=500,
    )
    # How the records go out (docs/sync-protocol.md §8a): the two transport styles of the
    # production clients, with everything a province may differ on as a setting.
    transport: str = setting(
        "",
        N_("Cách gửi hồ sơ lên hệ thống một cửa của tỉnh"),
        choices=("", "session", "relay"),
        hint=N_(
            "session: đăng nhập rồi gọi dịch vụ (madonvi, service); relay: địa chỉ thêm mới "
            "và cập nhật riêng; để trống: quầy không gửi"
        ),
    )
    url: str = setting("", N_("Địa chỉ hệ thống một cửa của tỉnh"), max_length=500)
    unit_code: str = setting(
        "",
        N_("Mã đơn vị gửi tỉnh (madonvi)"),
        max_length=60,
        hint=N_("để trống: mã định danh điện tử của đơn vị"),
    )
    username: str = setting("", N_("Tài khoản gửi tỉnh"), max_length=200)
    password: str = setting("", N_("Mật khẩu gửi tỉnh"), max_length=200)
    token: str = setting(
        "",
        N_("Mã truy cập gửi tỉnh (Authorization: Bearer)"),
        max_length=4000,
        hint=N_("để trống: không gửi tiêu đề Authorization"),
    )
    dstcode: str = setting("", N_("Mã hệ thống gửi (tiêu đề dstcode)"), max_length=200)
    auth_path: str = setting("/auth", N_("Đường dẫn đăng nhập (session)"), max_length=500)
    integration_path: str = setting(
        "/integration", N_("Đường dẫn gọi dịch vụ (session)"), max_length=500
    )
    create_path: str = setting("", N_("Đường dẫn thêm mới hồ sơ (relay)"), max_length=500)
    update_path: str = setting("", N_("Đường dẫn cập nhật hồ sơ (relay)"), max_length=500)
    progress_path: str = setting(
        "", N_("Đường dẫn đồng bộ tiến độ (relay; để trống: không gửi tiến độ)"), max_length=500
    )
    timeout_seconds: int = setting(
        60, N_("Thời gian chờ tỉnh trả lời (giây)"), minimum=5, maximum=600
    )
    send_from: str = setting(
        "",
        N_("Gửi hồ sơ tiếp nhận từ ngày (YYYY-MM-DD; để trống: mọi hồ sơ)"),
        rule=_day_or_empty,
    )


@dataclass(frozen=True)
class OfficeConfig:
    """The receiving office (`office`), as the office table stores it."""

    unit_code: str = setting("", N_("Mã đơn vị hành chính"), max_length=16, required=True)
    electronic_id: str = setting(
        "", N_("Mã định danh điện tử của đơn vị"), max_length=40, required=True
    )
    name: str = setting("", N_("Tên đơn vị tiếp nhận"), max_length=TEXT_LENGTH, required=True)
    parent_body: str = setting("", N_("Cơ quan chủ quản"), max_length=TEXT_LENGTH)
    province_name: str = setting("", N_("Tên tỉnh"), max_length=TEXT_LENGTH)


@dataclass(frozen=True)
class ReportOverrides:
    """An office's own values for the periodic reports (`reports`). One left unset (None)
    follows the shipped rule (resources/reports/settings.json), which is provincial."""

    window_start_day: int | None = setting(
        None,
        N_("Ngày bắt đầu kỳ lấy số liệu báo cáo"),
        kind=int,
        minimum=1,
        maximum=LAST_WINDOW_START_DAY,
        optional=True,
    )
    due_working_days_after_cutoff: int | None = setting(
        None,
        N_("Hạn nộp báo cáo sau ngày chốt số liệu (ngày làm việc)"),
        kind=int,
        minimum=0,
        maximum=30,
        optional=True,
    )
    reminder_working_days_before_due: int | None = setting(
        None,
        N_("Nhắc nộp báo cáo trước hạn (ngày làm việc)"),
        kind=int,
        minimum=0,
        maximum=30,
        optional=True,
    )
    unused_procedure_years: int | None = setting(
        None,
        N_("Thủ tục coi là không phát sinh hồ sơ sau (năm)"),
        kind=int,
        minimum=1,
        maximum=20,
        optional=True,
    )
    near_due_working_days: int | None = setting(
        None,
        N_("Hồ sơ coi là sắp đến hạn trong (ngày làm việc)"),
        kind=int,
        minimum=0,
        maximum=30,
        optional=True,
    )
    reporting_body: str | None = setting(
        None, N_("Cơ quan nhận báo cáo"), kind=str, max_length=TEXT_LENGTH, optional=True
    )

    def overrides(self) -> dict[str, Any]:
        """The values this office set, by the names of `domain.periods.ReportSettings`."""
        return {
            declared.name: getattr(self, declared.name)
            for declared in declared_settings(ReportOverrides)
            if getattr(self, declared.name) is not None
        }


def _paper(title: str) -> Any:
    return setting("", title, max_length=PAPER_LENGTH, optional=True)


@dataclass(frozen=True)
class FormsConfig:
    """How the office's forms print (`forms`); an empty value leaves it to the template."""

    paper: str = _paper(N_("Khổ giấy các mẫu biểu (ví dụ A5, A4)"))
    book_paper: str = _paper(N_("Khổ giấy sổ theo dõi hồ sơ"))
    # A form whose template has its own paper (the 80 mm slip) takes `<form>_paper`.
    receipt_paper: str = _paper(N_("Khổ giấy riêng của giấy tiếp nhận hồ sơ"))
    supplement_paper: str = _paper(N_("Khổ giấy riêng của phiếu yêu cầu bổ sung hồ sơ"))
    refusal_paper: str = _paper(N_("Khổ giấy riêng của phiếu từ chối tiếp nhận"))
    apology_paper: str = _paper(N_("Khổ giấy riêng của phiếu xin lỗi và hẹn lại"))
    stop_paper: str = _paper(N_("Khổ giấy riêng của phiếu dừng giải quyết"))
    control_paper: str = _paper(N_("Khổ giấy riêng của phiếu kiểm soát"))
    slip_paper: str = _paper(N_("Khổ giấy riêng của phiếu in nhiệt"))
    place: str = setting("", N_("Địa danh ghi trên văn bản"), max_length=TEXT_LENGTH, optional=True)
    phone: str = setting("", N_("Số điện thoại của bộ phận một cửa"), max_length=40, optional=True)
    signer: str = setting("", N_("Người ký"), max_length=TEXT_LENGTH, optional=True)
    return_place: str = setting("", N_("Nơi trả kết quả"), max_length=TEXT_LENGTH, optional=True)
    book_format: str = setting(
        "{counter}/{year}",
        N_("Tên quyển sổ theo dõi hồ sơ (mã quầy và năm)"),
        max_length=40,  # what the book's label keeps
        optional=True,
    )

    def own_paper(self, form: str) -> str:
        """The paper set for a form whose template has its own (`<form>_paper`)."""
        return str(getattr(self, f"{form}_paper", ""))


@dataclass(frozen=True)
class BankAccount:
    """The office's account that receives fees by VietQR (`vietqr`), set by an admin."""

    bank_bin: str = setting("", N_("Mã BIN ngân hàng"), max_length=6)
    account: str = setting("", N_("Số tài khoản nhận"), max_length=19)
    account_name: str = setting("", N_("Tên tài khoản nhận"), max_length=TEXT_LENGTH)


@dataclass(frozen=True)
class AppConfig:
    database_url: str | None = setting(
        None,
        N_("Địa chỉ cơ sở dữ liệu (để trống: SQLite trong thư mục dữ liệu)"),
        kind=str,
        max_length=1000,
    )
    office: OfficeConfig | None = setting(None, N_("Đơn vị tiếp nhận"), kind=OfficeConfig)
    counter_id: str = setting("Q1", N_("Mã quầy"), max_length=16)
    sequence_first: int = setting(
        1, N_("Số thứ tự đầu của khối số hồ sơ của quầy"), minimum=1, maximum=MAX_SEQUENCE
    )
    sequence_last: int = setting(
        MAX_SEQUENCE,
        N_("Số thứ tự cuối của khối số hồ sơ của quầy"),
        minimum=1,
        maximum=MAX_SEQUENCE,
    )
    morning: tuple[str, str] = setting(
        ("07:00", "11:30"), N_("Giờ làm việc buổi sáng"), rule=_clock_times
    )
    afternoon: tuple[str, str] = setting(
        ("13:30", "17:00"), N_("Giờ làm việc buổi chiều"), rule=_clock_times
    )
    language: str = setting("vi", N_("Ngôn ngữ"), choices=SUPPORTED_LANGUAGES)
    demo: bool = setting(False, N_("Dữ liệu mẫu (chỉ để tập dùng, không gửi lên tỉnh)"))
    # The keys below are written only once set.
    reports: ReportOverrides = setting(
        ReportOverrides(), N_("Báo cáo định kỳ của đơn vị"), optional=True
    )
    # Members of `forms` and `vietqr` that nothing reads have never been warned about.
    forms: FormsConfig = setting(
        FormsConfig(), N_("In mẫu biểu"), optional=True, warn_unknown_members=False
    )
    public_status_url: str = setting(
        "",
        N_("Địa chỉ tra cứu hồ sơ công khai (in trong mã QR)"),
        max_length=500,
        optional=True,
    )
    scan_folder: str | None = setting(
        None,
        N_("Thư mục quét"),
        kind=str,
        max_length=4096,
        hint=N_("Thư mục máy quét lưu tệp vào (để trống: không dùng)"),
        optional=True,
    )
    vietqr: BankAccount | None = setting(
        None,
        N_("Tài khoản nhận phí VietQR"),
        kind=BankAccount,
        optional=True,
        warn_unknown_members=False,
    )
    sync_chunk_bytes: int = setting(
        256 * 1024,
        N_("Cỡ mỗi phần khi gửi trang lên hub (byte)"),
        minimum=1024,
        maximum=MAX_CHUNK_BYTES,
        optional=True,
    )
    sync_batch_dossiers: int = setting(
        50, N_("Số hồ sơ mỗi lần gửi lên hub"), minimum=1, maximum=1000, optional=True
    )
    sync_warn_days: int = setting(
        2, N_("Cảnh báo sau số ngày chưa đồng bộ"), minimum=1, maximum=365, optional=True
    )
    sync_close_time: str = setting(
        "17:15", N_("Giờ chốt số liệu trong ngày"), rule=_clock_time, optional=True
    )
    # `LoaiDoiTuong` per applicant kind; unconfirmed (docs/rules.md §14), so configurable.
    portal_subject_kinds: dict[str, int] = setting(
        {"person": 1, "organisation": 2},
        N_("Mã loại đối tượng gửi Cổng dịch vụ công"),
        rule=_subject_kinds,
        optional=True,
    )
    portal: PortalProfile = setting(
        PortalProfile(), N_("Hồ sơ gửi Cổng dịch vụ công của tỉnh"), optional=True
    )
    sync_interval_seconds: float = setting(
        300.0,
        N_("Khoảng cách giữa hai lần tự đồng bộ (giây)"),
        minimum=10,
        maximum=24 * 3600,
        optional=True,
    )
    backup_folder: str | None = setting(
        None,
        N_("Thư mục sao lưu tự động"),
        kind=str,
        max_length=4096,
        hint=N_("Ổ USB hoặc thư mục mạng, ngoài thư mục dữ liệu (để trống: chưa sao lưu tự động)"),
        optional=True,
    )
    log_level: str = setting(
        "INFO",
        N_("Mức ghi nhật ký hoạt động"),
        choices=LOG_LEVELS,
        hint=N_("DEBUG ghi nhiều nhất; nhật ký không bao giờ ghi dữ liệu cá nhân"),
        optional=True,
    )
    _on_disk: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """config.json as read: what saving keeps of it (its order, keys set to a default,
    keys nothing reads). Not for reading settings: the fields above are."""

    def __post_init__(self) -> None:
        check_table(self, CONFIG_FILE_NAME)

    def office_hours_times(self) -> tuple[time, time, time, time]:
        try:
            return (
                time.fromisoformat(self.morning[0]),
                time.fromisoformat(self.morning[1]),
                time.fromisoformat(self.afternoon[0]),
                time.fromisoformat(self.afternoon[1]),
            )
        except ValueError as exc:
            raise ConfigError(_("Giờ làm việc trong cấu hình không hợp lệ.")) from exc


CONFIG_SETTINGS: dict[str, Setting[Any]] = {s.key: s for s in all_settings(AppConfig)}
"""Every key of config.json, a table's members as "table.member"."""
SCAN_FOLDER: Setting[str | None] = CONFIG_SETTINGS["scan_folder"]
BACKUP_FOLDER: Setting[str | None] = CONFIG_SETTINGS["backup_folder"]
LOG_LEVEL: Setting[str] = CONFIG_SETTINGS["log_level"]


_warned: set[tuple[Path, str]] = set()


def load_config(data_dir: Path) -> AppConfig:
    """The data directory's config; unknown and obsolete keys are logged once a process."""
    path = data_dir / CONFIG_FILE_NAME
    if not path.exists():
        return AppConfig()
    config = _read_config(path)
    for warning in config_warnings(config):
        if (path, warning) not in _warned:
            _warned.add((path, warning))
            log.warning(warning)
    return config


def _read_config(path: Path) -> AppConfig:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError(_("phải là bảng"))
    except ValueError as exc:
        raise ConfigError(
            _("Tệp cấu hình {path} bị hỏng: {error}").format(path=path.name, error=exc)
        ) from exc
    return AppConfig(**read_values(AppConfig, raw, CONFIG_FILE_NAME), _on_disk=raw)


def _unknown(key: str, known: frozenset[str], prefix: str) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return _("{file}: khóa “{key}” không được dùng (có phải “{suggestion}”?)").format(
            file=CONFIG_FILE_NAME, key=prefix + key, suggestion=prefix + close[0]
        )
    return _("{file}: khóa “{key}” không được dùng").format(file=CONFIG_FILE_NAME, key=prefix + key)


def config_warnings(config: AppConfig) -> tuple[str, ...]:
    """One line for each key of config.json that nothing reads: an obsolete setting (and
    where it went), or a key the declaration does not have, often a typo that would
    otherwise go unnoticed."""
    warnings: list[str] = []
    for path, advice in OBSOLETE_KEYS.items():
        value: Any = config._on_disk
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            warnings.append(
                _("{file}: “{key}” ({value}) không còn được dùng; {advice}").format(
                    file=CONFIG_FILE_NAME, key=".".join(path), value=value, advice=_(advice)
                )
            )
    obsolete = {".".join(path) for path in OBSOLETE_KEYS}
    for prefix, names, known in unknown_members(AppConfig, config._on_disk):
        warnings.extend(
            _unknown(name, known, prefix) for name in names if prefix + name not in obsolete
        )
    return tuple(warnings)


def save_config(data_dir: Path, config: AppConfig) -> None:
    """Write the configuration atomically (temporary file, then rename), keeping the keys
    of the file it was read from that nothing reads."""
    document = write_values(config, config._on_disk)
    path = data_dir / CONFIG_FILE_NAME
    write_atomically(path, json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"))
