"""Identity and deduplication: what makes two URLs one page and two texts one story.

URL identity (``urls``, shared by the crawler and the loader), exact fingerprints
(``fingerprint``), MinHash signatures (``neardup``), the PostgreSQL-backed LSH index
(``neardup_index``) and a story's keys (``identity``).
"""
