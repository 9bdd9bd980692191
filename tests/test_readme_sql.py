"""Every SQL statement in the README runs as written on the sample sites' loaded data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from samplesite.server import ServedSites
from tests.test_query import load_sample_sites

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_sql_statements() -> list[str]:
    """The statements of every ```sql block, split at a semicolon that ends a line."""
    blocks = re.findall(r"```sql\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    statements = []
    for block in blocks:
        for part in re.split(r";[ \t]*(?:\n|$)", block):
            code = "\n".join(
                line for line in part.splitlines() if not line.lstrip().startswith("--")
            )
            if code.strip():
                statements.append(part.strip())
    return statements


STATEMENTS = readme_sql_statements()


def test_the_readme_has_at_least_ten_example_queries() -> None:
    assert len(STATEMENTS) >= 10


@pytest.fixture(scope="module")
def loaded_url(test_database_url: str, served: ServedSites) -> str:
    load_sample_sites(test_database_url, served)
    return test_database_url


def test_every_readme_query_runs_and_most_return_rows(loaded_url: str) -> None:
    engine = create_engine(loaded_url)
    returned_rows = []
    with engine.connect() as conn:
        for statement in STATEMENTS:
            # Exactly as written: no bind parameters; psycopg2 still reads % as a placeholder.
            rows = conn.exec_driver_sql(statement.replace("%", "%%")).all()
            returned_rows.append(bool(rows))
    engine.dispose()
    assert sum(returned_rows) >= 10, list(zip(STATEMENTS, returned_rows, strict=True))


def test_the_readme_wec_lmp2_query_finds_the_tagged_articles(loaded_url: str) -> None:
    wec_lmp2 = next(s for s in STATEMENTS if "classes @> ARRAY['LMP2']" in s)
    engine = create_engine(loaded_url)
    with engine.connect() as conn:
        found = conn.execute(text(wec_lmp2)).all()
        expected = conn.execute(
            text(
                "SELECT count(*) FROM articles WHERE duplicate_of IS NULL "
                "AND 'WEC' = ANY(series) AND 'LMP2' = ANY(classes)"
            )
        ).scalar()
    engine.dispose()
    assert found and len(found) == expected
