"""search

A documented schema for the people who query it: comments on the articles table, the
``current_articles`` view (stories without their republished copies), and full-text search
(a stored ``search_vector`` per article, French or English by the article's language, with
accents folded by ``pitboard_fold`` so ``Hunaudieres`` finds ``Hunaudières``) behind a GIN
index.

Accents are folded with ``normalize()`` and ``regexp_replace()`` rather than the ``unaccent``
extension, which the embedded PostgreSQL (pgserver) does not ship: one behaviour on every
server.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:15:00

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Accents are split off (NFD) and dropped, then the few Latin letters whose stroke is not a
# combining mark are mapped. On NFC text (what the cleaner stores) one character stays one
# character, so a folded text keeps the offsets of the original (etl.store.search puts the accents
# back into highlighted snippets that way). About ten times faster than one translate() over
# every accented letter, which matters: the search_vector and every snippet fold whole texts.
FOLD_FUNCTION = r"""
CREATE FUNCTION pitboard_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN translate(
    regexp_replace(normalize(value, NFD), '[\u0300-\u036f]', '', 'g'),
    'øØłŁđĐħĦŧŦı',
    'oOlLdDhHtTi'
)
"""

SEARCH_VECTOR = (
    "setweight(to_tsvector(CASE WHEN language = 'fr' THEN 'french'::regconfig"
    " ELSE 'english'::regconfig END, pitboard_fold(coalesce(title, ''))), 'A')"
    " || setweight(to_tsvector(CASE WHEN language = 'fr' THEN 'french'::regconfig"
    " ELSE 'english'::regconfig END, pitboard_fold(text)), 'B')"
)

# Comments on the articles table only: the other tables' models carry no comments yet, and
# the head schema must match the models (tests/test_migrations.py); the README documents them.
COMMENTS: dict[str, str] = {
    "articles": "Cleaned stories (articles and galleries): one row per story URL and text.",
    "articles.site": "The site name (see `pitboard sites`).",
    "articles.url": "The story's normalised URL, unique.",
    "articles.kind": "article or gallery (a gallery's text is its captions).",
    "articles.title": "The headline.",
    "articles.author": "The byline, or the initials of a dateline.",
    "articles.published_at": "Publication time (with time zone) read from the page.",
    "articles.modified_at": "Last update time announced by the page.",
    "articles.language": "ISO 639-1 language of the text: fr or en.",
    "articles.tags": "Tags or keywords given by the site.",
    "articles.text": "The cleaned body text, paragraphs separated by blank lines.",
    "articles.content_hash": "Hash of the normalised text: exact duplicates share it.",
    "articles.place": "Place read from a dateline such as 'G.N., Le Mans -'.",
    "articles.series": "Canonical series names found in the text (e.g. WEC, Le Mans 24 Hours).",
    "articles.classes": "Canonical class names found in the text (e.g. Hypercar, LMP2).",
    "articles.manufacturers": "Canonical manufacturer names found in the text.",
    "articles.car_numbers": "Car numbers found in the text, bare digits ('8', '17').",
    "articles.duplicate_of": "The original story when this row is a republished copy.",
    "articles.first_seen_at": "When Pitboard first stored this story.",
    "articles.last_changed_at": "When its text last changed (earlier texts: article_versions).",
    "articles.search_vector": "Full-text search document: accent-folded title (weight A) "
    "and text (weight B), French or English stemming by language.",
}


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def upgrade() -> None:
    """Upgrade schema."""
    op.execute(FOLD_FUNCTION)
    op.execute(
        f"ALTER TABLE articles ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({SEARCH_VECTOR}) STORED"
    )
    op.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")
    op.execute("CREATE VIEW current_articles AS SELECT * FROM articles WHERE duplicate_of IS NULL")
    op.execute(
        "COMMENT ON VIEW current_articles IS 'Stories without their republished copies: "
        "start most queries here.'"
    )
    op.execute(
        "COMMENT ON FUNCTION pitboard_fold(text) IS 'Folds Latin accents (é -> e), as the "
        "search index does: apply it to text compared with search_vector.'"
    )
    for target, comment in COMMENTS.items():
        kind = "COLUMN" if "." in target else "TABLE"
        op.execute(f"COMMENT ON {kind} {target} IS {_quote(comment)}")


def downgrade() -> None:
    """Downgrade schema."""
    for target in COMMENTS:
        kind = "COLUMN" if "." in target else "TABLE"
        if target != "articles.search_vector":
            op.execute(f"COMMENT ON {kind} {target} IS NULL")
    op.execute("DROP VIEW current_articles")
    op.execute("DROP INDEX ix_articles_search_vector")
    op.execute("ALTER TABLE articles DROP COLUMN search_vector")
    op.execute("DROP FUNCTION pitboard_fold(text)")
