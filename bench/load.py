"""Load test of the inbound flow: a real `humantouch serve` over loopback, concurrent clients,
and afterwards every message counted back out of the database. Prints one JSON object.

    python bench/load.py                                   # embedded SQLite in a temp dir
    python bench/load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

On PostgreSQL the run gets a schema of its own, dropped afterwards. The run stops at
--messages or --seconds, whichever comes first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from humantouch.storage import Database
from humantouch.storage.tables import Conversation, Message

TEXTS = (
    "Waar blijft mijn pakket? Bestelnummer {n}",
    "Ik wil mijn abonnement opzeggen",
    "hoi, kan ik mijn adres wijzigen? ik ga verhuizen",
    "Mijn factuur is veel te hoog deze maand, dit klopt niet",
    "There is a charge of 49 euro on my card I don't recognise",
    "Thanks for the quick help!",
    "Ik wil een mens spreken",
    "De monteur is niet gekomen, al de derde keer dat ik bel",
    "How do I reset my password?",
    "Mijn moeder is overleden, hoe zeg ik haar contract op?",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def humantouch(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "humantouch.cli", *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"humantouch {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (the API processes of --processes N)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


class RawClient:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams, one connection per simulated client.

    The load generator shares the two cores with the server; httpx spends about as much CPU per request
    as a third of the server's, so the default client is this one (`--client httpx` runs httpx).
    """

    def __init__(self, base: str, key: str) -> None:
        host, _, port = base.removeprefix("http://").partition(":")
        self.host, self.port = host, int(port)
        self.head = f"Host: {host}:{port}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, payload: dict[str, Any]) -> int:
        body = json.dumps(payload).encode()
        request = f"POST {path} HTTP/1.1\r\n{self.head}Content-Length: {len(body)}\r\n\r\n".encode() + body
        for attempt in (1, 2):  # a keep-alive connection the server closed is opened again, once
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                assert self.reader is not None
                self.writer.write(request)
                await self.writer.drain()
                return await self._response(self.reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> int:
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionResetError("the server closed the connection")
        status = int(status_line.split()[1])
        length, chunked = 0, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
        if chunked:
            while (size := int((await reader.readline()).strip() or b"0", 16)) > 0:
                await reader.readexactly(size + 2)
            await reader.readline()
        else:
            await reader.readexactly(length)
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class HttpxClient:
    """`--client httpx`: the same posts through one shared httpx.AsyncClient."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post(self, path: str, payload: dict[str, Any]) -> int:
        return (await self.client.post(path, json=payload)).status_code

    async def close(self) -> None:
        pass  # the shared client is closed by drive()


def message(i: int, run: str, customers: int) -> dict[str, Any]:
    ref = f"{run}-{i}"
    return {
        "channel": ("whatsapp", "email", "chat")[i % 3],
        "sender": {"kind": "phone", "value": f"+3161{(i % customers):07d}"},
        "text": TEXTS[i % len(TEXTS)].format(n=100000 + i),
        "external_id": ref,
        "idempotency_key": ref,
    }


async def drive(base: str, key: str, run: str, args: argparse.Namespace) -> dict[str, Any]:
    latencies: list[float] = []
    ok: list[str] = []
    errors: dict[str, int] = {}
    counter = iter(range(args.messages))
    deadline = time.monotonic() + args.seconds
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    shared = httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}, limits=limits, timeout=30)

    async def one_client() -> None:
        client = RawClient(base, key) if getattr(args, "client", "raw") == "raw" else HttpxClient(shared)
        try:
            for i in counter:
                if time.monotonic() > deadline:
                    return
                body = message(i, run, args.customers)
                started = time.perf_counter()
                try:
                    status = str(await client.post("/v1/messages", body))
                except (OSError, asyncio.IncompleteReadError, ValueError, httpx.HTTPError) as exc:
                    status = type(exc).__name__
                latencies.append((time.perf_counter() - started) * 1000)
                if status == "201":
                    ok.append(body["external_id"])
                else:
                    errors[status] = errors.get(status, 0) + 1
        finally:
            await client.close()

    try:
        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(args.clients)))
        elapsed = time.perf_counter() - started
    finally:
        await shared.aclose()
    return {"latencies": latencies, "ok": ok, "errors": errors, "elapsed": elapsed}


def count_back(url: str, run: str, acknowledged: list[str]) -> dict[str, int]:
    db = Database(url, pool_size=1)
    with db.read() as session:
        refs = list(session.scalars(select(Message.external_id).where(Message.external_id.like(f"{run}-%"))))
        conversations = session.scalar(select(func.count()).select_from(Conversation)) or 0
        counted = session.scalar(select(func.sum(Conversation.message_count))) or 0
        total = session.scalar(select(func.count()).select_from(Message)) or 0
    db.dispose()
    stored = set(refs)
    return {
        "stored": len(refs),
        "lost": len(set(acknowledged) - stored),
        "duplicated": len(refs) - len(stored),
        "conversations": int(conversations),
        "conversation_counts_consistent": int(counted) == int(total),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--profile", default="fast")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--batch-wait-ms", type=float, help="HUMANTOUCH_TRIAGE_BATCH_WAIT_MS for the server")
    parser.add_argument("--processes", type=int, default=1, help="API processes (serve --processes)")
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="raw: a minimal keep-alive HTTP/1.1 client (light on the shared cores); httpx: httpx.AsyncClient",
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="humantouch-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    schema = None
    if url.startswith("postgresql"):
        schema = f"ht_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        run_url = (
            make_url(url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    else:
        run_url = url
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUMANTOUCH_")}
    env |= {
        "HUMANTOUCH_DATABASE_URL": run_url,
        "HUMANTOUCH_PROFILE": args.profile,
        "HUMANTOUCH_WORKER_IN_SERVE": "false",
        "HUMANTOUCH_DATABASE_POOL_SIZE": str(max(10, args.clients)),
    }
    if args.batch_wait_ms is not None:
        env["HUMANTOUCH_TRIAGE_BATCH_WAIT_MS"] = str(args.batch_wait_ms)
    proc = None
    try:
        humantouch("db", "upgrade", env=env)
        key = json.loads(humantouch("keys", "create", "--role", "integration", "--json", env=env))["key"]
        port = free_port()
        log = open(tmp / "serve.log", "w")  # noqa: SIM115 (closed with the process below)
        proc = subprocess.Popen(
            [sys.executable, "-m", "humantouch.cli", "serve", "--port", str(port), "--processes", str(args.processes)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        up = time.monotonic()
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"serve exited:\n{(tmp / 'serve.log').read_text()}")
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() - up > 120:
                raise SystemExit("serve did not come up in 120 s")
            time.sleep(0.2)
        startup = time.monotonic() - up
        warm = argparse.Namespace(**{**vars(args), "messages": args.warmup, "seconds": 60.0})
        asyncio.run(drive(base, key, "warmup", warm))
        run = f"run{uuid.uuid4().hex[:8]}"
        cpu_before = cpu_seconds(proc.pid)
        client_before = time.process_time()
        result = asyncio.run(drive(base, key, run, args))
        client_cpu = time.process_time() - client_before
        server_cpu = cpu_seconds(proc.pid) - cpu_before
        counts = count_back(run_url, run, result["ok"])
        lat = result["latencies"]
        report = {
            "database": "postgresql" if schema else "sqlite",
            "profile": args.profile,
            "clients": args.clients,
            "api_processes": args.processes,
            "triage_batch_wait_ms": args.batch_wait_ms,
            "customers": args.customers,
            "sent": len(lat),
            "acknowledged": len(result["ok"]),
            "errors": result["errors"],
            "seconds": round(result["elapsed"], 2),
            "throughput_per_s": round(len(result["ok"]) / result["elapsed"], 1),
            "latency_ms": {
                "p50": round(percentile(lat, 50), 1),
                "p90": round(percentile(lat, 90), 1),
                "p99": round(percentile(lat, 99), 1),
                "max": round(max(lat, default=0), 1),
                "mean": round(statistics.fmean(lat), 1) if lat else None,
            },
            **counts,
            # CPU the server spent per acknowledged message: steadier than throughput on a shared machine.
            "server_cpu_ms_per_message": round(server_cpu * 1000 / max(len(result["ok"]), 1), 2),
            "client": args.client,
            # The load generator's own CPU per message, on the same two cores.
            "client_cpu_ms_per_message": round(client_cpu * 1000 / max(len(result["ok"]), 1), 2),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "server_startup_s": round(startup, 1),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        }
        proc.terminate()
        proc.wait(timeout=30)
        # One line per API process: "triage batcher: N messages in M batches (...)".
        found = re.findall(r"triage batcher: (\d+) messages in (\d+) batches", (tmp / "serve.log").read_text())
        messages, batches = sum(int(m) for m, _ in found), sum(int(b) for _, b in found)
        report["server_mean_triage_batch"] = round(messages / batches, 1) if batches else None
        found = re.findall(r"write groups: (\d+) writes in (\d+) transactions", (tmp / "serve.log").read_text())
        writes, groups = sum(int(w) for w, _ in found), sum(int(g) for _, g in found)
        report["server_mean_write_group"] = round(writes / groups, 1) if groups else None
        print(json.dumps(report, indent=2))
        return 0 if counts["lost"] == 0 and counts["duplicated"] == 0 else 1
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        if schema:
            admin = create_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
