"""The measurement helpers of etl/clean/evaluation.py, on tiny fixtures.

The bench's figures are only as good as these rules: the metric, the loaders' reading of both
ground-truth forms, the confusion table's acceptance ratios and the metadata comparison.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from etl.clean.evaluation import (
    MetadataGuess,
    Sample,
    articles_kept,
    author_names,
    author_right,
    confusion,
    day_right,
    listings_stored,
    load_metadata_truth,
    load_wcxb,
    sample_from_truth,
    score_corpus,
    score_page,
    tally_metadata,
    title_right,
    truth_day,
    with_metadata_truth,
)


def test_metric_counts_shared_shingles_and_empty_predictions_cost_recall_only() -> None:
    truth = "one two three four five"
    assert score_page(truth, truth).f1 == 1.0
    empty = score_page("", truth)
    assert (empty.predicted, empty.recall) == (0, 0.0)
    corpus = score_corpus([score_page(truth, truth), empty])
    assert (corpus.precision, corpus.recall) == (1.0, 0.5)


def test_confusion_counts_pairs_and_gives_both_acceptance_ratios() -> None:
    table = confusion(
        [
            ("article", "article"),
            ("article", "article"),
            ("article", "other"),
            ("listing", "article"),
            ("listing", "listing"),
            ("collection", "gallery"),
            ("collection", "listing"),
            ("forum", "article"),  # not a listing type: does not count against listings
        ]
    )
    assert table["article"] == {"article": 2, "other": 1}
    kept = articles_kept(table)
    assert (kept.hits, kept.total) == (2, 3)
    stored = listings_stored(table)
    assert (stored.hits, stored.total, stored.share) == (2, 4, 0.5)


def test_ratios_over_nothing_are_zero() -> None:
    assert articles_kept({}).share == 0.0
    assert listings_stored({}).total == 0


def test_title_is_right_when_equal_after_whitespace_and_case() -> None:
    assert title_right("  Le Mans:\n the  RACE ", "le mans: the race")
    assert not title_right("Le Mans: the race | Site", "Le Mans: the race")
    assert not title_right(None, "Le Mans")
    assert not title_right("", "")


def test_author_is_the_same_set_of_names_however_joined() -> None:
    assert author_names("Manoj Jain and Jagpreet Chhatwal") == {"manoj jain", "jagpreet chhatwal"}
    assert author_right("Jagpreet Chhatwal; Manoj  JAIN", "Manoj Jain and Jagpreet Chhatwal")
    assert author_right("Anne & Marc", "Anne et Marc")
    assert not author_right("Manoj Jain", "Manoj Jain and Jagpreet Chhatwal")
    assert not author_right("By Andrew King", "Andrew King")  # a label left in is wrong
    assert author_names("Randall Sand") == {"randall sand"}  # "and" only as a word


def test_publication_day_compares_calendar_days() -> None:
    truth = date(2025, 9, 4)
    assert day_right(datetime(2025, 9, 4, 23, 59, tzinfo=UTC), truth)
    assert day_right("2025-09-04T08:00:00+02:00", truth)
    assert day_right(date(2025, 9, 4), truth)
    assert not day_right(datetime(2025, 9, 5, 0, 1, tzinfo=UTC), truth)
    assert not day_right(None, truth)
    paris = timezone(timedelta(hours=2))
    assert day_right(datetime(2025, 9, 4, 0, 30, tzinfo=paris), truth)  # in its own zone
    assert truth_day("not a date") is None


def test_tally_metadata_scores_only_pages_whose_truth_has_the_field() -> None:
    named = Sample("1", "u", b"", "x", title="T", author="A B", published=date(2025, 1, 2))
    anonymous = Sample("2", "u", b"", "x", title="U", author=None, published=None)
    tallies = tally_metadata(
        [
            (MetadataGuess("t", "a b", datetime(2025, 1, 2, tzinfo=UTC)), named),
            (MetadataGuess("Other", "Someone", None), anonymous),
        ]
    )
    assert (tallies["title"].right, tallies["title"].total) == (1, 2)
    assert (tallies["author"].right, tallies["author"].total, tallies["author"].found) == (1, 1, 1)
    assert (tallies["published"].right, tallies["published"].total) == (1, 1)


def test_sample_reads_flat_and_nested_ground_truth() -> None:
    flat = sample_from_truth(
        "1", b"<html/>", {"articleBody": "Body", "url": "https://a/x", "title": " T "}
    )
    assert (flat.truth, flat.url, flat.title, flat.author, flat.published) == (
        "Body",
        "https://a/x",
        "T",
        None,
        None,
    )
    nested = sample_from_truth(
        "2",
        b"",
        {
            "url": "https://b/y",
            "ground_truth": {
                "title": "Title",
                "author": "Andrew King",
                "publish_date": "2025-09-04",
                "main_content": "Text",
            },
        },
        page_type="article",
    )
    assert (nested.truth, nested.author, nested.published) == (
        "Text",
        "Andrew King",
        date(2025, 9, 4),
    )
    no_body = sample_from_truth("3", b"", {"articleBody": "  "}, url="https://c/z")
    assert (no_body.truth, no_body.url) == (None, "https://c/z")


def test_load_wcxb_takes_the_type_pages_in_order_with_urls_from_page_types(tmp_path: Path) -> None:
    corpus = tmp_path / "wcxb-dev"
    (corpus / "listing" / "html").mkdir(parents=True)
    types = {
        "0002": {"page_type": "listing", "url": "https://s/2", "domain": "s"},
        "0001": {"page_type": "listing", "url": "https://s/1", "domain": "s"},
        "0003": {"page_type": "article", "url": "https://s/3", "domain": "s"},
    }
    (corpus / "page-types.json").write_text(json.dumps(types))
    truth = {"0001": {"articleBody": "One"}, "0002": {"articleBody": "Two", "url": "https://t/2"}}
    (corpus / "listing" / "ground-truth.json").write_text(json.dumps(truth))
    for page_id in ("0001", "0002"):
        (corpus / "listing" / "html" / f"{page_id}.html.gz").write_bytes(
            gzip.compress(f"<p>{page_id}</p>".encode())
        )
    samples = load_wcxb(tmp_path, "listing")
    assert [(s.page_id, s.url, s.truth, s.page_type) for s in samples] == [
        ("0001", "https://s/1", "One", "listing"),
        ("0002", "https://t/2", "Two", "listing"),
    ]
    assert samples[0].body == b"<p>0001</p>"
    assert [s.page_id for s in load_wcxb(tmp_path, "listing", limit=1)] == ["0001"]


def test_metadata_truth_from_json_lines_overrides_the_samples_it_names(tmp_path: Path) -> None:
    path = tmp_path / "meta.jsonl"
    path.write_text(
        '{"id": "0001", "title": "T", "author": "A", "publish_date": "2025-09-04"}\n'
        '{"id": "0002", "title": "U", "author": null, "publish_date": null}\n'
    )
    truth = load_metadata_truth(path)
    samples = with_metadata_truth(
        [Sample("0001", "u", b"x", "body"), Sample("0003", "v", b"y", None)], truth
    )
    assert (samples[0].title, samples[0].author, samples[0].published, samples[0].body) == (
        "T",
        "A",
        date(2025, 9, 4),
        b"x",
    )
    assert samples[1].title is None
    assert truth["0002"].author is None
