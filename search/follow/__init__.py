"""Live intake (``dateline follow``): poll feeds and sitemaps, fetch new articles politely,
clean them and add them to the index through the reindex pipeline.

Modules: ``fetch`` (the HTTP client: politeness, caps, retries), ``robots``, ``feeds``
(feeds, sitemaps, OPML, URL lists), ``state`` (the SQLite state file), ``schedule``
(adaptive intervals, backoff), ``poller`` (one poll: feeds, then pages, then the index).
"""

from search.follow.fetch import Politeness
from search.follow.poller import Follower, PollReport, politeness_from
from search.follow.state import FILE as STATE_FILE

__all__ = ["STATE_FILE", "Follower", "PollReport", "Politeness", "politeness_from"]
