"""Dossiers keep the fee computed at filing and its explanation, so the chat, the payment offer and
the staff page all show the same amount ("Lệ phí cấp lại thẻ căn cước: 70.000 đ"). Existing rows
get no assessment (NULL: as before, staff set the amount) and an empty explanation.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fee_assessed_vnd", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("fee_explanation", sa.Text(), server_default=sa.text("''"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("fee_explanation")
        batch_op.drop_column("fee_assessed_vnd")
