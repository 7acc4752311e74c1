"""Run the whole assistant on one machine: train Rasa and build the index when their inputs changed,
start the Rasa engine and the gateway, print the addresses, stop both on Ctrl-C.

The commands (``python -m bot run | prepare | user … | db …``) are in ``bot/cli.py``.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import yaml

from bot.ops.file_modes import keep_files_private

ROOT = Path(__file__).resolve().parent.parent
RASA_VENV = Path(os.environ.get("RASA_VENV", ROOT / ".venv-rasa"))
MODEL_DIR = ROOT / "models"
MODEL_NAME = "assistant"
MODEL_FILE = MODEL_DIR / f"{MODEL_NAME}.tar.gz"
RASA_INPUTS = ["config.yml", "domain.yml", "data", "rasa_addons"]
TOKEN_VARIABLE = "ASSISTANT_INTERNAL_TOKEN"


def rasa_bin() -> Path:
    path = RASA_VENV / "bin" / "rasa"
    if not path.exists():
        sys.exit(f"Không thấy Rasa ở {path}. Chạy `make setup` để cài môi trường Rasa (Python 3.10).")
    return path


def rasa_fingerprint(root: Path = ROOT) -> str:
    """Hash of everything a Rasa model is trained from."""
    digest = hashlib.sha256()
    for name in RASA_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def train_if_changed(force: bool = False) -> bool:
    """Train the Rasa model only when config, domain or data changed. Returns True if trained."""
    stamp = MODEL_DIR / f"{MODEL_NAME}.fingerprint"
    MODEL_DIR.mkdir(exist_ok=True)
    # Two test runs on one checkout would otherwise train into the same file at once.
    with (MODEL_DIR / ".train.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        fingerprint = rasa_fingerprint()
        if not force and MODEL_FILE.exists() and stamp.exists() and stamp.read_text() == fingerprint:
            print(f"Mô hình Rasa đã mới ({MODEL_FILE.relative_to(ROOT)}).")
            return False
        print("Đang huấn luyện mô hình Rasa (khoảng 1–2 phút)…", flush=True)
        subprocess.run([str(rasa_bin()), "train", "--fixed-model-name", MODEL_NAME, "--out",
                        str(MODEL_DIR), "--force"], cwd=ROOT, check=True)
        stamp.write_text(fingerprint)
        return True


def build_index() -> None:
    subprocess.run([sys.executable, "-m", "knowledge_base", "build"], cwd=ROOT, check=True)


def prepare() -> None:
    train_if_changed()
    build_index()


def internal_token() -> str:
    """The token Rasa and the gateway share (``ASSISTANT_INTERNAL_TOKEN``), made once per process
    tree when not set: the gateways this process starts inherit it from the environment."""
    return os.environ.setdefault(TOKEN_VARIABLE, secrets.token_urlsafe(32))


def with_action_token(endpoints: Path, token: str) -> Path:
    """A copy of ``endpoints`` whose action endpoint sends ``token`` (readable by this user only)."""
    config = yaml.safe_load(endpoints.read_text()) or {}
    config.setdefault("action_endpoint", {})["token"] = token
    copy = endpoints.with_name(f"{endpoints.stem}.token.yml")
    copy.touch(mode=0o600)
    copy.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    return copy


def start_rasa(port: int, endpoints: Path, log_file: Path | None = None) -> subprocess.Popen[bytes]:
    """Start ``rasa run`` (REST channel + HTTP API behind the internal token) bound to 127.0.0.1."""
    token = internal_token()
    # One argument, "=" joined: a token starting with "-" (1 in 64 made by token_urlsafe) would
    # otherwise read as another option, and Rasa would not start.
    command = [str(rasa_bin()), "run", "--enable-api", f"--auth-token={token}", "--interface", "127.0.0.1",
               "--port", str(port), "--model", str(MODEL_FILE),
               "--endpoints", str(with_action_token(endpoints, token)),
               "--credentials", str(ROOT / "credentials.yml")]
    output = log_file.open("ab") if log_file else None
    return subprocess.Popen(command, cwd=ROOT, env=rasa_environment(), stdout=output,
                            stderr=subprocess.STDOUT, start_new_session=True)


def rasa_environment() -> dict[str, str]:
    """One TensorFlow thread per Rasa process unless set otherwise.

    Each message is one small prediction; TensorFlow's default thread pools (one thread per core)
    only add hand-offs, and several replicas on one machine would fight over the same cores.
    Measured: 25.5 → 22.7 ms of CPU per message.
    """
    return {"TF_INTER_OP_PARALLELISM_THREADS": "1", "TF_INTRA_OP_PARALLELISM_THREADS": "1",
            "OMP_NUM_THREADS": "1", **os.environ}


def start_gateway(port: int, rasa_url: str, env: dict[str, str] | None = None,
                  log_file: Path | None = None) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "bot.main:app", "--host", "127.0.0.1",
               "--port", str(port), "--no-access-log"]
    # Pay links and callbacks point at the gateway itself unless a public address is configured.
    internal_token()
    environment = {"ASSISTANT_PUBLIC_URL": f"http://127.0.0.1:{port}", **os.environ,
                   "ASSISTANT_RASA_URL": rasa_url, **(env or {})}
    output = log_file.open("ab") if log_file else None
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output,
                            stderr=subprocess.STDOUT, start_new_session=True)


def wait_until(url: str, timeout: float, process: subprocess.Popen[bytes] | None = None,
               ok: Sequence[int] = (200,)) -> bool:
    """Poll ``url`` until it answers with an ``ok`` status; False on timeout or process exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            if httpx.get(url, timeout=2.0).status_code in ok:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL if it does not leave in time."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(gateway_port: int = 8000, rasa_port: int = 5005) -> int:
    # Ctrl-C, and a service manager's SIGTERM, both stop the two servers cleanly (installed
    # explicitly: a shell that starts us in the background would have SIGINT ignored).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    keep_files_private()   # Rasa's tracker database and the gateway's files: this user only
    prepare()
    endpoints = ROOT / "var" / "endpoints.yml"
    endpoints.parent.mkdir(exist_ok=True)
    endpoints.write_text((ROOT / "endpoints.yml").read_text().replace(
        "http://127.0.0.1:8000/", f"http://127.0.0.1:{gateway_port}/"))
    rasa = start_rasa(rasa_port, endpoints)
    gateway = start_gateway(gateway_port, f"http://127.0.0.1:{rasa_port}")
    try:
        print("Đang khởi động Rasa và cổng (gateway)…", flush=True)
        if not wait_until(f"http://127.0.0.1:{gateway_port}/health", 120, gateway):
            print("Cổng (gateway) không khởi động được.", file=sys.stderr)
            return 1
        if not wait_until(f"http://127.0.0.1:{gateway_port}/ready", 180, rasa):
            print("Rasa không khởi động được.", file=sys.stderr)
            return 1
        print(f"\n  Trò chuyện trên web:  http://127.0.0.1:{gateway_port}/\n"
              f"  API (OpenAPI):        http://127.0.0.1:{gateway_port}/docs\n"
              f"  REST chat:            POST http://127.0.0.1:{gateway_port}/webhooks/rest/webhook\n"
              f"  Rasa (nội bộ):        http://127.0.0.1:{rasa_port}/\n"
              f"\nNhấn Ctrl-C để dừng.", flush=True)
        while rasa.poll() is None and gateway.poll() is None:
            time.sleep(0.5)
        print("Một tiến trình đã dừng; đang dừng nốt.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nĐang dừng…", flush=True)
        return 0
    finally:
        stop(gateway)
        stop(rasa)
        print("Đã dừng Rasa và cổng.", flush=True)
