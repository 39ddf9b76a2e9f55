"""Read-only figures the counter screens need: how often each procedure is received."""

from __future__ import annotations

import sqlalchemy as sa

from counter_app.kernel.context import AppContext
from counter_app.store.models import Dossier


def procedure_usage(ctx: AppContext) -> dict[str, int]:
    """Dossiers received per procedure code, to list the most used procedures first."""
    with ctx.session() as session:
        rows = session.execute(
            sa.select(Dossier.procedure_code, sa.func.count()).group_by(Dossier.procedure_code)
        )
        return {str(code): int(count) for code, count in rows}
