"""Dateline: full-text search for news articles, with actor, country and date facets."""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())

__version__ = "0.1.0"
