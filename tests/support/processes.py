"""Commands started now and read later, so that slow ones (loading TensorFlow and a model) run
side by side on the machine's cores instead of one after the other."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path


class Started:
    """A command running in the background, its output captured; ``result`` waits for it once."""

    def __init__(self, command: Sequence[str], cwd: Path, timeout: float = 900) -> None:
        self._process = subprocess.Popen(list(command), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True)
        self._timeout = timeout
        self._result: subprocess.CompletedProcess[str] | None = None

    def result(self) -> subprocess.CompletedProcess[str]:
        """Wait for the command (at most ``timeout`` seconds from now) and return what it did."""
        if self._result is None:
            try:
                stdout, stderr = self._process.communicate(timeout=self._timeout)
            except subprocess.TimeoutExpired:
                self.stop()
                raise
            self._result = subprocess.CompletedProcess(self._process.args, self._process.returncode, stdout, stderr)
        return self._result

    def stop(self) -> None:
        """Kill the command if it is still running (a test that never asked for its result)."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.communicate()
