#!/usr/bin/env bash
# Writes Tortoise migrations for model changes: scripts/makemigrations.sh NAME
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/makemigrations.sh NAME}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" _makemigrations_config.py' EXIT
cat > _makemigrations_config.py <<PY
from models.db import tortoise_config
TORTOISE_ORM = tortoise_config("sqlite:///$tmp/empty.sqlite3")
PY
tortoise -c _makemigrations_config.TORTOISE_ORM makemigrations --name "$name"
