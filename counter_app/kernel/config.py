"""The configuration of a data directory (`config.json` beside the database).

Everything an office may need to change without a code change lives here: the office
and its electronic ID, the database URL, office hours, this counter's block of the daily
code sequence, the language.
"""

from __future__ import annotations

import difflib
import json
import logging
from dataclasses import asdict, dataclass, field, fields
from datetime import time
from pathlib import Path
from typing import Any

from counter_app.domain.periods import ReportSettings
from counter_app.errors import ConfigError
from counter_app.files import write_atomically
from counter_app.i18n import N_, _

CONFIG_FILE_NAME = "config.json"

log = logging.getLogger("counter_app.config")

# Top-level keys that land in `AppConfig.extra`, each read by the module named. A key
# missing here is reported as unknown, so add a new setting here when a module reads it.
KNOWN_EXTRA_KEYS = frozenset(
    {
        "reports",  # services/reporting.report_settings (keys: reports.periods.ReportSettings)
        "forms",  # documents/forms.forms_config
        "public_status_url",  # documents/forms
        "scan_folder",  # services/scan_folder.CONFIG_KEY
        "vietqr",  # guidance/payments.CONFIG_KEY
        "sync_chunk_bytes",  # sync/service
        "sync_batch_dossiers",
        "sync_warn_days",
        "sync_close_time",
        "portal_subject_kinds",
        "sync_interval_seconds",  # ui/sync_status.INTERVAL_KEY
    }
)

# Settings that moved elsewhere: the key's dotted path and where it lives now.
OBSOLETE_KEYS: dict[tuple[str, ...], str] = {
    ("reports", "online_target_percent"): N_(
        "chỉ tiêu tỷ lệ trực tuyến nay đặt bằng "
        "“counter-app guidance target CẤP PHẦN_TRĂM --source …”"
    ),
}


@dataclass(frozen=True)
class OfficeConfig:
    unit_code: str
    electronic_id: str
    name: str
    parent_body: str = ""
    province_name: str = ""


@dataclass(frozen=True)
class AppConfig:
    database_url: str | None = None
    office: OfficeConfig | None = None
    counter_id: str = "Q1"
    sequence_first: int = 1
    sequence_last: int = 9999
    morning: tuple[str, str] = ("07:00", "11:30")
    afternoon: tuple[str, str] = ("13:30", "17:00")
    language: str = "vi"
    demo: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

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
        office_raw = raw.pop("office", None)
        office = OfficeConfig(**office_raw) if office_raw else None
        for key in ("morning", "afternoon"):
            if key in raw:
                raw[key] = tuple(raw[key])
        known = {k: v for k, v in raw.items() if k in AppConfig.__dataclass_fields__}
        extra = {k: v for k, v in raw.items() if k not in AppConfig.__dataclass_fields__}
        known.setdefault("extra", {}).update(extra)
        return AppConfig(office=office, **known)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ConfigError(
            _("Tệp cấu hình {path} bị hỏng: {error}").format(path=path.name, error=exc)
        ) from exc


def _unknown(key: str, known: set[str] | frozenset[str], prefix: str = "") -> str:
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return _("{file}: khóa “{key}” không được dùng (có phải “{suggestion}”?)").format(
            file=CONFIG_FILE_NAME, key=prefix + key, suggestion=prefix + close[0]
        )
    return _("{file}: khóa “{key}” không được dùng").format(file=CONFIG_FILE_NAME, key=prefix + key)


def config_warnings(config: AppConfig) -> tuple[str, ...]:
    """One line for each key of config.json that nothing reads: an obsolete setting (and
    where it went), or an unknown key, often a typo that would otherwise go unnoticed."""
    warnings: list[str] = []
    obsolete = {".".join(path) for path in OBSOLETE_KEYS}
    for path, advice in OBSOLETE_KEYS.items():
        value: Any = config.extra
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            warnings.append(
                _("{file}: “{key}” ({value}) không còn được dùng; {advice}").format(
                    file=CONFIG_FILE_NAME, key=".".join(path), value=value, advice=_(advice)
                )
            )
    known = {f.name for f in fields(AppConfig) if f.name != "extra"} | KNOWN_EXTRA_KEYS
    warnings.extend(_unknown(key, known) for key in sorted(config.extra) if key not in known)
    reports = config.extra.get("reports")
    if isinstance(reports, dict):
        report_keys = {f.name for f in fields(ReportSettings) if f.name != "extra"}
        warnings.extend(
            _unknown(key, report_keys, "reports.")
            for key in sorted(reports)
            if key not in report_keys and f"reports.{key}" not in obsolete
        )
    return tuple(warnings)


def save_config(data_dir: Path, config: AppConfig) -> None:
    """Write the configuration atomically (temporary file, then rename)."""
    raw = asdict(config)
    extra = raw.pop("extra")
    raw.update(extra)
    path = data_dir / CONFIG_FILE_NAME
    write_atomically(path, json.dumps(raw, ensure_ascii=False, indent=2).encode("utf-8"))
