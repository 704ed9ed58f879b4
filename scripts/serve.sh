#!/usr/bin/env bash
# The main job on a fresh machine: install Dateline, index seeds/, serve the site on
# http://127.0.0.1:8080/ (embedded Whoosh index in index/). Usage: bash scripts/serve.sh [--host H] [--port P]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
dateline reindex seeds/
exec dateline serve "$@"
