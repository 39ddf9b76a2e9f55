"""result delivery: how the citizen takes the result, chosen at intake

`dossiers.result_delivery`: `counter` (at the counter), `post` (by public postal service)
or `online` (an electronic result on the portal). It fills `HinhThuc` of the portal record
and is printed on the receipt. Dossiers taken in before this revision get `counter`, what
the counter offered until then.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(
            sa.Column(
                "result_delivery", sa.String(length=16), nullable=False, server_default="counter"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("result_delivery")
