"""Staff accounts from the command line.

    python -m bot user create USERNAME --role ROLE [--name "Họ và tên"]
    python -m bot user list
    python -m bot user disable USERNAME
    python -m bot user enable USERNAME
    python -m bot user role USERNAME ROLE
    python -m bot user password USERNAME   (ends the account's sessions)

The password is asked twice (not echoed), or read from ASSISTANT_NEW_USER_PASSWORD for scripts.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable

from bot.auth.models import ROLES
from bot.auth.passwords import WeakPassword, check_strength
from bot.auth.service import AuthError, StaffAuth
from bot.core.config import Settings
from bot.core.db import make_engine, make_sessionmaker, migrate

PASSWORD_ENV = "ASSISTANT_NEW_USER_PASSWORD"


def add_commands(commands: argparse._SubParsersAction) -> None:
    """The ``user`` subcommands, each with its handler in ``func``."""
    create = commands.add_parser("create", help="tạo tài khoản")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", default="", help="họ và tên")
    create.set_defaults(func=cmd_create)
    commands.add_parser("list", help="liệt kê tài khoản").set_defaults(func=cmd_list)
    disable = commands.add_parser("disable", help="khoá tài khoản (đăng xuất ngay)")
    disable.add_argument("username")
    disable.set_defaults(func=cmd_disable)
    enable = commands.add_parser("enable", help="mở khoá tài khoản")
    enable.add_argument("username")
    enable.set_defaults(func=cmd_enable)
    role = commands.add_parser("role", help="đổi vai trò")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES)
    role.set_defaults(func=cmd_role)
    password = commands.add_parser("password", help="đặt mật khẩu mới (đăng xuất mọi phiên)")
    password.add_argument("username")
    password.set_defaults(func=cmd_password)


def _read_password() -> str:
    password = os.environ.get(PASSWORD_ENV)
    if password is not None:
        return password
    first = getpass.getpass("Mật khẩu: ")
    check_strength(first)
    if getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise AuthError("Hai lần nhập mật khẩu không khớp.")
    return first


def open_auth(settings: Settings) -> StaffAuth:
    migrate(settings.database_url)  # an account can be created before the gateway first starts
    engine = make_engine(settings.database_url)
    return StaffAuth(make_sessionmaker(engine))


def _refusable(command: Callable[[StaffAuth, argparse.Namespace], str]) -> Callable[[argparse.Namespace], int]:
    """A handler that prints its result, or the refusal (in Vietnamese) with exit status 1."""
    def handler(args: argparse.Namespace) -> int:
        auth = open_auth(getattr(args, "settings", None) or Settings())
        try:
            print(command(auth, args))
        except (AuthError, WeakPassword) as error:
            print(f"Lỗi: {error}", file=sys.stderr)
            return 1
        return 0
    return handler


@_refusable
def cmd_create(auth: StaffAuth, args: argparse.Namespace) -> str:
    user = auth.create_user(args.username, args.role, _read_password(), args.name)
    return f"Đã tạo tài khoản {user.username} ({user.role})."


@_refusable
def cmd_list(auth: StaffAuth, args: argparse.Namespace) -> str:
    return "\n".join(f"{user.username:<24} {user.role:<11} {'hoạt động' if user.active else 'đã khoá':<10} "
                     f"{user.full_name}" for user in auth.list_users())


@_refusable
def cmd_disable(auth: StaffAuth, args: argparse.Namespace) -> str:
    auth.disable_user(args.username)
    return f"Đã khoá tài khoản {args.username.strip().lower()}."


@_refusable
def cmd_enable(auth: StaffAuth, args: argparse.Namespace) -> str:
    auth.enable_user(args.username)
    return f"Đã mở khoá tài khoản {args.username.strip().lower()}."


@_refusable
def cmd_role(auth: StaffAuth, args: argparse.Namespace) -> str:
    auth.set_role(args.username, args.role)
    return f"Đã đổi vai trò của {args.username.strip().lower()} thành {args.role}."


@_refusable
def cmd_password(auth: StaffAuth, args: argparse.Namespace) -> str:
    auth.set_password(args.username, _read_password())
    return f"Đã đặt mật khẩu mới cho {args.username.strip().lower()}."


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    """``python -m bot user …`` on its own (tests pass their ``settings``)."""
    parser = argparse.ArgumentParser(prog="python -m bot user", description="Quản lý tài khoản cán bộ.")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    args.settings = settings
    return int(args.func(args))
