"""Faults under traffic, on the production shape of bench/cluster.py (prints pass/fail lines and figures).

    .venv/bin/python bench/faults.py                    # every scenario: a b c d e
    .venv/bin/python bench/faults.py --only a,c --citizens 6

Scenarios, each while citizens hold multi-turn conversations through nginx's public port:

    a  kill -9 one gateway replica, restart it after a while (as a supervisor would)
    b  kill -9 one Rasa replica, restart it
    c  restart PostgreSQL (service postgresql restart)
    d  restart Redis (shutdown + start with the running server's own settings)
    e  Rasa down entirely: the outage reply and its "Gặp nhân viên" button with an agent online,
       then Rasa back and the conversations continue

Checks after each, from the gateway's database: every message the client got a 200 for is in
``messages`` exactly once (a unique ``message_id`` per message); dossiers filed and payment orders
created before the fault are there exactly once, orders settled on the sandbox pay page during the
fault are paid exactly once (one ``dossier_payments`` row); the citizen always got a polite reply
or a handoff (a 5xx, a transport error or an empty answer counts against it unless the single
retry with the same ``message_id`` got a polite reply — both are reported); and the service
resumes by itself (every message sent after the recovery point gets a normal bot answer).

The client retries once, 1 s later, with the same ``message_id``. Run it only on a machine you own:
it restarts the local PostgreSQL and Redis servers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import random
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
import psycopg  # noqa: E402
from cluster import Cluster  # noqa: E402
from load_chat import make_script  # noqa: E402

RASA_DOWN_START = "Xin lỗi Anh/Chị, trợ lý ảo đang tạm gián đoạn"
SILENT_HINT = "chưa trả lời được"          # texts.SILENT (checked loosely, reported as degraded)
PASSWORD = "Bench-" + uuid.uuid4().hex[:12]
CSRF_FORM = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


# ---- what a client saw ------------------------------------------------------------------------------
@dataclass
class Exchange:
    sender: str
    text: str
    message_id: str
    start: float
    end: float = 0.0
    first: str = ""            # "200", "http_502", "connect_error", "timeout"…
    retry: str = ""            # same, for the single retry ("" when not needed)
    acked: bool = False        # some attempt got HTTP 200
    replies: list[dict] = field(default_factory=list)
    kind: str = ""             # normal | outage | handoff | silent | empty | failed

    @property
    def polite(self) -> bool:
        return self.kind in ("normal", "outage", "handoff", "silent")

    @property
    def latency(self) -> float:
        return self.end - self.start


def classify(replies: list[dict]) -> str:
    texts = " ".join(str(r.get("text") or "") for r in replies)
    if not replies or not any(r.get("text") or r.get("buttons") or r.get("custom") for r in replies):
        return "empty"
    if texts.startswith(RASA_DOWN_START):
        return "outage"
    if "vị trí số" in texts or "gọi lại" in texts:      # bot/handoff/texts.py: queued, still waiting, callback
        return "handoff"
    return "normal"


class Traffic:
    """Citizens chatting through the public port until stopped; every exchange is kept."""

    def __init__(self, url: str, citizens: int, think: float, tag: str, seed: int = 1) -> None:
        self.url = url.rstrip("/") + "/webhooks/rest/webhook"
        self.citizens, self.think, self.tag = citizens, think, tag
        self.rng = random.Random(seed)
        self.exchanges: list[Exchange] = []
        self.stopping = False
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=5.0))
        self.tasks: list[asyncio.Task] = []
        self.senders: list[str] = []
        self.t0 = time.monotonic()

    def start(self) -> None:
        for i in range(self.citizens):
            self.tasks.append(asyncio.create_task(self.citizen(i)))

    async def stop(self) -> None:
        self.stopping = True
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.client.aclose()

    async def citizen(self, index: int) -> None:
        rng = random.Random(self.rng.random())
        await asyncio.sleep(rng.uniform(0, self.think))
        conversation = 0
        while not self.stopping:
            conversation += 1
            sender = f"{self.tag}-c{index}-{conversation}"
            self.senders.append(sender)
            for text in make_script(rng):
                if self.stopping:
                    return
                await self.say(sender, text)
                await asyncio.sleep(rng.uniform(0.5 * self.think, 1.5 * self.think))

    async def say(self, sender: str, text: str, record: bool = True) -> Exchange:
        exchange = Exchange(sender, text, uuid.uuid4().hex, time.monotonic())
        for attempt in (1, 2):
            outcome, replies = await self.post(sender, text, exchange.message_id)
            if attempt == 1:
                exchange.first = outcome
            else:
                exchange.retry = outcome
            if outcome == "200":
                exchange.acked = True
                exchange.replies = replies
                exchange.kind = classify(replies)
                if exchange.kind != "empty":
                    break
            else:
                exchange.kind = "failed"
            if attempt == 1:
                await asyncio.sleep(1.0)
        exchange.end = time.monotonic()
        if record:
            self.exchanges.append(exchange)
        return exchange

    async def post(self, sender: str, text: str, message_id: str) -> tuple[str, list[dict]]:
        try:
            response = await self.client.post(self.url, json={"sender": sender, "message": text,
                                                              "message_id": message_id})
        except httpx.TimeoutException:
            return "timeout", []
        except httpx.ConnectError:
            return "connect_error", []
        except httpx.HTTPError as error:
            return type(error).__name__, []
        if response.status_code != 200:
            return f"http_{response.status_code}", []
        try:
            body = response.json()
        except ValueError:
            return "bad_json", []
        return "200", [m for m in body if isinstance(m, dict)] if isinstance(body, list) else []


# ---- checks -----------------------------------------------------------------------------------------
class Report:
    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[tuple[bool, str, str]] = []
        self.figures: dict[str, object] = {}

    def check(self, ok: bool, what: str, detail: str = "") -> None:
        self.lines.append((ok, what, detail))
        print(f"{'PASSED' if ok else 'FAILED'} {self.name}::{what}" + (f"  — {detail}" if detail else ""), flush=True)

    def figure(self, key: str, value: object) -> None:
        self.figures[key] = value
        print(f"       {self.name}: {key} = {value}", flush=True)

    @property
    def passed(self) -> int:
        return sum(1 for ok, _, _ in self.lines if ok)


def plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def db_query(cluster: Cluster, sql: str, params: tuple = ()) -> list[tuple]:
    for attempt in range(30):          # the database may just be coming back (scenario c)
        try:
            with psycopg.connect(plain_url(cluster.gateway_db_url), connect_timeout=5) as connection:
                return list(connection.execute(sql, params).fetchall())
        except psycopg.OperationalError:
            if attempt == 29:
                raise
            time.sleep(1)
    return []


def check_messages(cluster: Cluster, traffic: Traffic, report: Report) -> None:
    senders = sorted({e.sender for e in traffic.exchanges})
    rows = db_query(cluster, """
        SELECT c.sender_id, m.platform_message_id, count(*) FROM messages m JOIN conversations c
          ON c.id = m.conversation_id
         WHERE c.channel = 'web' AND m.direction = 'in' AND c.sender_id = ANY(%s)
         GROUP BY 1, 2""", (senders,))
    stored = {(s, mid): n for s, mid, n in rows}
    acked = [e for e in traffic.exchanges if e.acked]
    lost = [e for e in acked if stored.get((e.sender, e.message_id), 0) == 0]
    doubled = [k for k, n in stored.items() if n > 1]
    unacked_stored = [e for e in traffic.exchanges if not e.acked and stored.get((e.sender, e.message_id))]
    out_rows = db_query(cluster, """
        SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE c.channel = 'web' AND m.direction = 'out' AND c.sender_id = ANY(%s)""", (senders,))
    report.figure("messages sent / acknowledged (200) / stored in", f"{len(traffic.exchanges)} / {len(acked)} / "
                  f"{sum(stored.values())}; bot/staff replies stored {out_rows[0][0]}")
    report.check(not lost, "every acknowledged message stored", f"{len(lost)} lost of {len(acked)}")
    report.check(not doubled, "no message stored twice", f"{len(doubled)} duplicated")
    if unacked_stored:
        report.figure("stored but never acknowledged (client saw an error)", len(unacked_stored))


def check_replies(traffic: Traffic, report: Report, recovered_at: float, allow_outage: bool) -> None:
    ex = traffic.exchanges
    kinds: dict[str, int] = {}
    for e in ex:
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    first_errors: dict[str, int] = {}
    for e in ex:
        if e.first != "200" or (e.first == "200" and e.retry):
            key = f"{e.first}→{e.retry or '-'}"
            first_errors[key] = first_errors.get(key, 0) + 1
    report.figure("outcomes", json.dumps(kinds, ensure_ascii=False))
    report.figure("first attempt not a reply → retry", json.dumps(first_errors) if first_errors else "none")
    impolite = [e for e in ex if not e.polite]
    detail = "; ".join(f"{e.first}→{e.retry or '-'} {e.kind} “{e.text}”" for e in impolite[:5])
    report.check(not impolite, "every message got a polite reply or a handoff (after ≤ 1 retry)",
                 f"{len(impolite)} without: {detail}" if impolite else f"{len(ex)} messages")
    if not allow_outage:
        outages = [e for e in ex if e.kind == "outage"]
        report.figure("outage replies (“trợ lý ảo đang tạm gián đoạn”)", len(outages))
    after = [e for e in ex if e.start >= recovered_at]
    bad_after = [e for e in after if e.kind != "normal" or e.first != "200"]
    report.check(bool(after) and not bad_after, "service resumed by itself (normal answers after recovery)",
                 f"{len(after) - len(bad_after)}/{len(after)} normal after recovery")
    report.figure("longest disruption seen by a client (s)", round(longest_disruption(ex), 1))
    report.figure("slowest exchange incl. retry (s)", round(max((e.latency for e in ex), default=0), 2))


def longest_disruption(exchanges: list[Exchange]) -> float:
    """From the start of a disrupted exchange (error, outage reply, empty, > 5 s) to the end of the
    first normal exchange that started after it; overlapping windows merged."""
    ordered = sorted(exchanges, key=lambda e: e.start)
    disrupted = [e for e in ordered if e.kind != "normal" or e.first != "200" or e.latency > 5]
    longest, i = 0.0, 0
    while i < len(disrupted):
        begin = disrupted[i].start
        last = disrupted[i]
        j = i
        while j + 1 < len(disrupted):
            following = [e for e in ordered if e.start > last.start and e.kind == "normal" and e.first == "200"
                         and e.latency <= 5]
            end = following[0].end if following else ordered[-1].end
            if disrupted[j + 1].start < end:
                j += 1
                last = disrupted[j]
            else:
                break
        following = [e for e in ordered if e.start > last.start and e.kind == "normal" and e.first == "200"
                     and e.latency <= 5]
        end = following[0].end if following else ordered[-1].end
        longest = max(longest, end - begin)
        i = j + 1
    return longest


# ---- dossiers and payments --------------------------------------------------------------------------
class Money:
    """Dossiers filed straight into the registry, fee orders via POST /api/payments (sandbox)."""

    def __init__(self, cluster: Cluster, tag: str) -> None:
        self.cluster, self.tag = cluster, tag
        self.codes: list[str] = []
        self.orders: dict[str, dict] = {}        # order_id → {code, pay_url}
        self.settled: dict[str, str] = {}        # order_id → how ("303 via nginx", …)
        self.settle_failures: dict[str, str] = {}

    def file_dossiers(self, count: int) -> None:
        from bot.core.db import make_engine, make_sessionmaker
        from bot.dossiers.backend import Applicant, DossierDraft
        from bot.dossiers.registry import EmbeddedRegistry
        from knowledge_base.loaders import load_catalog
        from knowledge_base.service import KnowledgeBase

        kb = KnowledgeBase(load_catalog(), None)  # type: ignore[arg-type]  # the registry reads procedures only
        engine = make_engine(self.cluster.gateway_db_url)
        registry = EmbeddedRegistry(make_sessionmaker(engine), kb)
        procedure = kb.procedure("doi-gplx")
        assert procedure is not None
        for i in range(count):
            draft = DossierDraft(procedure_id="doi-gplx",
                                 applicant=Applicant("Nguyễn Văn Thử", "079090001234", dt.date(1990, 5, 17),
                                                     "0912345678", "12 Lê Lợi, phường 1"),
                                 fields={f.name: "giá trị thử" for f in procedure.form_fields}, documents=[],
                                 channel="web", sender_id=f"{self.tag}-payer-{i}")
            self.codes.append(asyncio.run(registry.file(draft)).code)
        engine.dispose()

    def create_orders(self) -> None:
        for code in self.codes:
            response = httpx.post(f"{self.cluster.public_url}/api/payments",
                                  json={"dossier_code": code, "provider": "sandbox", "proof": "5678"},  # phone's last 4
                                  timeout=30)
            if response.status_code == 201:
                body = response.json()
                self.orders[body["order_id"]] = {"code": code, "pay_url": body["pay_url"]}
            else:
                print(f"       create order for {code}: HTTP {response.status_code} {response.text[:200]}")

    async def settle(self, order_id: str) -> None:
        """Open the pay page and click "Thanh toán". The sandbox bank keeps its transactions in the
        memory of the replica that created the order: through nginx the page is found on that
        replica only, so try nginx twice, then each replica directly."""
        path = self.orders[order_id]["pay_url"].split("/sandbox-pay/", 1)[1]
        bases = [(self.cluster.public_url, "via nginx"), (self.cluster.public_url, "via nginx (2nd)")]
        bases += [(r.url, f"direct to gateway {r.index}") for r in self.cluster.gateway_replicas]
        tried = []
        async with httpx.AsyncClient(timeout=20, follow_redirects=False) as client:
            for base, how in bases:
                url = f"{base}/sandbox-pay/{path}"
                try:
                    page = await client.get(url)
                    if page.status_code != 200:
                        tried.append(f"{how}: {page.status_code}")
                        continue
                    token = FORM_TOKEN.search(page.text)
                    if not token:
                        tried.append(f"{how}: no form")
                        continue
                    done = await client.post(url, data={"action": "pay", "form_token": token.group(1)})
                    if done.status_code == 303:
                        self.settled[order_id] = how
                        return
                    tried.append(f"{how}: POST {done.status_code}")
                except httpx.HTTPError as error:
                    tried.append(f"{how}: {type(error).__name__}")
        self.settle_failures[order_id] = "; ".join(tried)

    def check(self, report: Report, settle_wait: float = 90.0) -> None:
        rows = db_query(self.cluster, "SELECT code, count(*) FROM dossiers WHERE code = ANY(%s) GROUP BY code",
                        (self.codes,))
        counts = dict(rows)
        report.check(all(counts.get(c) == 1 for c in self.codes), "dossiers filed before the fault: each once",
                     f"{sum(counts.values())} rows for {len(self.codes)} dossiers")
        ids = list(self.orders)
        deadline = time.monotonic() + settle_wait
        while True:
            orders = {oid: (status, code) for oid, status, code in db_query(
                self.cluster, "SELECT id, status, dossier_code FROM payment_orders WHERE dossier_code = ANY(%s)",
                (self.codes,))}
            paid_rows = dict(db_query(self.cluster, """
                SELECT p.order_id, count(*) FROM dossier_payments p WHERE p.order_id = ANY(%s) GROUP BY 1""", (ids,)))
            waiting = [o for o in self.settled if orders.get(o, ("",))[0] != "paid" or paid_rows.get(o) != 1]
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(3)
        per_dossier: dict[str, int] = {}
        for _oid, (_status, code) in orders.items():
            per_dossier[code] = per_dossier.get(code, 0) + 1
        report.check(set(ids) <= set(orders) and all(n == 1 for n in per_dossier.values()),
                     "payment orders: each created order stored, one per dossier",
                     f"{len(orders)} orders for {len(self.codes)} dossiers ({len(ids)} created via API)")
        report.figure("pay page reached", json.dumps(self.settled, ensure_ascii=False) if self.settled else "none")
        if self.settle_failures:
            report.figure("pay page not reached", json.dumps(self.settle_failures, ensure_ascii=False))
        report.check(not waiting and bool(self.settled),
                     "orders paid during the fault: paid, applied to the dossier once",
                     f"{len(self.settled) - len(waiting)}/{len(self.settled)} paid, one dossier_payments row each"
                     + (f"; not (yet): {[(o, orders.get(o), paid_rows.get(o)) for o in waiting]}" if waiting else ""))
        unpaid = [o for o in ids if o not in self.settled and orders.get(o, ("",))[0] == "paid"]
        report.check(not unpaid, "orders not settled stay unpaid", f"{len(unpaid)} paid without a click")


# ---- staff (scenario e) -----------------------------------------------------------------------------
def create_volunteer(cluster: Cluster, username: str) -> None:
    env = {**cluster.gateway_env(), "ASSISTANT_NEW_USER_PASSWORD": PASSWORD}
    done = subprocess.run([sys.executable, "-m", "bot", "user", "create", username, "--role", "volunteer",
                           "--name", "Tình nguyện viên thử"], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"user create failed: {done.stdout} {done.stderr}")


def staff_online(cluster: Cluster, username: str) -> tuple[int, str]:
    with httpx.Client(base_url=cluster.public_url, timeout=20, follow_redirects=False) as client:
        page = client.get("/staff/login")
        token = CSRF_FORM.search(page.text)
        assert token, "no login csrf token"
        login = client.post("/staff/login", data={"username": username, "password": PASSWORD,
                                                  "csrf_token": token.group(1), "next": "/staff/console"})
        if login.status_code != 303:
            return login.status_code, f"login failed: {login.text[:200]}"
        console = client.get("/staff/console")
        meta = CSRF_META.search(console.text)
        if not meta:
            return console.status_code, "no csrf meta on the console"
        presence = client.post("/staff/console/api/presence", json={"status": "online"},
                               headers={"X-CSRF-Token": meta.group(1)})
        return presence.status_code, presence.text[:200]


# ---- faults -----------------------------------------------------------------------------------------
def restart_postgresql() -> float:
    started = time.monotonic()
    subprocess.run(["service", "postgresql", "restart"], check=True, capture_output=True)
    return time.monotonic() - started


def restart_redis() -> tuple[float, str]:
    """``service redis-server restart`` does not manage this server (started by hand, no pid file):
    shut it down and start it again with the running server's own settings."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379)
    settings = {key: client.config_get(key)[key] for key in ("bind", "port", "save", "dir", "appendonly",
                                                            "protected-mode")}
    before = client.info("server")["process_id"]
    started = time.monotonic()
    with contextlib.suppress(redis.ConnectionError):
        client.shutdown(nosave=settings["save"] == "")
    command = ["redis-server", "--bind", *settings["bind"].split(), "--port", settings["port"], "--save",
               settings["save"], "--dir", settings["dir"], "--appendonly", settings["appendonly"],
               "--protected-mode", settings["protected-mode"], "--daemonize", "yes"]
    subprocess.run(command, check=True, cwd=settings["dir"])
    for _ in range(100):
        try:
            if redis.Redis(host="127.0.0.1", port=6379).ping():
                break
        except redis.ConnectionError:
            time.sleep(0.1)
    after = redis.Redis(host="127.0.0.1", port=6379).info("server")["process_id"]
    return time.monotonic() - started, f"pid {before} → {after}"


async def scenario(cluster: Cluster, name: str, args: argparse.Namespace) -> Report:
    report = Report(name)
    tag = f"f{name}{uuid.uuid4().hex[:6]}"
    money = Money(cluster, tag)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, money.file_dossiers, args.dossiers)
    await loop.run_in_executor(None, money.create_orders)
    traffic = Traffic(cluster.public_url, args.citizens, args.think, tag)
    traffic.start()
    await asyncio.sleep(args.before)
    to_settle = list(money.orders)[: max(1, len(money.orders) // 2)]
    fault_at = time.monotonic()
    recovered_at = fault_at

    if name == "a":
        cluster.kill("gateway", 0)
        await asyncio.gather(*(money.settle(o) for o in to_settle))
        await asyncio.sleep(args.down)
        ok = await loop.run_in_executor(None, cluster.restart, "gateway", 0)
        report.check(ok, "killed gateway restarted and healthy")
        recovered_at = time.monotonic() + 2
    elif name == "b":
        cluster.kill("rasa", 0)
        await asyncio.gather(*(money.settle(o) for o in to_settle))
        await asyncio.sleep(args.down)
        t = time.monotonic()
        ok = await loop.run_in_executor(None, cluster.restart, "rasa", 0)
        report.check(ok, "killed Rasa restarted and has its model loaded")
        report.figure("Rasa replica reload time (s)", round(time.monotonic() - t, 1))
        recovered_at = time.monotonic() + 2
    elif name == "c":
        settle = asyncio.gather(*(money.settle(o) for o in to_settle))
        took = await loop.run_in_executor(None, restart_postgresql)
        await settle
        report.figure("service postgresql restart took (s)", round(took, 1))
        recovered_at = time.monotonic() + 5
    elif name == "d":
        settle = asyncio.gather(*(money.settle(o) for o in to_settle))
        took, detail = await loop.run_in_executor(None, restart_redis)
        await settle
        report.figure("Redis restart took (s)", f"{took:.1f} ({detail})")
        recovered_at = time.monotonic() + 5
    elif name == "e":
        username = f"tnv{uuid.uuid4().hex[:6]}"
        await loop.run_in_executor(None, create_volunteer, cluster, username)
        status, text = await loop.run_in_executor(None, staff_online, cluster, username)
        report.check(status == 200 and "online" in text, "volunteer logged in, presence online", f"{status} {text}")
        for index in range(len(cluster.rasa_replicas)):
            cluster.kill("rasa", index, sig=15)
        await asyncio.gather(*(money.settle(o) for o in to_settle))
        await asyncio.sleep(args.down)
        # A citizen asks; gets the outage reply with the button; taps it.
        asker = Traffic(cluster.public_url, 0, 0, tag + "h")
        hand_senders = [f"{tag}-h{i}" for i in range(2)]
        outage_ok, queued_ok = [], []
        for sender in hand_senders:
            first = await asker.say(sender, "thủ tục đổi giấy phép lái xe")
            buttons = [b.get("title") for r in first.replies for b in (r.get("buttons") or [])]
            outage_ok.append(first.kind == "outage" and "Gặp nhân viên" in buttons)
            tap = await asker.say(sender, "/request_human")
            queued_ok.append(tap.kind == "handoff" or bool(tap.replies and tap.kind != "outage"))
            report.figure(f"{sender} tap reply", " | ".join(str(r.get("text"))[:90] for r in tap.replies))
            traffic.exchanges += [first, tap]
        report.check(all(outage_ok), "outage reply with the “Gặp nhân viên” button while Rasa is down",
                     f"{sum(outage_ok)}/{len(outage_ok)}")
        rows = await loop.run_in_executor(None, db_query, cluster, """SELECT c.sender_id, h.status FROM handoffs h
            JOIN conversations c ON c.id = h.conversation_id WHERE c.sender_id = ANY(%s)""", (hand_senders,))
        report.check(len(rows) == len(hand_senders) and all(s in ("waiting", "active") for _, s in rows),
                     "tapping it queues the conversation for a person", f"handoffs: {rows}")
        t = time.monotonic()
        restarted = await asyncio.gather(*(loop.run_in_executor(None, cluster.restart, "rasa", i)
                                           for i in range(len(cluster.rasa_replicas))))
        report.check(all(restarted), "both Rasa replicas back")
        report.figure("Rasa back after (s)", round(time.monotonic() - t, 1))
        # nginx marked both upstreams failed while Rasa was away and tries them again only after
        # fail_timeout (3 s): until then it answers 502 and the gateway its outage reply.
        recovered_at = time.monotonic() + 3
        # The handed-off citizens: writing goes to the person; cancelling the wait gives the bot back.
        for sender in hand_senders:
            await asker.say(sender, "/cancel_handoff", record=False)
            after = await asker.say(sender, "lệ phí bao nhiêu")
            traffic.exchanges.append(after)
        await asker.client.aclose()
    await asyncio.sleep(args.after)
    await traffic.stop()
    report.figure("fault to recovery (s)", round(recovered_at - fault_at, 1))
    await asyncio.sleep(2)
    await loop.run_in_executor(None, check_messages, cluster, traffic, report)
    check_replies(traffic, report, recovered_at, allow_outage=name == "e")
    await loop.run_in_executor(None, money.check, report)
    if name == "e":
        continued = [e for e in traffic.exchanges if e.start >= recovered_at]
        report.check(bool(continued) and all(e.kind == "normal" for e in continued),
                     "conversations continue with the bot after Rasa is back",
                     f"{sum(e.kind == 'normal' for e in continued)}/{len(continued)} normal")
    return report


async def amain(args: argparse.Namespace) -> int:
    reports = []
    extra = {"ASSISTANT_PAYMENT_RECONCILE_SECONDS": "10", "ASSISTANT_PAYMENT_RECONCILE_AFTER_MINUTES": "1",
             "ASSISTANT_PAYMENT_API_IP_PER_MINUTE": "0"}   # every order comes from this one address
    loop = asyncio.get_running_loop()
    cluster = Cluster(gateways=2, rasas=2, keep_logs=args.keep_logs, extra_env=extra)
    await loop.run_in_executor(None, cluster.__enter__)
    try:
        print(cluster.describe(), flush=True)
        for name in args.only.split(","):
            print(f"\n==== scenario {name}: {DESCRIPTIONS[name]} ====", flush=True)
            reports.append(await scenario(cluster, name, args))
            for replica in cluster.gateway_replicas + cluster.rasa_replicas:   # next scenario starts whole
                if not replica.alive():
                    await loop.run_in_executor(None, cluster.restart, replica.kind, replica.index)
    finally:
        await loop.run_in_executor(None, cluster.close)
    print("\n==== summary ====")
    for report in reports:
        failed = [what for ok, what, _ in report.lines if not ok]
        print(f"{report.name}: {report.passed}/{len(report.lines)} checks passed"
              + (f"; FAILED: {failed}" if failed else "")
              + f"; longest disruption {report.figures.get('longest disruption seen by a client (s)')} s")
    print(json.dumps({r.name: {"passed": r.passed, "checks": len(r.lines),
                               "failed": [w for ok, w, _ in r.lines if not ok],
                               "figures": {k: str(v) for k, v in r.figures.items()}} for r in reports},
                     ensure_ascii=False))
    return 0 if all(r.passed == len(r.lines) for r in reports) else 1


DESCRIPTIONS = {"a": "kill -9 one gateway replica", "b": "kill -9 one Rasa replica",
                "c": "restart PostgreSQL", "d": "restart Redis", "e": "Rasa down entirely, handoff, back"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", default="a,b,c,d,e", help="comma-separated scenarios")
    p.add_argument("--citizens", type=int, default=6)
    p.add_argument("--think", type=float, default=1.5, help="mean seconds between a reply and the next turn")
    p.add_argument("--before", type=float, default=10.0, help="seconds of traffic before the fault")
    p.add_argument("--down", type=float, default=10.0, help="seconds a killed replica stays down")
    p.add_argument("--after", type=float, default=15.0, help="seconds of traffic after recovery")
    p.add_argument("--dossiers", type=int, default=4)
    p.add_argument("--keep-logs", action="store_true")
    args = p.parse_args(argv)
    return asyncio.run(amain(args))


if __name__ == "__main__":
    raise SystemExit(main())
