"""credit and teaser image

A photo-credit or copyright line is taken out of an article's text and kept in
``articles.credit``; a listing's teaser keeps the image it shows (``listing_teasers.image``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CREDIT_COMMENT = "The photo credit or copyright line read from the page, taken out of the text."
TEASER_IMAGE_COMMENT = "The absolute URL of the image the teaser shows, if any."


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("articles", sa.Column("credit", sa.Text(), nullable=True, comment=CREDIT_COMMENT))
    op.add_column(
        "listing_teasers",
        sa.Column("image", sa.Text(), nullable=True, comment=TEASER_IMAGE_COMMENT),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("listing_teasers", "image")
    op.drop_column("articles", "credit")
