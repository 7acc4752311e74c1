"""The production shape on one machine, for fault and load tests (prints its addresses).

PostgreSQL (a fresh database for the gateway, one for Rasa's SQL tracker store), Redis (Rasa's
lock store, the gateways' pub/sub and leases when ``ASSISTANT_REDIS_URL`` exists), 2 gateway
replicas, 2 Rasa replicas and nginx with three listeners, as in ``deploy/nginx.conf``:

    public   :P  ──▶ gateway × N        (the web chat, REST chat, payments, staff pages)
    actions  :A  ──▶ gateway × N        (Rasa → gateway custom actions)
    rasa     :R  ──▶ rasa × M           (gateway → Rasa, least_conn, retried on 502/503)

    .venv/bin/python bench/cluster.py up               # prints the URLs, Ctrl-C tears it all down
    .venv/bin/python bench/cluster.py up --gateways 2 --rasas 2 --keep-logs

Python:

    with Cluster() as cluster:
        cluster.public_url, cluster.rasa_url, cluster.gateway_db_url, cluster.rasa_db_name
        cluster.kill("gateway", 0)        # SIGKILL, as a crash
        cluster.restart("gateway", 0)     # as a supervisor would, waits until it answers

Needs: PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth), Redis on 127.0.0.1:6379, Debian's
nginx, the two virtual environments and ``models/assistant.tar.gz`` (``python -m bot prepare`` is
run first only when the model is missing). Everything it creates is removed on exit: processes,
both databases, its Redis keys, its temporary directory (unless ``keep_logs``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402

from bot import launcher  # noqa: E402
from bot.conversation.rasa_client import RasaClient, RasaUnavailable  # noqa: E402
from bot.conversation.warmup import warm_rasa  # noqa: E402

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
ALWAYS = "00:00-23:59"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_admin(sql: str, database: str = "postgres") -> None:
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=database, autocommit=True,
                         connect_timeout=10) as connection:
        connection.execute(sql)


def gateway_has_redis_setting() -> bool:
    """``ASSISTANT_REDIS_URL`` is being added to bot/core/config.py; use it only when it is there."""
    from bot.core.config import Settings

    return "redis_url" in Settings.model_fields


@dataclass
class Replica:
    kind: str                       # "gateway" | "rasa"
    index: int
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Cluster:
    gateways: int = 2
    rasas: int = 2
    keep_logs: bool = False
    rate_limits: bool = False        # one client address (the benchmark) would hit the per-IP limit
    extra_env: dict[str, str] = field(default_factory=dict)
    quiet: bool = False

    def __post_init__(self) -> None:
        self.tag = "bench" + secrets.token_hex(4)           # alphanumeric: Rasa's lock-store prefix
        self.dir = Path(tempfile.mkdtemp(prefix=f"{self.tag}-"))
        self.gateway_db = f"{self.tag}_gateway"
        self.rasa_db_name = f"{self.tag}_rasa"
        self.gateway_db_url = f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.gateway_db}"
        self.public_port, self.actions_port, self.rasa_port = free_port(), free_port(), free_port()
        self.public_url = f"http://127.0.0.1:{self.public_port}"
        self.rasa_url = f"http://127.0.0.1:{self.rasa_port}"          # nginx → Rasa replicas
        self.actions_url = f"http://127.0.0.1:{self.actions_port}"    # nginx → gateway replicas
        self.secret_key = secrets.token_hex(32)
        self.sandbox_secret = secrets.token_hex(16)
        self.redis_prefix = self.tag
        self.uses_gateway_redis = False
        self.gateway_replicas = [Replica("gateway", i, free_port(), self.dir / f"gateway{i}.log")
                                 for i in range(self.gateways)]
        self.rasa_replicas = [Replica("rasa", i, free_port(), self.dir / f"rasa{i}.log") for i in range(self.rasas)]
        self.nginx: subprocess.Popen[bytes] | None = None
        self.databases_created: list[str] = []

    # ---- life cycle ----------------------------------------------------------------------------
    def __enter__(self) -> Cluster:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def say(self, text: str) -> None:
        if not self.quiet:
            print(f"[cluster] {text}", flush=True)

    def start(self) -> None:
        if not launcher.MODEL_FILE.exists():
            self.say("models/assistant.tar.gz missing: python -m bot prepare")
            subprocess.run([sys.executable, "-m", "bot", "prepare"], cwd=ROOT, check=True)
        for name in (self.gateway_db, self.rasa_db_name):
            pg_admin(f'CREATE DATABASE "{name}"')
            self.databases_created.append(name)
        self.say(f"databases {self.gateway_db}, {self.rasa_db_name} created")
        migrate = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=self.gateway_env(),
                                 capture_output=True, text=True)
        self.say(f"python -m bot db upgrade → exit {migrate.returncode}: "
                 f"{(migrate.stdout + migrate.stderr).strip().splitlines()[-1:] or ''}")
        if migrate.returncode not in (0, 2):   # 2: a release without the command (tables at start-up)
            raise RuntimeError(f"migration failed:\n{migrate.stdout}\n{migrate.stderr}")
        self.write_nginx_config()
        self.start_nginx()
        for replica in self.rasa_replicas:          # Rasa first: it takes the longest to load
            self.spawn(replica)
        # One gateway after the other: replicas starting together on an empty database race in
        # bot/catalog/startup.py seed_if_empty (check-then-insert), and the loser exits with a
        # UniqueViolation on catalog_items.record_id (reported, not worked around in the app).
        for replica in self.gateway_replicas:
            self.spawn(replica)
            if not self.wait_ready(replica, 180):
                raise RuntimeError(f"gateway {replica.index} did not start; see {replica.log}")
        for replica in self.rasa_replicas:
            if not self.wait_ready(replica, 420):
                raise RuntimeError(f"rasa {replica.index} did not start; see {replica.log}")
        # /ready: Rasa reached and the warm-up done (bot/conversation/warmup.py)
        for replica in self.gateway_replicas:
            if not launcher.wait_until(f"{replica.url}/ready", 180, replica.process):
                raise RuntimeError(f"gateway {replica.index} never became ready (warm); see {replica.log}")
        if not launcher.wait_until(f"{self.public_url}/ready", 60):
            raise RuntimeError("the public /ready does not answer 200")
        self.say("all replicas ready")

    def close(self) -> None:
        for replica in self.gateway_replicas + self.rasa_replicas:
            if replica.process is not None:
                launcher.stop(replica.process, grace=15)
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)
            try:
                self.nginx.wait(10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait()
        for name in self.databases_created:
            try:
                pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except psycopg.Error as error:
                print(f"[cluster] could not drop {name}: {error}", file=sys.stderr)
        self.databases_created.clear()
        self.clear_redis()
        if self.keep_logs:
            self.say(f"logs kept in {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def clear_redis(self) -> None:
        try:
            import redis

            client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=5)
            for db in (0, 1):
                client.execute_command("SELECT", db)
                keys = list(client.scan_iter(f"{self.tag}*", count=500))
                if keys:
                    client.delete(*keys)
            client.close()
        except Exception as error:
            print(f"[cluster] could not clear Redis keys: {error!r}", file=sys.stderr)

    # ---- processes -----------------------------------------------------------------------------
    def gateway_env(self) -> dict[str, str]:
        env = {
            "ASSISTANT_DATABASE_URL": self.gateway_db_url,
            "ASSISTANT_PUBLIC_URL": self.public_url,
            "ASSISTANT_SECRET_KEY": self.secret_key,
            "ASSISTANT_PAYMENT_SANDBOX": "true",
            "ASSISTANT_PAYMENT_SANDBOX_SECRET": self.sandbox_secret,
            "ASSISTANT_ATTACHMENTS_DIR": str(self.dir / "attachments"),
            "ASSISTANT_HANDOFF_WEEKDAY_HOURS": ALWAYS, "ASSISTANT_HANDOFF_SATURDAY_HOURS": ALWAYS,
            "ASSISTANT_HANDOFF_SUNDAY_HOURS": ALWAYS, "ASSISTANT_HANDOFF_FOLLOW_HOLIDAYS": "false",
            "ASSISTANT_RATE_LIMITS_ENABLED": "true" if self.rate_limits else "false",
            "ASSISTANT_TELEGRAM_BOT_TOKEN": "", "ASSISTANT_ZALO_APP_ID": "",
        }
        if gateway_has_redis_setting():
            self.uses_gateway_redis = True
            env["ASSISTANT_REDIS_URL"] = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"
            env["ASSISTANT_REDIS_PREFIX"] = self.redis_prefix
        env.update(self.extra_env)
        return {**os.environ, **env}

    def endpoints_file(self, replica: Replica) -> Path:
        path = self.dir / f"endpoints-rasa{replica.index}.yml"
        path.write_text(f"""action_endpoint:
  url: "{self.actions_url}/actions/webhook"
tracker_store:
  type: SQL
  dialect: "postgresql"
  url: "{PG_HOST}"
  port: {PG_PORT}
  db: "{self.rasa_db_name}"
  username: "{PG_USER}"
lock_store:
  type: redis
  url: "{REDIS_HOST}"
  port: {REDIS_PORT}
  db: 1
  key_prefix: "{self.tag}"
""")
        return path

    def spawn(self, replica: Replica) -> None:
        replica.starts += 1
        with replica.log.open("ab") as log:
            log.write(f"\n==== start #{replica.starts} at {time.strftime('%H:%M:%S')} ====\n".encode())
        if replica.kind == "rasa":
            replica.process = launcher.start_rasa(replica.port, self.endpoints_file(replica), replica.log)
        else:
            env = self.gateway_env()
            replica.process = launcher.start_gateway(replica.port, self.rasa_url, env=env, log_file=replica.log)

    def wait_ready(self, replica: Replica, timeout: float) -> bool:
        if replica.kind == "rasa":
            ok = self._wait_rasa(replica, timeout)
        else:
            ok = launcher.wait_until(f"{replica.url}/health", timeout, replica.process)
        if ok:
            self.say(f"{replica.kind} {replica.index} ready on {replica.url}")
        return ok

    def _wait_rasa(self, replica: Replica, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if replica.process is None or replica.process.poll() is not None:
                return False
            try:
                response = httpx.get(f"{replica.url}/status", params={"token": launcher.internal_token()},
                                     timeout=2.0)
                if response.status_code == 200 and response.json().get("model_file"):
                    return self._warm_rasa(replica)
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(1.0)
        return False

    def _warm_rasa(self, replica: Replica) -> bool:
        """A replica that joins under load must not take it cold (issue #15, item 16)."""
        async def warm() -> float:
            client = RasaClient(replica.url, timeout=60, token=launcher.internal_token())
            try:
                return await warm_rasa(client, f"cluster{replica.index}")
            finally:
                await client.aclose()
        try:
            self.say(f"rasa {replica.index} warmed in {asyncio.run(warm()):.1f} s")
        except RasaUnavailable as error:
            self.say(f"rasa {replica.index} warm-up failed: {error}")
            return False
        return True

    def replica(self, kind: str, index: int) -> Replica:
        return (self.gateway_replicas if kind == "gateway" else self.rasa_replicas)[index]

    def kill(self, kind: str, index: int, sig: int = signal.SIGKILL) -> None:
        """A crash: the whole process group gets ``sig`` (SIGKILL by default)."""
        replica = self.replica(kind, index)
        if replica.alive():
            assert replica.process is not None
            os.killpg(replica.process.pid, sig)
            replica.process.wait()
            self.say(f"{kind} {index} killed ({signal.Signals(sig).name})")

    def restart(self, kind: str, index: int, wait: bool = True, timeout: float = 420) -> bool:
        """Start a dead replica again, as a supervisor would; True when it answers again."""
        replica = self.replica(kind, index)
        if replica.alive():
            return True
        self.spawn(replica)
        self.say(f"{kind} {index} restarting")
        return self.wait_ready(replica, timeout) if wait else True

    # ---- nginx ---------------------------------------------------------------------------------
    def write_nginx_config(self) -> Path:
        (self.dir / "nginx").mkdir(exist_ok=True)
        gateways = "\n".join(f"        server 127.0.0.1:{r.port} max_fails=3 fail_timeout=3s;"
                             for r in self.gateway_replicas)
        rasas = "\n".join(f"        server 127.0.0.1:{r.port} max_fails=3 fail_timeout=3s;"
                          for r in self.rasa_replicas)
        user = "user root;\n" if os.geteuid() == 0 else ""
        config = f"""# generated by bench/cluster.py: the listeners of deploy/nginx.conf on loopback ports, plain HTTP
{user}worker_processes 1;
daemon off;
pid {self.dir}/nginx/nginx.pid;
error_log {self.dir}/nginx/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {self.dir}/nginx/body;
    proxy_temp_path {self.dir}/nginx/proxy;
    fastcgi_temp_path {self.dir}/nginx/fastcgi;
    uwsgi_temp_path {self.dir}/nginx/uwsgi;
    scgi_temp_path {self.dir}/nginx/scgi;
    map $http_x_request_id $req_id {{ default $http_x_request_id; "" $request_id; }}
    map $http_upgrade $connection_upgrade {{ default upgrade; "" ""; }}
    log_format main '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                    'rt=$request_time urt=$upstream_response_time up=$upstream_addr us=$upstream_status rid=$req_id';
    access_log {self.dir}/nginx/access.log main buffer=64k flush=1s;
    client_max_body_size 12m;
    client_body_buffer_size 128k;
    keepalive_timeout 65s;
    upstream gateway {{
{gateways}
        keepalive 32;
    }}
    upstream rasa {{
        least_conn;
{rasas}
        keepalive 16;
    }}
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Request-ID $req_id;
    proxy_connect_timeout 5s;
    proxy_send_timeout 30s;
    proxy_read_timeout 60s;
    proxy_next_upstream error timeout;
    proxy_next_upstream_tries 2;
    server {{
        listen 127.0.0.1:{self.public_port};
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        location / {{ proxy_pass http://gateway; }}
        location = /staff/console/ws {{
            proxy_pass http://gateway;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 300s;
        }}
        location ^~ /actions {{ return 404; }}
        location = /metrics {{ return 404; }}
    }}
    server {{
        listen 127.0.0.1:{self.actions_port};
        location = /actions/webhook {{
            proxy_pass http://gateway;
            proxy_read_timeout 45s;
            client_body_buffer_size 1m;   # see deploy/nginx.conf: a spilled body arrives 40 ms late
        }}
        location = /nginx-health {{ return 200 "ok\\n"; }}
        location / {{ return 404; }}
    }}
    server {{
        listen 127.0.0.1:{self.rasa_port};
        location / {{
            proxy_pass http://rasa;
            proxy_next_upstream error timeout http_502 http_503;
            client_max_body_size 1m;
        }}
    }}
}}
"""
        path = self.dir / "nginx.conf"
        path.write_text(config)
        return path

    def start_nginx(self) -> None:
        config = self.dir / "nginx.conf"
        test = subprocess.run(["nginx", "-t", "-c", str(config), "-p", str(self.dir / "nginx")],
                              capture_output=True, text=True)
        if test.returncode != 0:
            raise RuntimeError(f"nginx -t failed: {test.stderr}")
        log = (self.dir / "nginx" / "stderr.log").open("ab")
        self.nginx = subprocess.Popen(["nginx", "-c", str(config), "-p", str(self.dir / "nginx")],
                                      stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.actions_url}/nginx-health", timeout=1).status_code == 200:
                    self.say(f"nginx up: public {self.public_url}, actions {self.actions_url}, rasa {self.rasa_url}")
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("nginx did not start")

    # ---- reporting -----------------------------------------------------------------------------
    def describe(self) -> str:
        lines = [f"  public (nginx → gateways):  {self.public_url}/",
                 f"  REST chat:                  POST {self.public_url}/webhooks/rest/webhook",
                 f"  Rasa via nginx (internal):  {self.rasa_url}/",
                 f"  actions via nginx (int.):   {self.actions_url}/actions/webhook"]
        lines += [f"  gateway {r.index}: {r.url}  (pid {r.process.pid if r.process else '-'}, log {r.log})"
                  for r in self.gateway_replicas]
        lines += [f"  rasa {r.index}:    {r.url}  (pid {r.process.pid if r.process else '-'}, log {r.log})"
                  for r in self.rasa_replicas]
        lines += [f"  gateway DB: {self.gateway_db_url}",
                  f"  Rasa tracker DB: {self.rasa_db_name}; Redis lock prefix {self.tag} (db 1)",
                  "  gateway Redis: " + (f"ASSISTANT_REDIS_URL db 0, prefix {self.redis_prefix}"
                                         if self.uses_gateway_redis else "not in bot/core/config.py yet: off")]
        return "\n".join(lines)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up"])
    parser.add_argument("--gateways", type=int, default=2)
    parser.add_argument("--rasas", type=int, default=2)
    parser.add_argument("--keep-logs", action="store_true", help="keep the temporary directory (logs, configs)")
    parser.add_argument("--rate-limits", action="store_true", help="keep the gateway's per-IP rate limits on")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    cluster = Cluster(gateways=args.gateways, rasas=args.rasas, keep_logs=args.keep_logs,
                      rate_limits=args.rate_limits)
    try:
        cluster.start()
        print("\n" + cluster.describe() + "\n\nCtrl-C to stop and remove everything.", flush=True)
        while True:
            for replica in cluster.gateway_replicas + cluster.rasa_replicas:
                if replica.process is not None and replica.process.poll() is not None:
                    print(f"[cluster] {replica.kind} {replica.index} exited ({replica.process.returncode}); "
                          f"see {replica.log}", file=sys.stderr, flush=True)
                    replica.process = None
            time.sleep(1)
    except KeyboardInterrupt:
        print("\n[cluster] stopping…", flush=True)
        return 0
    finally:
        cluster.close()
        print("[cluster] stopped; databases dropped", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
