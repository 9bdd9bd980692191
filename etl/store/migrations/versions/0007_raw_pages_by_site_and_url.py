"""raw pages by site and URL

A page is stored under the site that crawled it: two site descriptions that fetch the same URL
(a site added by ``pitboard sites add`` beside a built-in one, say) each keep their own row,
so that cleaning ``--site NEW`` finds the new site's pages. The unique key of ``raw_pages``
becomes ``(site, url)``.

Downgrading keeps, for each URL stored under several sites, the row stored first (lowest id)
and deletes the others: the old key allows one row per URL.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 10:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE_COMMENT = (
    "Pages exactly as fetched, one row per site and requested URL (re-fetches update it)."
)
OLD_TABLE_COMMENT = "Pages exactly as fetched, one row per requested URL (re-fetches update it)."


def upgrade() -> None:
    """Upgrade schema."""
    op.drop_constraint(op.f("uq_raw_pages_url"), "raw_pages", type_="unique")
    op.create_unique_constraint(op.f("uq_raw_pages_site_url"), "raw_pages", ["site", "url"])
    op.create_table_comment("raw_pages", TABLE_COMMENT, existing_comment=OLD_TABLE_COMMENT)


def downgrade() -> None:
    """Downgrade schema."""
    op.execute(
        "DELETE FROM raw_pages r USING raw_pages first WHERE r.url = first.url AND r.id > first.id"
    )
    op.drop_constraint(op.f("uq_raw_pages_site_url"), "raw_pages", type_="unique")
    op.create_unique_constraint(op.f("uq_raw_pages_url"), "raw_pages", ["url"])
    op.create_table_comment("raw_pages", OLD_TABLE_COMMENT, existing_comment=TABLE_COMMENT)
