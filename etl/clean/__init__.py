"""Cleaning: one fetched page in, its kind, text, metadata and racing entities out.

Pure functions over bytes, lxml trees and strings; nothing here touches a network or a
database. ``cleaner.clean_page`` is the entry point; ``records`` holds the shapes a page takes
between the stages (as fetched, as cleaned). Kept import-free so that the spider process,
which only needs ``records``, does not load trafilatura.
"""
