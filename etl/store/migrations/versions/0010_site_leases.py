"""site leases

``site_leases``: each site's crawl lock as a row with an expiry (etl/store/locks.py), which
survives a database restart where a session advisory lock did not; ``crawl_runs.status`` gains
``interrupted``.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS_COMMENT = (
    "running, completed, failed, or interrupted (stopped by a signal, or its process died: "
    "marked by the site's next run)."
)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "site_leases",
        sa.Column("site", sa.String(length=64), nullable=False, comment="The site locked."),
        sa.Column(
            "holder",
            sa.Text(),
            nullable=False,
            comment="The run holding it: host, process id and a random tag.",
        ),
        sa.Column(
            "acquired_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the holder took it.",
        ),
        sa.Column(
            "expires_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When it frees unless renewed (database clock).",
        ),
        sa.PrimaryKeyConstraint("site", name=op.f("pk_site_leases")),
        comment="The run holding each site's crawl lock, and until when.",
    )
    op.alter_column(
        "crawl_runs",
        "status",
        existing_type=sa.String(length=16),
        existing_nullable=False,
        comment=STATUS_COMMENT,
        existing_comment="running, completed or failed.",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.alter_column(
        "crawl_runs",
        "status",
        existing_type=sa.String(length=16),
        existing_nullable=False,
        comment="running, completed or failed.",
        existing_comment=STATUS_COMMENT,
    )
    op.drop_table("site_leases")
