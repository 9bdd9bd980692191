"""fetch failures

``fetch_failures``: every page the crawl could not fetch or store, with its reason, one row per
URL (etl/store/fetch_failures.py).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 10:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASON_COMMENT = (
    "too_large, timed_out, redirect_loop, offsite_redirect, invalid_redirect, "
    "decompression_limit, dns, connection_refused, connection_lost, http_error, not_stored "
    "or download_error."
)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "fetch_failures",
        sa.Column("id", sa.BigInteger(), nullable=False, comment="Row id."),
        sa.Column("site", sa.String(length=64), nullable=False, comment="The site crawled."),
        sa.Column("url", sa.Text(), nullable=False, comment="The URL requested."),
        sa.Column("reason", sa.String(length=32), nullable=False, comment=REASON_COMMENT),
        sa.Column("detail", sa.Text(), nullable=False, comment="The error as the crawler saw it."),
        sa.Column(
            "status", sa.SmallInteger(), nullable=True, comment="The HTTP status, for http_error."
        ),
        sa.Column(
            "first_failed_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When this URL first failed.",
        ),
        sa.Column(
            "last_failed_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When it last failed.",
        ),
        sa.Column("attempts", sa.BigInteger(), nullable=False, comment="How many times it failed."),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fetch_failures")),
        sa.UniqueConstraint("url", name=op.f("uq_fetch_failures_url")),
        comment="Pages the crawl could not fetch or store, and why.",
    )
    op.create_index(op.f("ix_fetch_failures_site"), "fetch_failures", ["site"], unique=False)
    op.create_index(
        op.f("ix_fetch_failures_last_failed_at"), "fetch_failures", ["last_failed_at"], unique=False
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_fetch_failures_last_failed_at"), table_name="fetch_failures")
    op.drop_index(op.f("ix_fetch_failures_site"), table_name="fetch_failures")
    op.drop_table("fetch_failures")
