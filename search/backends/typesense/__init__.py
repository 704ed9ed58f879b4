"""The Typesense engine: a one-node or clustered ``typesense-server`` over HTTP."""
