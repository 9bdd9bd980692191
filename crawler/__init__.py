"""Pitboard's Scrapy project: site descriptions, one generic spider, and the raw-page pipeline."""
