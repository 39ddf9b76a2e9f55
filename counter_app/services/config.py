"""The configuration of a data directory (`config.json` beside the database).

Everything an office may need to change without a code change lives here: the office
and its electronic ID, the database URL, office hours, this counter's block of the daily
code sequence, the language.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from counter_app.errors import ConfigError
from counter_app.files import write_atomically
from counter_app.i18n import _

CONFIG_FILE_NAME = "config.json"


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


def load_config(data_dir: Path) -> AppConfig:
    path = data_dir / CONFIG_FILE_NAME
    if not path.exists():
        return AppConfig()
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


def save_config(data_dir: Path, config: AppConfig) -> None:
    """Write the configuration atomically (temporary file, then rename)."""
    raw = asdict(config)
    extra = raw.pop("extra")
    raw.update(extra)
    path = data_dir / CONFIG_FILE_NAME
    write_atomically(path, json.dumps(raw, ensure_ascii=False, indent=2).encode("utf-8"))
