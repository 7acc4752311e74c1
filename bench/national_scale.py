"""Scale on this machine with the national catalog: import + index from cold, restart, publishing
one FAQ live, search latency on the portal's real questions and the gateway's memory.

    python bench/national_scale.py [--source ../shared/catalog] [--workdir var/bench-national]
                                   [--skip-cold]

Everything runs as it does for a centre: ``python -m knowledge_base load-national`` in a
subprocess, then the real gateway (uvicorn, SQLite) started twice on the result (the first start
also stores every record in the staff store; the second is a plain restart), queried over HTTP.
Rasa is not started: the figures are the gateway's own.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge_base.schema import Faq  # noqa: E402
from knowledge_base.service import KnowledgeBase  # noqa: E402

SOURCE = ROOT.parent / "shared" / "catalog"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def memory_kb(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def start_gateway(env: dict[str, str], port: int) -> tuple[subprocess.Popen[bytes], float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bot.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = started + 300
    while time.perf_counter() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise SystemExit("the gateway stopped during start-up")
        time.sleep(0.2)
    process.kill()
    raise SystemExit("the gateway did not start within 5 minutes")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=str(SOURCE))
    parser.add_argument("--workdir", default=str(ROOT / "var" / "bench-national"))
    parser.add_argument("--skip-cold", action="store_true", help="reuse the last import and index")
    args = parser.parse_args()
    work = Path(args.workdir)
    data, cache = work / "data", work / "index"
    questions = [json.loads(line)["question"] for line in
                 (Path(args.source) / "national" / "dev_questions.jsonl").read_text("utf-8").splitlines()
                 if line.strip()]

    if not args.skip_cold:
        shutil.rmtree(work, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "knowledge_base", "--cache-dir", str(cache),
                        "load-national", args.source, "--data-dir", str(data)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"import + index from cold: {time.perf_counter() - started:.1f} s")

    env = {**os.environ, "ASSISTANT_KB_DATA_DIR": str(data), "ASSISTANT_KB_CACHE_DIR": str(cache),
           "ASSISTANT_DATABASE_URL": f"sqlite:///{work / 'assistant.db'}",
           "ASSISTANT_RASA_URL": f"http://127.0.0.1:{free_port()}",
           "ASSISTANT_RATE_LIMITS_ENABLED": "false"}   # one client asks all questions
    (work / "assistant.db").unlink(missing_ok=True)
    for attempt in ("first start (stores every record for staff)", "restart, catalog unchanged"):
        port = free_port()
        process, seconds = start_gateway(env, port)
        print(f"gateway {attempt}: ready in {seconds:.1f} s")
        if attempt.startswith("restart"):
            break
        process.terminate()
        process.wait(timeout=30)
    try:
        documents = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5).json()["documents"]
        timings = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            client.get("/api/search", params={"q": "khởi động"})
            for question in questions:
                begun = time.perf_counter()
                client.get("/api/search", params={"q": question[:500], "kind": "all"}).raise_for_status()
                timings.append((time.perf_counter() - begun) * 1000)
        memory = memory_kb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(f"search over HTTP, {len(questions)} real questions, {documents:,} documents: "
          f"p50 {percentile(timings, 0.5):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms, "
          f"p99 {percentile(timings, 0.99):.1f} ms")
    print(f"gateway memory after the searches: resident {memory['VmRSS'] / 1024:.0f} MB, "
          f"peak {memory['VmHWM'] / 1024:.0f} MB")

    kb = KnowledgeBase.open(data, cache_dir=cache)
    publish = []
    for number in range(5):
        faq = Faq(id=f"bench-faq-{number}", question=f"Lịch tiếp nhận hồ sơ dịp nghỉ lễ đợt {number} thế nào?",
                  answer="Trung tâm tiếp nhận hồ sơ trực tuyến suốt kỳ nghỉ; quầy mở lại sau kỳ nghỉ.")
        begun = time.perf_counter()
        kb.upsert_faq(faq)
        publish.append(time.perf_counter() - begun)
        assert kb.search(faq.question, kind="faq", top=1)[0].id == faq.id
    print(f"publish one FAQ live ({len(kb.index):,} documents): "
          f"median {percentile(publish, 0.5) * 1000:.0f} ms, max {max(publish) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
