#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs the test dependencies (Python packages,
# Debian's Chromium for the browser tests, the Typesense server binary), then runs lint,
# types and every test, slow ones included. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=test source scripts/venv.sh
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing Debian's chromium for the browser tests" >&2
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "test.sh: chromium missing and not root: browser tests will be skipped" >&2
  fi
fi
bash scripts/install-typesense.sh
ruff check search web tests benchmarks
ruff format --check search web tests benchmarks
mypy
python -m pytest "$@"
