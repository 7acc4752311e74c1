"""Load test of the REST chat: many citizens holding short multi-turn conversations (prints figures).

Each simulated citizen plays a short Vietnamese script — a greeting (sometimes), a question about a
procedure (with or without diacritics), one or two follow-ups ("lệ phí bao nhiêu", "mất bao lâu"…),
then "cảm ơn" or "tạm biệt" — waiting for each reply and thinking a few seconds between turns.

Pacing is open-loop: messages are scheduled at ``--rate`` per second (Poisson arrivals) whatever
the server does, and each is given to a citizen who is free (reply received, think time over). When
every citizen is busy a new one joins, up to ``--max-citizens``, so a slow server shows up as
latency, not as a lower offered load. Latency is measured from the scheduled send time to the
end of the reply, so time queued in this client (connection limit) counts too.

With ``--rasa-url`` the same kind of conversations also go straight to Rasa's REST channel in the
same run, interleaved message by message with the gateway's (``--rate`` is then split evenly),
and the gateway's added latency is printed.

    python bench/load_chat.py --url http://127.0.0.1:8000 --duration 30 --rate 2
    python bench/load_chat.py --url https://chatbot.example.gov.vn --rasa-url http://127.0.0.1:5005 \
        --citizens 50 --rate 10 --duration 300 --warmup 30

The last line printed is a one-line JSON summary. Run it only against servers you operate.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import math
import random
import ssl
import sys
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

GREETINGS = ["xin chào", "chào bạn", "chao ban", "alo", "xin chào, cho mình hỏi chút", "hi em", ""]
QUESTIONS = [
    "làm căn cước công dân cần những giấy tờ gì",
    "lam can cuoc cong dan can giay to gi",
    "thủ tục đổi giấy phép lái xe",
    "thu tuc doi gplx",
    "đăng ký khai sinh cho con cần gì",
    "dang ky khai sinh cho con can gi",
    "xin cấp lại cccd bị mất",
    "cap lai cccd bi mat thi lam sao",
    "làm lý lịch tư pháp ở đâu",
    "lam llttp o dau",
    "đăng ký kết hôn cần những gì",
    "dang ky ket hon can nhung gi",
    "xin giấy phép xây dựng nhà ở riêng lẻ",
    "đăng ký thường trú cho con",
    "dang ky thuong tru",
    "cấp hộ chiếu phổ thông lần đầu",
    "chung thuc ban sao giay to",
    "đăng ký hộ kinh doanh cá thể",
]
FOLLOW_UPS = ["lệ phí bao nhiêu", "le phi bao nhieu", "mất bao lâu", "bao lau thi co ket qua",
              "nộp ở đâu", "nop online dc ko", "cần mang giấy tờ gì", "phí bao nhiêu vậy"]
CLOSINGS = ["cảm ơn", "cam on nhe", "tạm biệt", "ok cảm ơn bạn", "thanks", "tam biet"]

# The gateway's own stand-in replies (bot/conversation/texts.py RASA_DOWN, SILENT): polite, but not the bot's
# answer, so they count as errors here ("outage_reply", "silent_reply").
FALLBACK_REPLIES = {"trợ lý ảo đang tạm gián đoạn": "outage_reply", "em chưa trả lời được câu này": "silent_reply"}
RESERVOIR = 50_000   # latency samples kept per target: percentiles stay exact-ish, memory stays bounded


class HttpError(Exception):
    """The request failed before a complete response: ``kind`` is what the report counts."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class KeepAliveClient:
    """The least HTTP/1.1 this benchmark needs: JSON POSTs over a pool of keep-alive connections.

    The client shares the two cores with the servers it measures. For the same 35 s at 10 msg/s,
    httpx used 1.04 s of CPU and this one 0.34 s, most of it Python starting. It parses only a
    status line, headers, and a Content-Length or chunked body.
    """

    def __init__(self, url: str, connections: int, timeout: float, insecure: bool = False) -> None:
        parts = urlsplit(url)
        self.host, self.path = parts.hostname or "127.0.0.1", parts.path or "/"
        self.tls = parts.scheme == "https"
        self.port = parts.port or (443 if self.tls else 80)
        self.authority = parts.netloc
        self.timeout, self.connect_timeout = timeout, min(5.0, timeout)
        self.ssl: ssl.SSLContext | None = None
        if self.tls:
            self.ssl = ssl.create_default_context()
            if insecure:
                self.ssl.check_hostname, self.ssl.verify_mode = False, ssl.CERT_NONE
        self.slots = asyncio.Semaphore(connections)
        self.idle: collections.deque = collections.deque()

    async def post_json(self, payload: dict) -> tuple[int, bytes]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        head = (f"POST {self.path} HTTP/1.1\r\nHost: {self.authority}\r\nUser-Agent: assistant-load-bench/1\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        async with self.slots:
            try:
                return await asyncio.wait_for(self._exchange(head + body), self.timeout)
            except TimeoutError:
                raise HttpError("timeout") from None

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        reused = bool(self.idle)
        if reused:
            reader, writer = self.idle.pop()
        else:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.host, self.port, ssl=self.ssl), self.connect_timeout)
            except (TimeoutError, OSError):
                raise HttpError("connect_error") from None
        try:
            writer.write(request)
            status, body, keep = await self._read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            writer.close()
            if reused:   # the server closed an idle connection: once more on a fresh one
                return await self._exchange(request)
            raise HttpError("protocol_error") from None
        except BaseException:
            writer.close()   # a timeout mid-response leaves the connection unusable
            raise
        if keep:
            self.idle.append((reader, writer))
        else:
            writer.close()
        return status, body

    @staticmethod
    async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
        status_line = await reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        headers: dict[bytes, bytes] = {}
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            chunks = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await reader.readexactly(size + 2))
            await reader.readuntil(b"\r\n")
            body = b"".join(chunk[:-2] for chunk in chunks)
        else:
            body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
        return status, body, headers.get(b"connection", b"").lower() != b"close"

    async def aclose(self) -> None:
        while self.idle:
            self.idle.pop()[1].close()


def make_script(rng: random.Random) -> list[str]:
    """One citizen's conversation: 2–5 messages."""
    script = []
    greeting = rng.choice(GREETINGS)
    if greeting:
        script.append(greeting)
    script.append(rng.choice(QUESTIONS))
    script.extend(rng.sample(FOLLOW_UPS, rng.choice([0, 1, 1, 2])))
    script.append(rng.choice(CLOSINGS))
    return script


class Reservoir:
    """At most ``size`` samples (Algorithm R), plus exact count and maximum."""

    def __init__(self, rng: random.Random, size: int = RESERVOIR) -> None:
        self.rng, self.size, self.samples, self.count, self.max = rng, size, [], 0, 0.0

    def add(self, value: float) -> None:
        self.count += 1
        self.max = max(self.max, value)
        if len(self.samples) < self.size:
            self.samples.append(value)
        else:
            slot = self.rng.randrange(self.count)
            if slot < self.size:
                self.samples[slot] = value

    def percentile(self, q: float) -> float | None:
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        rank = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
        return ordered[rank]


@dataclass
class Target:
    name: str
    url: str
    client: KeepAliveClient
    rng: random.Random
    ready: collections.deque = field(default_factory=collections.deque)   # citizens free to talk
    citizens: int = 0           # citizens currently in a conversation (talking, thinking or ready)
    joined: int = 0             # citizens started in the whole run
    extra: int = 0              # joined because every citizen was busy at a scheduled send
    offered: int = 0            # messages scheduled in the measured window
    unsent: int = 0             # scheduled but no citizen could take it (--max-citizens reached)
    ok: int = 0
    errors: collections.Counter = field(default_factory=collections.Counter)
    latency: Reservoir | None = None

    def __post_init__(self) -> None:
        self.latency = Reservoir(self.rng)


@dataclass
class Citizen:
    sender: str
    script: list[str]
    turn: int = 0


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.run_id = uuid.uuid4().hex[:8]
        self.targets: list[Target] = []
        self.tasks: set[asyncio.Task] = set()      # every pending task (requests and think times)
        self.sends: set[asyncio.Task] = set()      # requests in flight
        self.measure_from = 0.0
        self.measure_to = 0.0
        self.max_lag = 0.0

    def add_target(self, name: str, url: str, connections: int) -> None:
        url = url.rstrip("/") + "/webhooks/rest/webhook"
        client = KeepAliveClient(url, connections, self.args.timeout, self.args.insecure)
        self.targets.append(Target(name, url, client, random.Random(self.rng.random())))

    def new_citizen(self, target: Target) -> Citizen:
        target.citizens += 1
        target.joined += 1
        return Citizen(f"bench-{self.run_id}-{target.name}-{target.joined}", make_script(target.rng))

    def think(self) -> float:
        mean = self.args.think
        return self.rng.uniform(0.5 * mean, 1.5 * mean)

    async def become_ready(self, target: Target, citizen: Citizen, delay: float) -> None:
        await asyncio.sleep(delay)
        target.ready.append(citizen)

    def spawn(self, coro, request: bool = False) -> None:  # type: ignore[no-untyped-def]
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        if request:
            self.sends.add(task)
            task.add_done_callback(self.sends.discard)

    async def send(self, target: Target, citizen: Citizen, scheduled: float) -> None:
        text = citizen.script[citizen.turn]
        measured = self.measure_from <= scheduled < self.measure_to
        kind = None
        try:
            status, raw = await target.client.post_json({
                "sender": citizen.sender, "message": text, "message_id": uuid.uuid4().hex})
            if status != 200:
                kind = f"http_{status}"
            else:
                try:
                    body = json.loads(raw)
                except ValueError:
                    kind = "bad_json"
                else:
                    if not isinstance(body, list) or not any(
                            isinstance(m, dict) and (m.get("text") or m.get("buttons") or m.get("custom"))
                            for m in body):
                        kind = "empty_reply"
                    else:
                        first = str(body[0].get("text") or "") if isinstance(body[0], dict) else ""
                        kind = next((k for phrase, k in FALLBACK_REPLIES.items() if phrase in first), None)
        except HttpError as error:
            kind = error.kind
        elapsed = time.monotonic() - scheduled
        if measured:
            if kind is None:
                target.ok += 1
                target.latency.add(elapsed)
            else:
                target.errors[kind] += 1
        citizen.turn += 1
        if citizen.turn < len(citizen.script) and kind not in ("timeout", "connect_error"):
            self.spawn(self.become_ready(target, citizen, self.think()))
        else:
            # Conversation over (or the citizen gave up): someone else starts one after a while.
            target.citizens -= 1
            if target.citizens < self.args.citizens_per_target:
                self.spawn(self.become_ready(target, self.new_citizen(target), self.think()))

    async def run(self) -> None:
        args = self.args
        per_target = max(1, args.citizens // len(self.targets))
        args.citizens_per_target = per_target
        max_per_target = max(per_target, args.max_citizens // len(self.targets))
        for target in self.targets:
            for _ in range(per_target):   # arrive spread over the first think time
                self.spawn(self.become_ready(target, self.new_citizen(target), self.rng.uniform(0, args.think)))
        start = time.monotonic()
        self.measure_from = start + args.warmup
        self.measure_to = self.measure_from + args.duration
        next_at = start
        index = 0
        while True:
            next_at += self.rng.expovariate(args.rate) if args.arrivals == "poisson" else 1 / args.rate
            if next_at >= self.measure_to:
                break
            delay = next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.max_lag = max(self.max_lag, time.monotonic() - next_at)
            target = self.targets[index % len(self.targets)]
            index += 1
            measured = next_at >= self.measure_from
            if measured:
                target.offered += 1
            if target.ready:
                citizen = target.ready.popleft()
            elif target.citizens < max_per_target:
                citizen = self.new_citizen(target)
                target.extra += 1
            else:
                if measured:
                    target.unsent += 1
                continue
            self.spawn(self.send(target, citizen, next_at), request=True)
        # Let the last replies arrive (bounded by the request timeout), then stop the thinkers.
        if self.sends:
            await asyncio.wait(set(self.sends), timeout=args.timeout + 5)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for target in self.targets:
            await target.client.aclose()

    def report(self) -> dict:
        args = self.args
        summary: dict = {"duration_s": args.duration, "warmup_s": args.warmup, "rate_target": args.rate,
                         "arrivals": args.arrivals, "client_max_lag_ms": round(self.max_lag * 1000, 1)}
        print(f"\nLoad: {args.rate:g} msg/s offered ({args.arrivals}) for {args.duration:g} s after "
              f"{args.warmup:g} s warm-up; think {args.think:g} s; timeout {args.timeout:g} s")
        print(f"{'target':<8} {'offered/s':>9} {'achieved/s':>10} {'ok':>6} {'err':>5} {'unsent':>6} "
              f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'citizens':>8}")
        for target in self.targets:
            lat = target.latency
            pct = {q: lat.percentile(q) for q in (50, 95, 99)}
            ms = {q: (round(v * 1000, 1) if v is not None else None) for q, v in pct.items()}
            errors = sum(target.errors.values())
            row = {"offered_per_s": round(target.offered / args.duration, 2),
                   "achieved_per_s": round(target.ok / args.duration, 2), "ok": target.ok, "errors": errors,
                   "errors_by_kind": dict(target.errors), "unsent": target.unsent,
                   "p50_ms": ms[50], "p95_ms": ms[95], "p99_ms": ms[99],
                   "max_ms": round(lat.max * 1000, 1) if lat.count else None,
                   "citizens": target.joined, "extra_citizens": target.extra}
            summary[target.name] = row

            def cell(v: float | None) -> str:
                return f"{v:8.1f}" if v is not None else f"{'-':>8}"

            print(f"{target.name:<8} {row['offered_per_s']:>9.2f} {row['achieved_per_s']:>10.2f} {target.ok:>6} "
                  f"{errors:>5} {target.unsent:>6} {cell(ms[50])} {cell(ms[95])} {cell(ms[99])} "
                  f"{cell(row['max_ms'])} {target.joined:>8}")
        for target in self.targets:
            if target.errors:
                kinds = ", ".join(f"{k}: {v}" for k, v in target.errors.most_common())
                print(f"errors ({target.name}): {kinds}")
            if target.unsent:
                print(f"{target.name}: {target.unsent} scheduled messages found no free citizen "
                      f"(--max-citizens {args.max_citizens}); the server could not keep up with the offered load")
        gw, rasa = summary.get("gateway"), summary.get("rasa")
        if gw and rasa and gw["p50_ms"] is not None and rasa["p50_ms"] is not None:
            overhead = {"p50_ms": round(gw["p50_ms"] - rasa["p50_ms"], 1),
                        "p95_ms": round(gw["p95_ms"] - rasa["p95_ms"], 1),
                        "p50_ratio": round(gw["p50_ms"] / rasa["p50_ms"], 2) if rasa["p50_ms"] else None,
                        "p95_ratio": round(gw["p95_ms"] / rasa["p95_ms"], 2) if rasa["p95_ms"] else None}
            summary["gateway_overhead"] = overhead
            print(f"gateway overhead: p50 +{overhead['p50_ms']} ms (×{overhead['p50_ratio']}), "
                  f"p95 +{overhead['p95_ms']} ms (×{overhead['p95_ratio']})")
        if self.max_lag > 0.05:
            print(f"warning: this client fell {self.max_lag * 1000:.0f} ms behind its schedule; "
                  f"latencies include that — run it on another machine or lower --rate")
        return summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default="http://127.0.0.1:8000", help="the gateway (or nginx in front of it)")
    p.add_argument("--rasa-url", default="", help="also send straight to Rasa's REST channel, interleaved")
    p.add_argument("--citizens", type=int, default=20, help="citizens in conversation at once (split per target)")
    p.add_argument("--max-citizens", type=int, default=0, help="cap when all are busy (default 10 × --citizens)")
    p.add_argument("--duration", type=float, default=30.0, help="measured seconds (after --warmup)")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds of load before measuring")
    p.add_argument("--rate", type=float, default=2.0, help="messages per second offered, all targets together")
    p.add_argument("--arrivals", choices=["poisson", "uniform"], default="poisson")
    p.add_argument("--think", type=float, default=4.0, help="mean think time between a reply and the next turn, s")
    p.add_argument("--connections", type=int, default=64, help="HTTP connection limit per target")
    p.add_argument("--timeout", type=float, default=30.0, help="per-request timeout, s")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--insecure", action="store_true", help="accept a self-signed TLS certificate")
    args = p.parse_args(argv)
    if args.rate <= 0 or args.duration <= 0 or args.citizens <= 0 or args.timeout <= 0 or args.warmup < 0:
        p.error("--rate, --duration, --citizens and --timeout must be positive, --warmup not negative")
    args.max_citizens = args.max_citizens or 10 * args.citizens
    if args.duration * args.rate > 1_000_000:
        p.error("more than a million messages: shorten --duration or lower --rate")
    return args


async def amain(args: argparse.Namespace) -> dict:
    bench = Bench(args)
    bench.add_target("gateway", args.url, args.connections)
    if args.rasa_url:
        bench.add_target("rasa", args.rasa_url, args.connections)
    for target in bench.targets:   # a quick look first: a wrong URL should not take --duration to show
        try:
            status, _ = await target.client.post_json({"sender": f"bench-{bench.run_id}-probe", "message": "xin chào"})
        except HttpError as error:
            sys.exit(f"{target.name}: {target.url} does not answer: {error.kind}")
        if status != 200:
            sys.exit(f"{target.name}: {target.url} answers HTTP {status}")
    await bench.run()
    return bench.report()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    summary = asyncio.run(amain(args))
    print(json.dumps(summary, ensure_ascii=False, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
