"""``python -m bot db upgrade | current | check``: the database schema, for operators and CI."""

from __future__ import annotations

import sys

USAGE = """python -m bot db upgrade   bring the database to the latest schema (adopts create_all databases)
python -m bot db current   print the database's revision and the latest one
python -m bot db check     exit 1 if the models differ from the migrations (a migration is missing)"""


def main(args: list[str]) -> int:
    from bot.config import Settings
    from bot.db import MigrationError, current_revision, head_revision, migrate, schema_differences

    command = args[0] if args else ""
    url = Settings().database_url
    if command == "upgrade":
        try:
            migrate(url)
        except MigrationError as error:
            print(f"migrate: {error}", file=sys.stderr)
            return 1
        print(f"migrate: database at revision {current_revision(url)}")
        return 0
    if command == "current":
        print(f"database: {current_revision(url) or 'none (no migration history)'}\nlatest:   {head_revision()}")
        return 0
    if command == "check":
        if current_revision(url) != head_revision():
            print("check: the database is not at the latest revision; run `python -m bot db upgrade` first",
                  file=sys.stderr)
            return 1
        differences = schema_differences(url)
        for difference in differences:
            print(f"check: not in any migration: {difference}", file=sys.stderr)
        return 1 if differences else 0
    print(USAGE)
    return 2
