"""The near-duplicate index in PostgreSQL: copies are linked to stored originals across
transactions and connections, other stories are not, and indexing is idempotent."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine

from etl.dedup import neardup
from etl.dedup.neardup_index import NearDuplicate, add_signatures, find_near_duplicates
from etl.store.models import ArticleRow, NearDupSignatureRow
from tests.test_neardup import ORIGINAL, SAME_RACE, paragraphs

THRESHOLD = neardup.DEFAULT_THRESHOLD
HEADLINE_COPY = "Toyota takes Spa victory as rain catches out its rivals\n\n" + ORIGINAL
FOOTER_COPY = ORIGINAL + "\nSource: Toyota Gazoo Racing press release.\n"
OPENING_COPY = "\n\n".join(
    [
        "Victory went to Toyota at Spa this weekend, in a Six Hours that was decided by the "
        "weather and by strategy rather than by pure speed.",
        *paragraphs(ORIGINAL)[1:],
    ]
)


def store(conn: Connection, text: str, duplicate_of: int | None = None) -> int:
    """An article row (fresh URL and hash, so leftovers of other tests never collide)."""
    token = uuid.uuid4().hex
    return conn.scalar(
        insert(ArticleRow)
        .values(
            site="test",
            url=f"https://example.test/{token}",
            kind="article",
            text=text,
            content_hash=token,
            duplicate_of=duplicate_of,
        )
        .returning(ArticleRow.id)
    )


def store_indexed(conn: Connection, text: str, duplicate_of: int | None = None) -> int:
    article_id = store(conn, text, duplicate_of)
    add_signatures(conn, [(article_id, neardup.signature(text))])
    return article_id


def probe(conn: Connection, **texts: str) -> dict[str, NearDuplicate[str]]:
    items = [(key, neardup.signature(text)) for key, text in texts.items()]
    return find_near_duplicates(conn, items, THRESHOLD)


def test_republished_variants_are_linked_to_the_stored_original(engine: Engine) -> None:
    with engine.begin() as conn:
        original = store_indexed(conn, ORIGINAL)
        found = probe(conn, headline=HEADLINE_COPY, opening=OPENING_COPY, footer=FOOTER_COPY)
    assert {key: match.article_id for key, match in found.items()} == {
        "headline": original,
        "opening": original,
        "footer": original,
    }
    assert all(THRESHOLD <= match.similarity <= 1.0 for match in found.values())


def test_another_report_of_the_same_race_is_not_linked(engine: Engine) -> None:
    with engine.begin() as conn:
        store_indexed(conn, ORIGINAL)
        assert probe(conn, other=SAME_RACE) == {}


def test_the_index_persists_across_connections_and_transactions(engine: Engine) -> None:
    with engine.begin() as first:
        original = store_indexed(first, ORIGINAL)
    with engine.connect() as second, second.begin():
        found = probe(second, copy=FOOTER_COPY)
    assert found["copy"].article_id == original


def test_a_copy_of_a_copy_is_linked_to_the_first_original(engine: Engine) -> None:
    with engine.begin() as conn:
        original = store_indexed(conn, ORIGINAL)
        store_indexed(conn, FOOTER_COPY, duplicate_of=original)
        store(conn, "unrelated")  # ids of later rows do not matter
        found = probe(conn, copy=FOOTER_COPY + "\nPhotos: FIA WEC.")
    assert found["copy"].article_id == original


def test_copies_inside_one_batch_point_at_its_first_text(engine: Engine) -> None:
    with engine.begin() as conn:
        found = probe(conn, original=ORIGINAL, other=SAME_RACE, copy=HEADLINE_COPY)
    assert found == {"copy": NearDuplicate(found["copy"].similarity, earlier="original")}


def test_a_batch_copy_of_a_stored_copy_points_at_the_stored_original(engine: Engine) -> None:
    with engine.begin() as conn:
        original = store_indexed(conn, ORIGINAL)
        found = probe(conn, first=HEADLINE_COPY, second=FOOTER_COPY)
    assert {key: match.article_id for key, match in found.items()} == {
        "first": original,
        "second": original,
    }


def test_adding_the_same_signatures_twice_changes_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        article_id = store(conn, ORIGINAL)
        rows = [(article_id, neardup.signature(ORIGINAL))]
        add_signatures(conn, rows)
        add_signatures(conn, rows + rows)
        stored = conn.scalar(
            select(func.count())
            .select_from(NearDupSignatureRow)
            .where(NearDupSignatureRow.article_id == article_id)
        )
        found = probe(conn, copy=FOOTER_COPY)
    assert stored == 1
    assert found["copy"].article_id == article_id


def test_an_edited_article_is_matched_by_its_new_text_only(engine: Engine) -> None:
    with engine.begin() as conn:
        article_id = store_indexed(conn, SAME_RACE)
        add_signatures(conn, [(article_id, neardup.signature(ORIGINAL))])
        found = probe(conn, copy=FOOTER_COPY, old=SAME_RACE + "\nSource: WEC.")
    assert {key: match.article_id for key, match in found.items()} == {"copy": article_id}


def test_a_deleted_article_is_no_longer_matched(engine: Engine) -> None:
    with engine.begin() as conn:
        article_id = store_indexed(conn, ORIGINAL)
        conn.execute(delete(ArticleRow).where(ArticleRow.id == article_id))
        assert probe(conn, copy=FOOTER_COPY) == {}


def test_an_empty_batch_asks_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        assert find_near_duplicates(conn, [], THRESHOLD) == {}
        add_signatures(conn, [])
