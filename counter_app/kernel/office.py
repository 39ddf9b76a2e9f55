"""The receiving office of a data directory: which administrative unit, its electronic ID
(mã định danh điện tử, the prefix of every dossier code) and the names its forms print.

`office set` on the command line and the GUI's first-start setup both write it here, so
the same checks apply to both.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from counter_app.domain.codes import format_code
from counter_app.domain.text import OFFICE_NAME, PARENT_BODY
from counter_app.domain.units import AdministrativeUnit
from counter_app.kernel.config import AppConfig, OfficeConfig, load_config, save_config


def office_for(
    unit: AdministrativeUnit, electronic_id: str, name: str = "", parent_body: str = ""
) -> OfficeConfig:
    """The office of `unit`; names left empty take the usual ones. A malformed electronic
    ID is refused (ValidationError) before anything is written."""
    electronic_id = electronic_id.strip()
    format_code(electronic_id, date.today(), 1)
    return OfficeConfig(
        unit_code=unit.code,
        electronic_id=electronic_id,
        name=OFFICE_NAME.clean(name) or f"Trung tâm Phục vụ hành chính công {unit.name}",
        parent_body=PARENT_BODY.clean(parent_body) or f"UBND {unit.name}",
        province_name=unit.province_name,
    )


def configure_office(data_dir: Path, office: OfficeConfig) -> AppConfig:
    """Write `office` into the data directory's configuration; the configuration now."""
    config = replace(load_config(data_dir), office=office)
    save_config(data_dir, config)
    return config
