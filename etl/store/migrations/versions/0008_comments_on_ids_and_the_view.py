"""comments on the last uncommented columns and on the view's columns

Revision 0005 commented every table and most columns; the row ids, ``articles.image`` and
``articles.raw_page_id`` were left without one, and so was every column of the view
``current_articles``. The view's columns take the comments of the ``articles`` columns they
show (read from the catalogue, so they stay the same words).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 12:30:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The words of etl.store.models.COMMENTS at this revision (a revision never imports the models).
COMMENTS = {
    "raw_pages.id": "Row id (articles.raw_page_id points here).",
    "articles.id": "Article id, as `pitboard show ID` takes it.",
    "articles.raw_page_id": "The raw page the current text was cleaned from (NULL once deleted).",
    "articles.image": "The article's main image URL (og:image, JSON-LD), if any.",
    "article_versions.id": "Row id.",
    "listing_teasers.id": "Row id.",
    "crawl_runs.id": "Run id.",
}

VIEW_COMMENTS = """
DO $$
DECLARE col record;
BEGIN
  FOR col IN
    SELECT v.attname, col_description('articles'::regclass, a.attnum) AS comment
    FROM pg_attribute v
    JOIN pg_attribute a ON a.attrelid = 'articles'::regclass AND a.attname = v.attname
    WHERE v.attrelid = 'current_articles'::regclass AND v.attnum > 0 AND NOT v.attisdropped
  LOOP
    EXECUTE format('COMMENT ON COLUMN current_articles.%I IS %L', col.attname, col.comment);
  END LOOP;
END $$;
"""


def upgrade() -> None:
    for column, comment in COMMENTS.items():
        table, name = column.split(".")
        op.alter_column(table, name, comment=comment, existing_comment=None)
    op.execute(VIEW_COMMENTS)


def downgrade() -> None:
    op.execute(VIEW_COMMENTS.replace("col.comment", "NULL"))
    for column, comment in COMMENTS.items():
        table, name = column.split(".")
        op.alter_column(table, name, comment=None, existing_comment=comment)
