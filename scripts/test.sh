#!/usr/bin/env bash
# The whole test suite from a fresh machine: installs what it needs (the package with its test
# extras, Debian's chromium for the browser tests and npm for axe-core), then lint, types and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_MKDOCS_2_WARNING=1 PIP_DISABLE_PIP_VERSION_CHECK=1

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing Debian's chromium for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "== installing Debian's nodejs and npm for axe-core"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

echo "== installing the package with its test dependencies"
python3 -m pip install -q -e ".[test]"

echo "== installing axe-core for the browser tests' accessibility run"
npm ci --prefix tests/browser/axe --no-audit --no-fund --loglevel=error

echo "== lint"
ruff check plugins tests scripts
mypy

echo "== tests"
python3 -m pytest -q
