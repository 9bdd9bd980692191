"""COPY text format: every value a cleaned article can hold comes back from PostgreSQL as sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from etl.store.pg_copy import copy_field, copy_into, copy_line

HOSTILE = [
    "",
    "plain",
    "tab\there",
    "line\nbreak and\r\nwindows",
    "back\\slash \\N \\t literal",
    "\\N",
    'quote " and {brace} , comma',
    "NULL",
    "accents é à ü, emoji 🏁, rtl שלום",
    "'; DROP TABLE copy_probe; --",
]


def test_fields_follow_the_text_format() -> None:
    assert copy_field(None) == "\\N"
    assert copy_field("a\tb\nc\\d") == "a\\tb\\nc\\\\d"
    assert copy_field(["x", 'y"z', None]) == '{"x","y\\\\"z",NULL}'
    assert copy_field([]) == "{}"
    assert copy_field(True) == "t"
    assert copy_line([1, None, "a"]) == "1\t\\N\ta\n"


def test_hostile_values_round_trip_through_postgresql(engine: Engine) -> None:
    paris = timezone(timedelta(hours=2))
    rows = [
        (
            i,
            value,
            [value, "b,c", "{}"] if value else [],
            datetime(2024, 6, 15, 16, 0, tzinfo=paris) if i % 2 else None,
        )
        for i, value in enumerate(HOSTILE)
    ]
    rows.append((len(HOSTILE), None, None, datetime(2024, 6, 15, 14, 0, tzinfo=UTC)))
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TEMP TABLE copy_probe (n integer, body text, tags text[], at timestamptz)"
                " ON COMMIT DROP"
            )
        )
        copy_into(conn, "copy_probe", ("n", "body", "tags", "at"), rows)
        stored = conn.execute(text("SELECT n, body, tags, at FROM copy_probe ORDER BY n")).all()
    assert [tuple(r) for r in stored] == rows
    assert stored[1].at == datetime(2024, 6, 15, 14, 0, tzinfo=UTC)


def test_a_failed_copy_leaves_the_transaction_to_roll_back(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE copy_probe (n integer NOT NULL)"))
        conn.commit()
        with pytest.raises(Exception, match="null value"), conn.begin():
            copy_into(conn, "copy_probe", ("n",), [(1,), (None,)])
        assert conn.scalar(text("SELECT count(*) FROM copy_probe")) == 0
