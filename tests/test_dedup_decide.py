"""The loader's decisions, without a database: new, unchanged, updated, copied; who copies whom."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from etl.dedup.decide import StoredStory, plan_copies, plan_stories, published_before
from etl.dedup.identity import StoryIdentity

T0 = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def story(url: str, digest: str, fetched_as: str | None = None) -> StoryIdentity:
    return StoryIdentity(url, fetched_as or url, digest, signature=None)  # type: ignore[arg-type]


def stored(article_id: int, url: str, digest: str) -> StoredStory:
    return StoredStory(article_id, url, digest, "Title", f"text of {digest}", T0)


def test_a_story_nobody_stored_is_new() -> None:
    plan = plan_stories([story("http://a/1", "h1")], [])
    assert [(d.position, d.action, d.article_id) for d in plan.decisions] == [(0, "new", None)]
    assert plan.aliases == []


def test_the_same_text_under_the_same_url_is_unchanged() -> None:
    plan = plan_stories(
        [story("http://a/1", "h1", "http://a/1?p=1")], [stored(7, "http://a/1", "h1")]
    )
    (decision,) = plan.decisions
    assert (decision.action, decision.article_id) == ("unchanged", 7)
    assert sorted(plan.aliases) == [("http://a/1", 7), ("http://a/1?p=1", 7)]


def test_a_new_text_under_a_known_url_is_a_new_version_of_it() -> None:
    old = stored(7, "http://a/1", "h1")
    plan = plan_stories([story("http://a/1", "h2")], [old])
    (decision,) = plan.decisions
    assert (decision.action, decision.article_id, decision.previous) == ("update", 7, old)


def test_a_known_text_under_another_url_is_a_duplicate_of_its_story() -> None:
    plan = plan_stories(
        [story("http://b/copy", "h1", "http://b/copy?utm=x")], [stored(7, "http://a/1", "h1")]
    )
    (decision,) = plan.decisions
    assert (decision.action, decision.article_id) == ("duplicate", 7)
    # Its URLs lead to the story it copies.
    assert sorted(plan.aliases) == [("http://b/copy", 7), ("http://b/copy?utm=x", 7)]


def test_a_duplicate_does_not_take_a_url_another_row_owns() -> None:
    plan = plan_stories(
        [story("http://b/x", "h1", "http://a/2")],
        [stored(7, "http://a/1", "h1"), stored(8, "http://a/2", "h9")],
    )
    assert plan.decisions[0].action == "duplicate"
    assert plan.aliases == [("http://b/x", 7)]


def test_a_url_whose_new_text_another_story_has_is_a_duplicate_not_an_update() -> None:
    plan = plan_stories(
        [story("http://a/1", "h2")], [stored(7, "http://a/1", "h1"), stored(8, "http://a/2", "h2")]
    )
    assert (plan.decisions[0].action, plan.decisions[0].article_id) == ("duplicate", 8)


def test_repeats_inside_a_batch_are_left_out_first() -> None:
    plan = plan_stories(
        [story("http://a/1", "h1"), story("http://a/2", "h1"), story("http://a/1", "h3")], []
    )
    assert [(d.position, d.action) for d in plan.decisions] == [(0, "new")]
    assert plan.repeated_in_batch == 2


def test_a_copy_published_later_points_at_the_stored_original() -> None:
    plan = plan_copies({0: (7, None)}, {0: T0 + timedelta(days=1)}, {7: T0})
    assert (plan.duplicate_of, plan.superseded, plan.in_batch) == ({0: 7}, {}, [])


def test_an_original_crawled_after_its_copy_supersedes_it() -> None:
    plan = plan_copies({0: (7, None)}, {0: T0}, {7: T0 + timedelta(days=1)})
    assert (plan.duplicate_of, plan.superseded) == ({}, {7: 0})


def test_copies_within_a_batch_follow_publication_order_not_batch_order() -> None:
    published = {0: T0 + timedelta(days=2), 1: T0}
    plan = plan_copies({1: (None, 0)}, published, {})
    assert plan.in_batch == [(0, 1)]  # item 0 was published later: it is the copy
    plan = plan_copies({1: (None, 0)}, {0: T0, 1: T0 + timedelta(days=2)}, {})
    assert plan.in_batch == [(1, 0)]


def test_unknown_or_incomparable_dates_never_reorder() -> None:
    assert not published_before(None, T0)
    assert not published_before(T0, None)
    assert not published_before(datetime(2020, 1, 1), T0)  # naive against aware
    assert published_before(T0, T0 + timedelta(seconds=1))
    assert plan_copies({0: (7, None)}, {0: None}, {7: T0}).duplicate_of == {0: 7}
