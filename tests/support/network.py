"""Local ports for servers the tests start."""

from __future__ import annotations

import random
import socket
from pathlib import Path

_LOWEST = 10000
_handed_out: set[int] = set()


def free_port() -> int:
    """A free port below the kernel's ephemeral range. A port the kernel hands out (bind to 0) can
    be taken as the source port of any outgoing connection before a slow server binds it: Rasa binds
    only after loading its model, and once lost 78 tests to "address already in use"."""
    below = _ephemeral_start()
    if below - _LOWEST > 1000:
        for _ in range(100):
            port = random.randrange(_LOWEST, below)
            if port not in _handed_out and _can_bind(port):
                _handed_out.add(port)
                return port
    with socket.socket() as s:   # no room below the range: the kernel's choice
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _can_bind(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768   # Linux's default
