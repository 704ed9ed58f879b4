# Sourced by serve.sh and test.sh: create .venv (once) and install the project into it.
# EXTRAS=test installs the test dependencies too. Re-running only installs what changed.
python3 -m venv .venv
# shellcheck disable=SC1091
source .venv/bin/activate
stamp=".venv/.installed-${EXTRAS:-main}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  python -m pip install --quiet --disable-pip-version-check --upgrade pip
  python -m pip install --quiet --disable-pip-version-check -e ".${EXTRAS:+[$EXTRAS]}"
  touch "$stamp"
fi
