"""Near-duplicate fingerprints: MinHash signatures of word shingles and their LSH band keys.

A republished article keeps most of its sentences but may get another headline, a rewritten opening
or a source footer; two different stories about the same race share drivers, teams and stock phrases
but few runs of nine consecutive words. So a text is reduced to the set of its word 9-grams (after
:func:`etl.dedup.fingerprint.normalize_text`'s folding, punctuation dropped), and the Jaccard
similarity of two such sets is estimated from MinHash signatures (datasketch's ``NUM_PERM``
permutations of the ``affine32`` scheme with a fixed seed, written out in
:mod:`etl.dedup.permutations`, so a signature computed in one process or run compares with one
computed in any other).

To find candidates without comparing against every stored signature, each signature is cut into
``BANDS`` bands of ``ROWS`` values; two texts become candidates when any band is equal (the
classic LSH banding of *Mining of Massive Datasets*, ch. 3). A band key is a 64-bit hash of the
band number and its values, so one indexed column holds every band. The banding is fixed (stored
keys depend on it) and deliberately loose: it finds most pairs from a Jaccard of about 0.4 on, and
the final decision compares the full signatures with the configurable threshold
(:func:`threshold_from_env`), which can therefore change without re-indexing.

Everything here is pure; :mod:`etl.dedup.neardup_index` keeps the signatures in PostgreSQL.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from etl.dedup import permutations
from etl.store.settings import DEFAULT_NEAR_DUP_THRESHOLD, NEAR_DUP_THRESHOLD_ENV, load_settings

# Changing any of these changes every stored signature or band key: a new Alembic revision
# must then empty the index tables (and the loader re-index the articles).
NUM_PERM = permutations.NUM_PERM
SEED = permutations.SEED
SCHEME = permutations.SCHEME
# Measured on the sample sites (10,000 articles): with 5-word shingles distinct reports of the
# same race by the same template share up to 0.47 of their shingles and each text met ~9 LSH
# candidates (growing with the corpus); with 9 words, at most 0.22 and 0.45 candidates, while
# republished copies stay at 0.63 and more. Broder's near-duplicate work used 10 words.
SHINGLE_WORDS = 9
BANDS = 32
ROWS = 4
assert BANDS * ROWS == NUM_PERM

# The configurable threshold's variable and its measured default live with the other settings.
THRESHOLD_ENV = NEAR_DUP_THRESHOLD_ENV
DEFAULT_THRESHOLD = DEFAULT_NEAR_DUP_THRESHOLD

Signature = npt.NDArray[np.uint32]
K = TypeVar("K", bound=Hashable)

_WORD = re.compile(r"\w+")
_EMPTY = np.uint32(0xFFFFFFFF)
_POLY = np.uint64(0x9E3779B97F4A7C15)
_BAND_SALT = np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)
# datasketch's permutations for (NUM_PERM, SEED, SCHEME), as stored signatures were made with.
_PERMUTATIONS = permutations.permutations()
# The MurmurHash3 finalizer (fmix32 / fmix64 of Appleby's reference code): shift, multiplier,
# shift, multiplier, shift. The affine32 scheme pre-mixes every input hash with fmix32.
_FMIX_CONSTANTS = {
    32: tuple(np.uint32(c) for c in (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)),
    64: tuple(np.uint64(c) for c in (33, 0xFF51AFD7ED558CCD, 33, 0xC4CEB9FE1A85EC53, 33)),
}


def _fmix(values: npt.NDArray, width: int) -> npt.NDArray:
    """MurmurHash3's finalizer, element-wise on a uint32 (``width`` 32) or uint64 (64) array: a
    bijection that spreads every input bit over the output; products wrap modulo 2**width."""
    s1, m1, s2, m2, s3 = _FMIX_CONSTANTS[width]
    values = values ^ (values >> s1)
    values = values * m1
    values = values ^ (values >> s2)
    values = values * m2
    return values ^ (values >> s3)


def threshold_from_env() -> float:
    """The similarity from which a text is a near-duplicate (PITBOARD_NEAR_DUP_THRESHOLD)."""
    return load_settings().near_dup_threshold


def words(text: str) -> list[str]:
    """The words of the normalised text: punctuation and spacing dropped, so re-typeset quotes
    or dashes change nothing."""
    # normalize_text's folding (NFKC, casefold); its spacing rule is moot once split in words.
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str) -> set[str]:
    """The word 9-grams of a text (a shorter text is one shingle of all its words): the set whose
    Jaccard similarity the signatures estimate. For tests and measurements; :func:`signature`
    hashes the same shingles without building their strings."""
    found = words(text)
    if len(found) <= SHINGLE_WORDS:
        return {" ".join(found)} if found else set()
    return {" ".join(found[i : i + SHINGLE_WORDS]) for i in range(len(found) - SHINGLE_WORDS + 1)}


@lru_cache(maxsize=1 << 17)
def _word_hash(word: str) -> int:
    """A stable 64-bit hash of a word (the vocabulary is small, so this is mostly a lookup)."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def shingle_hashes(text: str) -> npt.NDArray[np.uint32]:
    """32-bit hashes of the text's shingles, computed from per-word hashes with numpy.

    A shingle's hash is an order-sensitive polynomial of its word hashes, mixed by the
    MurmurHash3 finalizer: hashing every shingle string in Python (datasketch's default sha1)
    costs ten times more, and the loader calls this for every article it stores.
    """
    found = words(text)
    if not found:
        return np.empty(0, dtype=np.uint32)
    hashes = np.fromiter(map(_word_hash, found), dtype=np.uint64, count=len(found))
    width = min(SHINGLE_WORDS, len(found))
    count = len(found) - width + 1
    acc = np.zeros(count, dtype=np.uint64)
    for offset in range(width):
        acc = acc * _POLY + hashes[offset : offset + count]
    # Repeated shingles are kept: they cannot change a minimum.
    return (_fmix(acc, 64) >> np.uint64(32)).astype(np.uint32)


def signature(text: str) -> Signature:
    """The MinHash signature of a text: ``NUM_PERM`` uint32 values (512 bytes as bytes).

    Exactly what datasketch's ``MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")``
    holds after ``update_batch`` of the shingle hashes (a test keeps it so); the permutation
    step is applied here in one numpy expression because datasketch calls its hash function
    once per value in Python, which was half the cost. A text without words gets the empty
    signature, which matches nothing.
    """
    hashes = shingle_hashes(text)
    if not len(hashes):
        return np.full(NUM_PERM, _EMPTY, dtype=np.uint32)
    mixed = _fmix(hashes.reshape(-1, 1), 32)
    return (mixed * _PERMUTATIONS[0] + _PERMUTATIONS[1]).min(axis=0)


def to_bytes(sig: Signature) -> bytes:
    """The stored form: little-endian uint32 values, whatever the machine."""
    return np.asarray(sig, dtype="<u4").tobytes()


def from_bytes(data: bytes) -> Signature:
    if len(data) != 4 * NUM_PERM:
        raise ValueError(f"a signature is {4 * NUM_PERM} bytes, got {len(data)}")
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


def band_keys(sig: Signature) -> list[int]:
    """One signed 64-bit key per band, or none for an empty text.

    A key hashes the band number with the band's ``ROWS`` values (so equal values in different
    bands never collide), and is signed so it fits PostgreSQL's bigint as it is.
    """
    return band_keys_many([sig])[0]


def band_keys_many(sigs: Sequence[Signature]) -> list[list[int]]:
    """:func:`band_keys` of every signature, hashed in one numpy pass: a loader batch needs
    the keys of a thousand signatures, and one call per signature cost more than the hashing."""
    if not len(sigs):
        return []
    matrix = np.asarray(sigs, dtype=np.uint32).reshape(len(sigs), BANDS, ROWS)
    rows = matrix.astype(np.uint64)
    acc = np.broadcast_to(_BAND_SALT, (len(sigs), BANDS)).copy()
    for row in range(ROWS):
        acc = acc * _POLY + rows[:, :, row]
    keys = _fmix(acc, 64).view(np.int64).tolist()
    empty = (matrix == _EMPTY).all(axis=(1, 2)).tolist()
    return [[] if is_blank else item for item, is_blank in zip(keys, empty, strict=True)]


def similarity(sig_a: Signature, sig_b: Signature) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets (0.0 if either is empty)."""
    return float(similarities(sig_a.reshape(1, -1), sig_b.reshape(1, -1))[0])


def similarities(sigs_a: npt.NDArray[np.uint32], sigs_b: npt.NDArray[np.uint32]) -> npt.NDArray:
    """:func:`similarity` of each row of ``sigs_a`` with the same row of ``sigs_b``, in one
    numpy comparison (the index probe scores all its candidate pairs at once)."""
    scores = np.count_nonzero(sigs_a == sigs_b, axis=1) / NUM_PERM
    empty = (sigs_a == _EMPTY).all(axis=1) | (sigs_b == _EMPTY).all(axis=1)
    scores[empty] = 0.0
    return scores


def candidate_probability(jaccard: float) -> float:
    """How likely two texts of this Jaccard similarity share at least one band (the LSH
    S-curve, 1 - (1 - s^ROWS)^BANDS): 0.87 at 0.5, 0.99 at 0.6, 0.12 at 0.25."""
    return 1.0 - (1.0 - jaccard**ROWS) ** BANDS


@dataclass(frozen=True, slots=True)
class BatchMatch(Generic[K]):
    """An item of a batch that copies an earlier item of the same batch."""

    earlier: K
    similarity: float


def match_within(
    items: Sequence[tuple[K, Signature]],
    threshold: float,
    keys_of: Sequence[list[int]] | None = None,
) -> dict[K, BatchMatch[K]]:
    """Near-duplicates inside one batch: each item against the items before it (the earliest
    copy is the original). Pure, in memory, linear in the batch size thanks to the bands.
    ``keys_of`` are the items' band keys when the caller has them already.
    """
    if keys_of is None:
        keys_of = band_keys_many([sig for _, sig in items])
    matches: dict[K, BatchMatch[K]] = {}
    for position, earlier in sorted(_sharing_a_band(keys_of).items()):
        key, sig = items[position]
        best: tuple[float, int] | None = None
        for other in sorted(earlier):  # ties go to the earliest item
            score = similarity(sig, items[other][1])
            if score >= threshold and (best is None or score > best[0]):
                best = (score, other)
        if best is not None:
            original = items[best[1]][0]
            # Point at the original, not at another copy of it.
            if original in matches:
                original = matches[original].earlier
            matches[key] = BatchMatch(original, best[0])
    return matches


def flatten_keys(
    keys_of: Sequence[list[int]],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """Every band key of a batch in one array, with the position of the item it belongs to."""
    counts = [len(keys) for keys in keys_of]
    flat = np.fromiter(chain.from_iterable(keys_of), dtype=np.int64, count=sum(counts))
    return flat, np.repeat(np.arange(len(keys_of)), counts)


def _sharing_a_band(keys_of: Sequence[list[int]]) -> dict[int, set[int]]:
    """For each position that shares a band key with earlier positions, those positions.

    Sorting every (key, position) pair at once in numpy leaves Python work only for the few
    keys that repeat: a batch of a thousand distinct stories has 32,000 keys and no repeats.
    """
    flat, owner = flatten_keys(keys_of)
    order = np.lexsort((owner, flat))
    flat, owner = flat[order], owner[order]
    repeats = np.flatnonzero(flat[1:] == flat[:-1]) + 1
    if not len(repeats):
        return {}
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    group_start = starts[np.searchsorted(starts, repeats, side="right") - 1]
    owners = owner.tolist()
    found: dict[int, set[int]] = {}
    for index, start in zip(repeats.tolist(), group_start.tolist(), strict=True):
        position = owners[index]
        earlier = {other for other in owners[start:index] if other != position}
        if earlier:
            found.setdefault(position, set()).update(earlier)
    return found
