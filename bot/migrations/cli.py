"""``python -m bot db upgrade | current | check``: the database schema, for operators and CI."""

from __future__ import annotations

import argparse
import sys


def add_commands(commands: argparse._SubParsersAction) -> None:
    """The ``db`` subcommands, each with its handler in ``func``."""
    commands.add_parser("upgrade", help="đưa cơ sở dữ liệu lên lược đồ mới nhất").set_defaults(func=cmd_upgrade)
    commands.add_parser("current", help="in phiên bản lược đồ hiện tại và mới nhất").set_defaults(func=cmd_current)
    commands.add_parser("check", help="thoát 1 nếu mô hình khác các bản di chuyển").set_defaults(func=cmd_check)


def _url() -> str:
    from bot.core.config import Settings

    return Settings().database_url


def cmd_upgrade(args: argparse.Namespace) -> int:
    """Bring the database to the latest schema (adopts ``create_all`` databases)."""
    from bot.core.db import MigrationError, current_revision, migrate

    url = _url()
    try:
        migrate(url)
    except MigrationError as error:
        print(f"migrate: {error}", file=sys.stderr)
        return 1
    print(f"migrate: database at revision {current_revision(url)}")
    return 0


def cmd_current(args: argparse.Namespace) -> int:
    """Print the database's revision and the latest one."""
    from bot.core.db import current_revision, head_revision

    print(f"database: {current_revision(_url()) or 'none (no migration history)'}\nlatest:   {head_revision()}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 1 if the models differ from the migrations (a migration is missing)."""
    from bot.core.db import current_revision, head_revision
    from bot.schema import schema_differences

    url = _url()
    if current_revision(url) != head_revision():
        print("check: the database is not at the latest revision; run `python -m bot db upgrade` first",
              file=sys.stderr)
        return 1
    differences = schema_differences(url)
    for difference in differences:
        print(f"check: not in any migration: {difference}", file=sys.stderr)
    return 1 if differences else 0
