#!/bin/sh
# One-off schema step, run by the `migrate` service before any gateway replica starts (so replicas
# never create tables concurrently). `python -m bot db upgrade` is the project's migration command;
# until a release has it (the CLI then answers with its usage text and exit status 2), the tables
# are created the way the gateway itself does at start-up (create_all: adds missing tables only).
set -eu
status=0
python -m bot db upgrade || status=$?
if [ "$status" -eq 2 ]; then
  echo "migrate: 'python -m bot db upgrade' not available in this release; creating missing tables" >&2
  python - <<'PY'
from bot.config import Settings  # an older release: modules at their old places
from bot.db import create_schema, make_engine

engine = make_engine(Settings().database_url)
create_schema(engine)
engine.dispose()
print("migrate: schema ready")
PY
  exit 0
fi
exit "$status"
