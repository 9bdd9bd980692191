"""Pitboard's extraction, cleaning, deduplication and storage layer.

Nothing here imports ``crawler`` or ``flows``: the dependency arrow points into ``etl``.
"""
