"""``python -m bot``: every command of the gateway in one argparse tree, in the style of
``python -m knowledge_base`` (subcommands, each handler in ``func``, exit status returned).

    python -m bot [run]      # everything, in the foreground (bot/launcher.py)
    python -m bot prepare    # only train / build what is out of date
    python -m bot user …     # staff accounts: create, list, disable… (bot/auth/cli.py)
    python -m bot db …       # database schema: upgrade, current, check (bot/migrations/cli.py)
"""

from __future__ import annotations

import argparse
import os

from bot import launcher
from bot.auth import cli as user_cli
from bot.migrations import cli as db_cli


def cmd_run(args: argparse.Namespace) -> int:
    return launcher.run(int(os.environ.get("ASSISTANT_PORT", "8000")), int(os.environ.get("RASA_PORT", "5005")))


def cmd_prepare(args: argparse.Namespace) -> int:
    launcher.prepare()
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m bot", description="Trợ lý ảo dịch vụ công: cổng (gateway) và Rasa")
    commands = root.add_subparsers(dest="command")
    commands.add_parser("run", help="chạy Rasa và cổng (mặc định)").set_defaults(func=cmd_run)
    commands.add_parser("prepare", help="chỉ huấn luyện / xây chỉ mục khi đã cũ").set_defaults(func=cmd_prepare)
    user = commands.add_parser("user", help="tài khoản cán bộ")
    user_cli.add_commands(user.add_subparsers(dest="user_command", required=True))
    db = commands.add_parser("db", help="lược đồ cơ sở dữ liệu")
    db_cli.add_commands(db.add_subparsers(dest="db_command", required=True))
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handler = getattr(args, "func", cmd_run)   # ``python -m bot`` alone runs everything
    return int(handler(args))
