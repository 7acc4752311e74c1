"""Real Rasa engines and gateways, started as processes and reached only over HTTP; the Rasa CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import launcher
from tests.support.national import national_catalog, write_catalog
from tests.support.network import free_port
from tests.support.paths import ROOT
from tests.support.processes import Started

# People answer at any hour in the test stack, so handoff tests do not depend on the clock.
# Tests send many messages from one sender quickly; the limits have their own tests (test_ops.py).
ALWAYS_STAFFED = {"ASSISTANT_RATE_LIMITS_ENABLED": "false",
                  "ASSISTANT_HANDOFF_WEEKDAY_HOURS": "00:00-24:00", "ASSISTANT_HANDOFF_SATURDAY_HOURS": "00:00-24:00",
                  "ASSISTANT_HANDOFF_SUNDAY_HOURS": "00:00-24:00", "ASSISTANT_HANDOFF_FOLLOW_HOLIDAYS": "false"}


@dataclass
class Stack:
    """A running Rasa engine and gateway, reached only over HTTP."""

    gateway_url: str
    rasa_url: str
    database_url: str
    logs: Path

    def chat(self, sender: str, message: str, **extra: Any) -> list[dict[str, Any]]:
        response = httpx.post(f"{self.gateway_url}/webhooks/rest/webhook",
                              json={"sender": sender, "message": message, **extra}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()


class StartingStack:
    """Rasa and the gateway, started as processes (with their files in ``work``: a SQLite database,
    the logs) and ``env`` for the gateway; ``ready`` waits until they answer. Rasa spends most of its
    ~20 s start loading TensorFlow and the model on one core: two stacks started together are ready
    in little more than the time of one."""

    def __init__(self, work: Path, env: dict[str, str] | None = None) -> None:
        launcher.train_if_changed()
        gateway_port, rasa_port = free_port(), free_port()
        endpoints = work / "endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{gateway_port}/actions/webhook"\n')
        self.logs = work / "logs.txt"
        self._stack = Stack(f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{rasa_port}",
                            f"sqlite:///{work / 'gateway.db'}", self.logs)
        self._ready = False
        self._rasa = launcher.start_rasa(rasa_port, endpoints, log_file=self.logs)
        try:
            self._gateway = launcher.start_gateway(
                gateway_port, self._stack.rasa_url,
                env={"ASSISTANT_DATABASE_URL": self._stack.database_url, **ALWAYS_STAFFED, **(env or {})},
                log_file=self.logs)
        except BaseException:
            launcher.stop(self._rasa)
            raise

    def ready(self) -> Stack:
        if not self._ready:
            if not launcher.wait_until(f"{self._stack.gateway_url}/ready", 240, self._rasa):
                pytest.fail("Rasa/gateway did not start:\n" + self.logs.read_text()[-4000:])
            self._ready = True
        return self._stack

    def stop(self) -> None:
        launcher.stop(self._gateway)
        launcher.stop(self._rasa)


class Stacks:
    """Stacks by name, each made by its starter: the first one asked for is started together with
    every name in ``expected`` (those the selected tests use), so that they start side by side."""

    def __init__(self, starters: Mapping[str, Callable[[], StartingStack]], expected: Iterable[str]) -> None:
        self._starters = dict(starters)
        wanted = set(expected)
        self._expected = [name for name in self._starters if name in wanted]
        self._started: dict[str, StartingStack] = {}

    def ready(self, name: str) -> Stack:
        for starting in [*self._expected, name]:
            if starting not in self._started:
                self._started[starting] = self._starters[starting]()
        return self._started[name].ready()

    def stop(self) -> None:
        for starting in self._started.values():
            starting.stop()


def start_sample_stack(factory: pytest.TempPathFactory) -> StartingStack:
    """The sample catalog (``knowledge_base/data/``)."""
    return StartingStack(factory.mktemp("stack"))


def start_national_stack(factory: pytest.TempPathFactory) -> StartingStack:
    """The national-portal records of ``tests/support/national.py``."""
    work = factory.mktemp("national")
    data = write_catalog(national_catalog(), work / "catalog")
    return StartingStack(work, env={"ASSISTANT_KB_DATA_DIR": str(data), "ASSISTANT_KB_CACHE_DIR": str(work / "index")})


# The stack fixtures of tests/conftest.py, by name.
STARTERS = {"stack": start_sample_stack, "national_stack": start_national_stack}


def start_rasa_cli(*args: str, timeout: float = 900) -> Started:
    """The Rasa command line (``rasa test …``) in the repository, started now; read it with ``result()``."""
    return Started([str(launcher.rasa_bin()), *args], cwd=ROOT, timeout=timeout)
