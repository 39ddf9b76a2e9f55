"""Helpers shared by the scanning tests: a dossier to scan into, and the SANE test config."""

from __future__ import annotations

from pathlib import Path

from counter_app.domain.applicants import Person
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR

SANE_TEST_CONFIG = Path(__file__).parent / "sane"
"""dll.conf with only the `test` backend; test.conf raised to a full A4 (stock: 200 mm)."""
PROCEDURE = "1.001193"  # birth registration: a checklist of several documents


def new_dossier(ctx: AppContext) -> str:
    person = Person(name="Nguyễn Văn An", id_number="056090012345")
    return intake(ctx, IntakeRequest(PROCEDURE, person), SYSTEM_ACTOR).code
