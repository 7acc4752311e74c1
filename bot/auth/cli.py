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

from bot.auth.models import ROLES
from bot.auth.passwords import WeakPassword, check_strength
from bot.auth.service import AuthError, StaffAuth
from bot.config import Settings
from bot.db import make_engine, make_sessionmaker, migrate

PASSWORD_ENV = "ASSISTANT_NEW_USER_PASSWORD"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot user", description="Quản lý tài khoản cán bộ.")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="tạo tài khoản")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", default="", help="họ và tên")
    commands.add_parser("list", help="liệt kê tài khoản")
    disable = commands.add_parser("disable", help="khoá tài khoản (đăng xuất ngay)")
    disable.add_argument("username")
    enable = commands.add_parser("enable", help="mở khoá tài khoản")
    enable.add_argument("username")
    role = commands.add_parser("role", help="đổi vai trò")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES)
    password = commands.add_parser("password", help="đặt mật khẩu mới (đăng xuất mọi phiên)")
    password.add_argument("username")
    return parser


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


def main(argv: list[str], settings: Settings | None = None) -> int:
    """Run one ``user`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    auth = open_auth(settings or Settings())
    try:
        if args.command == "create":
            user = auth.create_user(args.username, args.role, _read_password(), args.name)
            print(f"Đã tạo tài khoản {user.username} ({user.role}).")
        elif args.command == "list":
            for user in auth.list_users():
                state = "hoạt động" if user.active else "đã khoá"
                print(f"{user.username:<24} {user.role:<11} {state:<10} {user.full_name}")
        elif args.command == "disable":
            auth.disable_user(args.username)
            print(f"Đã khoá tài khoản {args.username.strip().lower()}.")
        elif args.command == "enable":
            auth.enable_user(args.username)
            print(f"Đã mở khoá tài khoản {args.username.strip().lower()}.")
        elif args.command == "role":
            auth.set_role(args.username, args.role)
            print(f"Đã đổi vai trò của {args.username.strip().lower()} thành {args.role}.")
        else:
            auth.set_password(args.username, _read_password())
            print(f"Đã đặt mật khẩu mới cho {args.username.strip().lower()}.")
    except (AuthError, WeakPassword) as error:
        print(f"Lỗi: {error}", file=sys.stderr)
        return 1
    return 0
