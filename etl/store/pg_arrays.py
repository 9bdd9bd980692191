"""Arrays sent to PostgreSQL as one literal each.

psycopg2 turns a Python list parameter into ``ARRAY[$1, $2, ...]``: one expression per element
for the server to parse, about ten times slower than one ``'{1,2,3}'`` literal cast once. The
loaders send thousands of ids and band keys per batch, so they use these.
"""

from __future__ import annotations

from collections.abc import Iterable


def int_array(values: Iterable[int]) -> str:
    """An integer array literal, for ``CAST(:param AS bigint[])``."""
    return "{" + ",".join(map(str, values)) + "}"
