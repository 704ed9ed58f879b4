"""The embedded Whoosh engine (the default): an index in ``index/`` on this machine."""
