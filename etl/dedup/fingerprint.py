"""Content fingerprints: texts that differ only in spacing, case or Unicode form are one text."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Fold the differences that do not change what an article says."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def content_hash(text: str) -> str:
    """Hex SHA-256 of the normalised text: the key for exact duplicates."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()
