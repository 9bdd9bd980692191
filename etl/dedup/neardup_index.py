"""The near-duplicate index in PostgreSQL: every stored article's signature and band keys.

Kept in the database (tables ``near_dup_signatures`` and ``near_dup_bands``) rather than in a
process's memory, so a copy is found whatever run or worker stored its original. Both functions
take the caller's :class:`~sqlalchemy.engine.Connection` and run inside its transaction: the
article loader stores a batch, its duplicate links and its signatures all or nothing, under its
advisory lock (so two loaders never miss each other's uncommitted articles). Whatever the batch
size, a probe is at most three statements and indexing at most five; arrays travel as single
literals.

Typical use in a loader, for the texts about to become new articles::

    sigs = [(url, neardup.signature(text)) for url, text in new_texts]
    found = find_near_duplicates(conn, sigs)   # url -> NearDuplicate
    ... insert the articles, with duplicate_of from found[url].article_id (or, for
        found[url].earlier, the id just given to that earlier item of the batch) ...
    add_signatures(conn, [(article_id, sig) ...])   # copies too: a later copy may match them
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from etl.dedup import neardup
from etl.dedup.neardup import Signature
from etl.store.pg_arrays import int_array

K = TypeVar("K", bound=Hashable)
log = logging.getLogger(__name__)

# A band key shared by this many stored articles is a pile of near-identical texts: the oldest
# of them are enough to find the original, and the cap keeps a probe's cost bounded.
MAX_HITS_PER_KEY = 32

# Three steps, so the planner sees what it gets: the band probe (index-only, one descent per
# key, in key order) finds few hits; their signatures are then read by primary key; and only
# the few that pass the threshold look up their story. As one statement the planner expected
# thousands of hits and hashed whole tables.
_PROBE = text(
    """
    SELECT p.key, hit.article_id
    FROM unnest(CAST(:keys AS bigint[])) AS p(key)
    CROSS JOIN LATERAL (
        SELECT b.article_id FROM near_dup_bands AS b
        WHERE b.key = p.key
        ORDER BY b.article_id
        LIMIT :cap
    ) AS hit
    """
)

_HIT_SIGNATURES = text(
    """
    SELECT article_id, signature FROM near_dup_signatures
    WHERE article_id = ANY(CAST(:ids AS bigint[]))
    """
)

# Not joined to the signatures above: for a thousand or more candidates the planner hashed the
# whole articles table, once per batch, so a probe's cost grew with the table.
_ORIGINALS = text(
    """
    SELECT id, COALESCE(duplicate_of, id) FROM articles
    WHERE id = ANY(CAST(:ids AS bigint[]))
    """
)

_UPSERT_SIGNATURES = text(
    """
    INSERT INTO near_dup_signatures (article_id, signature)
    SELECT ids[i], substring(CAST(:signatures AS bytea) FROM (i - 1) * :size + 1 FOR :size)
    FROM CAST(:ids AS bigint[]) AS ids, generate_subscripts(ids, 1) AS i
    ON CONFLICT (article_id) DO UPDATE SET signature = excluded.signature
    WHERE near_dup_signatures.signature <> excluded.signature
    """
)

_INDEXED = text(
    """
    SELECT article_id, signature FROM near_dup_signatures
    WHERE article_id = ANY(CAST(:ids AS bigint[]))
    """
)

_ADD_BANDS = text(
    """
    INSERT INTO near_dup_bands (key, article_id)
    SELECT * FROM unnest(CAST(:keys AS bigint[]), CAST(:ids AS bigint[]))
    """
)

# Only when a plain insert met a row it did not expect (a band left by some earlier state):
# checking every row for a conflict made indexing two and a half times slower.
_ADD_BANDS_IF_ABSENT = text(_ADD_BANDS.text + " ON CONFLICT DO NOTHING")

_DROP_BANDS = text(
    """
    DELETE FROM near_dup_bands AS b
    USING unnest(CAST(:keys AS bigint[]), CAST(:ids AS bigint[])) AS old(key, article_id)
    WHERE b.key = old.key AND b.article_id = old.article_id
    """
)


@dataclass(frozen=True, slots=True)
class NearDuplicate(Generic[K]):
    """What an item copies: a stored article or an earlier item of the same batch.

    ``article_id`` is the original story (when the matched article is itself a copy, the one
    it copies), ``earlier`` the key of an earlier item of the batch; exactly one is set.
    ``similarity`` is the estimated Jaccard similarity with the text that matched.
    """

    similarity: float
    article_id: int | None = None
    earlier: K | None = None


def find_near_duplicates(
    conn: Connection,
    items: Sequence[tuple[K, Signature]],
    threshold: float | None = None,
    *,
    within_batch: bool = True,
) -> dict[K, NearDuplicate[K]]:
    """The original of every item that is a near-duplicate, keyed like ``items``.

    An item is a near-duplicate when its estimated similarity with a stored article (or, with
    ``within_batch``, with an item before it in ``items``) reaches ``threshold`` (default:
    :func:`etl.dedup.neardup.threshold_from_env`). A stored original wins over one in the batch, and
    the most similar stored article over the others. Items without a match are left out.
    Only texts about to be stored as new articles belong here: an article compared with its
    own stored row would match itself.
    """
    limit = neardup.threshold_from_env() if threshold is None else threshold
    keys_of = neardup.band_keys_many([sig for _, sig in items])
    stored = _stored_matches(conn, items, keys_of, limit)
    found: dict[K, NearDuplicate[K]] = dict(stored)
    if not within_batch:
        return found
    for key, match in neardup.match_within(items, limit, keys_of).items():
        if key in found:
            continue
        earlier = found.get(match.earlier)
        if earlier is not None:  # the earlier item is itself a copy of a stored story
            found[key] = NearDuplicate(match.similarity, article_id=earlier.article_id)
        else:
            found[key] = NearDuplicate(match.similarity, earlier=match.earlier)
    return found


def _stored_matches(
    conn: Connection,
    items: Sequence[tuple[K, Signature]],
    keys_of: Sequence[list[int]],
    threshold: float,
) -> dict[K, NearDuplicate[K]]:
    flat, owner = neardup.flatten_keys(keys_of)
    if not len(flat):
        return {}
    # Probed in key order: the index is then walked forward, not at random.
    probe = {"keys": int_array(np.unique(flat).tolist()), "cap": MAX_HITS_PER_KEY}
    stored_with_key: dict[int, list[int]] = {}
    for key, article_id in conn.execute(_PROBE, probe):
        stored_with_key.setdefault(key, []).append(article_id)
    if not stored_with_key:
        return {}
    # Only the few keys that hit are mapped back to the items that have them.
    hit = np.isin(flat, np.fromiter(stored_with_key, dtype=np.int64))
    hits: dict[int, set[int]] = {}  # stored article id -> positions sharing a band with it
    for key, position in zip(flat[hit].tolist(), owner[hit].tolist(), strict=True):
        for article_id in stored_with_key[key]:
            hits.setdefault(article_id, set()).add(position)
    positions: list[int] = []
    candidates: list[int] = []
    stored: list[bytes] = []
    for article_id, stored_sig in conn.execute(_HIT_SIGNATURES, {"ids": int_array(sorted(hits))}):
        for position in hits[article_id]:
            positions.append(position)
            candidates.append(article_id)
            stored.append(bytes(stored_sig))
    if not positions:  # bands left by deleted articles only
        return {}
    # Every (item, stored article) pair scored in one numpy comparison: on a large index an
    # item meets a few candidates, and one Python call per pair was most of the probe's cost.
    scores = neardup.similarities(
        np.stack([items[position][1] for position in positions]),
        np.frombuffer(b"".join(stored), dtype="<u4").reshape(len(stored), neardup.NUM_PERM),
    )
    passing = np.flatnonzero(scores >= threshold).tolist()
    if not passing:
        return {}
    matched = sorted({candidates[index] for index in passing})
    original_of = {
        article_id: original
        for article_id, original in conn.execute(_ORIGINALS, {"ids": int_array(matched)})
    }
    best: dict[int, tuple[float, int]] = {}
    for index in passing:
        original = original_of.get(candidates[index])
        if original is None:  # deleted since its signature was read: nothing to link to
            continue
        position, score = positions[index], float(scores[index])
        # Ties go to the oldest original, so every run links a copy to the same story.
        if position not in best or (-score, original) < (-best[position][0], best[position][1]):
            best[position] = (score, original)
    return {
        items[position][0]: NearDuplicate(score, article_id=original)
        for position, (score, original) in best.items()
    }


def add_signatures(conn: Connection, rows: Sequence[tuple[int, Signature]]) -> None:
    """Index stored articles' signatures (insert, or replace an article's changed signature).

    Idempotent: adding the same rows again changes nothing. The articles must exist (their
    signatures go when they are deleted).
    """
    latest = {article_id: sig for article_id, sig in rows}  # one upsert per row and statement
    if not latest:
        return
    # An unchanged signature needs nothing; a changed one loses all its old band keys and
    # gets all its new ones, so no key is ever inserted twice.
    unchanged: set[int] = set()
    stale: list[tuple[int, int]] = []
    for article_id, old in conn.execute(_INDEXED, {"ids": int_array(latest)}):
        old_sig = neardup.from_bytes(bytes(old))
        if (old_sig == latest[article_id]).all():
            unchanged.add(article_id)
        else:
            stale += [(key, article_id) for key in neardup.band_keys(old_sig)]
    ids = [article_id for article_id in latest if article_id not in unchanged]
    if not ids:
        return
    conn.execute(
        _UPSERT_SIGNATURES,
        {
            "ids": int_array(ids),
            "signatures": b"".join(neardup.to_bytes(latest[i]) for i in ids),
            "size": 4 * neardup.NUM_PERM,
        },
    )
    if stale:
        keys, owners = zip(*stale, strict=True)
        conn.execute(_DROP_BANDS, {"keys": int_array(keys), "ids": int_array(owners)})
    # In key order, as the index stores them (fewer pages touched), each pair once.
    pairs = sorted(
        {
            (key, article_id)
            for article_id, keys in zip(
                ids, neardup.band_keys_many([latest[i] for i in ids]), strict=True
            )
            for key in keys
        }
    )
    if not pairs:
        return
    bands = {"keys": int_array(k for k, _ in pairs), "ids": int_array(i for _, i in pairs)}
    try:
        with conn.begin_nested():
            conn.execute(_ADD_BANDS, bands)
    except IntegrityError:
        log.warning("near-duplicate index: band keys already present, added the missing ones")
        conn.execute(_ADD_BANDS_IF_ABSENT, bands)
