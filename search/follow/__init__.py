"""Live intake (``dateline follow``): poll feeds and sitemaps, fetch new articles politely,
clean them and add them to the index through the reindex pipeline.

Modules: ``fetch`` (the HTTP client: politeness, caps, retries), ``robots``, ``feeds``
(feeds, sitemaps, OPML, URL lists), ``state`` (the SQLite state file), ``schedule``
(adaptive intervals, backoff), ``poller`` (one poll: feeds, then pages, then the index),
``status`` (what the status command and the web pages show).

Nothing is imported here: the web pages read the state (``status``) without loading the
HTTP client, feedparser or trafilatura.
"""
