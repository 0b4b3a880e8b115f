"""python -m devnet.node_bench: the node on chain, against its own devnet, each figure next to a baseline.

  a. latency: N sequential CallbackConsumer requests (block time 1 s); blocks and seconds from the
     request's block to the SubscriptionFulfilled block. Baseline: a minimal Python deliverer that
     sends deliverCompute the moment it sees the request mined.
  b. throughput: M requests sent as fast as the devnet takes them; deliveries/s from the first
     request mined to the last fulfilment mined. Baseline: the same Python deliverer, delivering M
     requests of its own (same transactions, same gas) in the same way.
  c. snapshot sync: S subscriptions created in bulk (contracts/src/BulkSubscriber.vy, ~220 per
     transaction), then a fresh node syncs them through its normal path (Coordinator.id, Reader
     batches) via a counting JSON-RPC proxy; seconds until its chain store has all of them and RPC
     calls used, and the phases of its Reader reads (before the first, with one in flight, with
     none in flight). Baseline: a Python reader doing the same Reader.readSubscriptionBatch calls.

The node reaches the devnet through a counting JSON-RPC proxy in a, b and c, so b also prints the
node's JSON-RPC calls per delivery. `--backends pyrevm,pyevm` (the default) runs everything once per
devnet execution backend and prints the two side by side.

Usage: python -m devnet.node_bench [--bin DIR] [--quick] [--latency N] [--requests M] [--subscriptions S]
       [--backends pyrevm,pyevm] [--block-time SECONDS] [--set KEY=JSON ...] [--keep]
--set overrides a key of the node's config.json (e.g. node.delivery_concurrency=256).
--bin defaults to `swift build -c release --show-bin-path` (build it first). Prints one line per
figure; `--json FILE` also writes them as JSON.
"""
from __future__ import annotations

import argparse
import http.client
import http.server
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

from eth_abi import encode
from eth_utils import keccak

from examples.common import config_overrides
from devnet.client import DEVNET_KEYS, RPC, ROOT, ZERO, Devnet, RPCError, Signer, free_port


def sel(sig: str) -> bytes:
    return keccak(text=sig)[:4]


CREATED = "0x" + keccak(text="SubscriptionCreated(uint32)").hex()
FULFILLED = "0x" + keccak(text="SubscriptionFulfilled(uint32,address)").hex()
REQUEST = "requestCompute(string,bytes,uint16,address,uint256,address,address)"


def send_raws(rpc: RPC, raws: list[str], chunk: int = 50) -> list[str]:
    """Sends signed transactions in JSON-RPC batches, in order; when the pending block is full
    ("exceeds block gas limit") waits for the next block and goes on from there. Returns hashes."""
    hashes: list[str] = []
    i = 0
    while i < len(raws):
        part = raws[i:i + chunk]
        replies = rpc.batch([("eth_sendRawTransaction", [r]) for r in part])
        ok = 0
        for r, raw in zip(replies, part):
            if "result" in r:
                hashes.append(r["result"])
            elif "already known" in r["error"]["message"]:
                hashes.append("0x" + keccak(bytes.fromhex(raw[2:])).hex())
            elif "exceeds block gas limit" in r["error"]["message"]:
                break
            else:
                raise RPCError("eth_sendRawTransaction", str(r["error"].get("message")), r["error"].get("code"))
            ok += 1
        i += ok
        if ok < len(part):  # block full: wait for the next one
            n = rpc.block_number()
            while rpc.block_number() == n:
                time.sleep(0.02)
    return hashes


def request_data(container: str, inputs: bytes) -> bytes:
    return sel(REQUEST) + encode(["string", "bytes", "uint16", "address", "uint256", "address", "address"],
                                 [container, inputs, 1, ZERO, 0, ZERO, ZERO])


def deliver_data(sid: int, inputs: bytes, output: bytes) -> bytes:
    return sel("deliverCompute(uint32,uint32,bytes,bytes,bytes,address)") + encode(
        ["uint32", "uint32", "bytes", "bytes", "bytes", "address"], [sid, 1, inputs, output, b"", ZERO])


def created_id(receipt: dict, coordinator: str) -> int:
    for log in receipt["logs"]:
        if log["address"].lower() == coordinator.lower() and log["topics"][0] == CREATED:
            return int(log["topics"][1], 16)
    raise RPCError("eth_getTransactionReceipt", "no SubscriptionCreated in the receipt")


# ---------------------------------------------------------------------------- processes

class Node:
    def __init__(self, bin_dir: str, workdir: str, name: str, rpc_url: str, registry: str, key_index: int,
                 container: str = "hello-world", overrides: list[str] | None = None):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.data_dir = os.path.join(self.dir, "var")
        self.port = free_port()
        hello = {"id": container, "command": os.path.join(bin_dir, "infernet-hello-world"), "port": free_port()}
        config = {
            "server": {"port": self.port, "bind_address": "127.0.0.1", "rate_limit": {"num_requests": 100000, "period": 60}},
            "containers": [hello],
            "chain": {"enabled": True, "rpc_url": rpc_url, "registry_address": registry, "trail_head_blocks": 0,
                      "wallet": {"private_key": DEVNET_KEYS[key_index]},
                      "snapshot_sync": {"sleep": 0, "sync_period": 0.1}},
            "node": {"data_dir": self.data_dir},
        }
        config_overrides.apply(config, overrides or [])
        self.config_path = os.path.join(self.dir, "config.json")
        with open(self.config_path, "w") as f:
            json.dump(config, f, indent=2)
        self.log_path = os.path.join(self.dir, "node.log")
        self.log = open(self.log_path, "w")
        env = dict(os.environ, INFERNET_BIN_DIR=bin_dir)
        self.started = time.monotonic()
        self.p = subprocess.Popen([os.path.join(bin_dir, "infernet-node"), "--config", self.config_path],
                                  stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def wait_healthy(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.p.poll() is not None:
                raise SystemExit(f"node exited with {self.p.returncode}:\n{self.tail()}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"node not healthy within {timeout} s:\n{self.tail()}")

    def tail(self, n=4000) -> str:
        try:
            return open(self.log_path, errors="replace").read()[-n:]
        except OSError:
            return ""

    def next_id(self) -> int:
        path = os.path.join(self.data_dir, "chain.sqlite")
        if not os.path.exists(path):
            return 0
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
            try:
                row = db.execute("SELECT next_id FROM sync_progress WHERE singleton = 1").fetchone()
                return row[0] if row else 0
            finally:
                db.close()
        except sqlite3.Error:
            return 0

    def stored(self) -> int:
        db = sqlite3.connect(f"file:{os.path.join(self.data_dir, 'chain.sqlite')}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT COUNT(*) FROM subscriptions").fetchone()[0]
        finally:
            db.close()

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, 9)
                self.p.wait()


class CountingProxy:
    """HTTP JSON-RPC proxy that forwards to the devnet and counts calls (each batch item counts)."""

    def __init__(self, target: str):
        host, port = target.split("//", 1)[1].rstrip("/").split(":")
        proxy = self
        self.calls: Counter = Counter()
        self.requests = 0
        self.first = None
        # (start, end, is a Reader batch read) per HTTP request, for the sync's phases
        self.timeline: list = []
        self.lock = threading.Lock()
        local = threading.local()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # As in devnet/server.py: without TCP_NODELAY and one write per answer, the body
            # waits for the client's delayed ACK of the headers, ~40 ms on every call the node
            # makes (it was most of the node's delivery time in this benchmark).
            disable_nagle_algorithm = True

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    msg = json.loads(body)
                    items = msg if isinstance(msg, list) else [msg]
                    methods = [m.get("method", "?") if isinstance(m, dict) else "?" for m in items]
                except ValueError:
                    methods = ["?"]
                started = time.monotonic()
                batch_read = READ_BATCH_SELECTOR in body
                with proxy.lock:
                    proxy.requests += 1
                    proxy.calls.update(methods)
                    if proxy.first is None:
                        proxy.first = started
                for attempt in (0, 1):
                    c = getattr(local, "c", None) or http.client.HTTPConnection(host, int(port), timeout=120)
                    local.c = c
                    try:
                        c.request("POST", "/", body, {"Content-Type": "application/json"})
                        r = c.getresponse()
                        data, status = r.read(), r.status
                        break
                    except (http.client.HTTPException, OSError):
                        c.close()
                        local.c = None
                        if attempt:
                            self.send_error(502)
                            return
                with proxy.lock:
                    proxy.timeline.append((started, time.monotonic(), batch_read))
                reason = self.responses.get(status, ("",))[0]
                self.wfile.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                                 f"Content-Length: {len(data)}\r\n\r\n".encode("latin-1") + data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def reset(self):
        with self.lock:
            self.calls.clear()
            self.requests = 0
            self.first = None
            self.timeline.clear()

    def phases(self) -> dict:
        """Seconds from the first call to the first Reader batch read, with a Reader read in
        flight, and with none in flight between the first and the last (the caller's own time:
        decoding, storing)."""
        with self.lock:
            reads = sorted((a, b) for a, b, batch in self.timeline if batch)
            first = self.first
        if not reads or first is None:
            return {}
        busy, (start, end) = 0.0, reads[0]
        for a, b in reads[1:]:
            if a > end:
                busy += end - start
                start = a
            end = max(end, b)
        busy += end - start
        span = max(b for _, b in reads) - reads[0][0]
        return {"before_first_read": reads[0][0] - first, "reads": len(reads), "in_reads": busy,
                "between_reads": span - busy,
                "read_times_ms": [[round((a - first) * 1000, 1), round((b - first) * 1000, 1)] for a, b in reads]}

    def total(self) -> int:
        with self.lock:
            return sum(self.calls.values())

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# ---------------------------------------------------------------------------- measures

class Fulfilments:
    """Polls SubscriptionFulfilled logs; remembers first-seen time and block per id."""

    def __init__(self, rpc: RPC, coordinator: str, from_block: int):
        self.rpc, self.coordinator, self.next_block = rpc, coordinator, from_block
        self.seen: dict[int, tuple[int, float, str]] = {}  # id -> (block, seen at, tx hash)

    def poll(self):
        head = self.rpc.block_number()
        if head < self.next_block:
            return
        logs = self.rpc("eth_getLogs", {"address": self.coordinator, "topics": [FULFILLED],
                                        "fromBlock": hex(self.next_block), "toBlock": hex(head)})
        now = time.monotonic()
        for log in logs:
            sid = int(log["topics"][1], 16)
            self.seen.setdefault(sid, (int(log["blockNumber"], 16), now, log["transactionHash"]))
        self.next_block = head + 1


def wait_mined(rpc: RPC, h: str, poll=0.02):
    r = rpc.wait_receipt(h, poll=poll)
    return r, time.monotonic()


def latency_run(rpc, signer, addresses, container, n, deliverer=None, timeout=60):
    """n sequential requests; deliverer (a Signer) delivers itself (baseline), else the node does."""
    consumer, coordinator = addresses["callbackConsumer"], addresses["coordinator"]
    blocks, secs = [], []
    for i in range(n):
        inputs = f"latency {i}".encode()
        h = send_raws(rpc, [signer.sign(consumer, request_data(container, inputs), 300_000)])[0]
        r, t_req = wait_mined(rpc, h)
        sid, req_block = created_id(r, coordinator), int(r["blockNumber"], 16)
        if deliverer is not None:
            send_raws(rpc, [deliverer.sign(coordinator, deliver_data(sid, inputs, b"o" * 160), 450_000)])
        f = Fulfilments(rpc, coordinator, req_block)
        deadline = time.monotonic() + timeout
        while sid not in f.seen:
            if time.monotonic() > deadline:
                raise SystemExit(f"latency: subscription {sid} not fulfilled within {timeout} s")
            time.sleep(0.02)
            f.poll()
        block, t_ful, _ = f.seen[sid]
        blocks.append(block - req_block)
        secs.append(t_ful - t_req)
    return blocks, secs


def process_cpu(pids: list[int]) -> dict[str, float]:
    """CPU seconds (user + system, from /proc) of `pids` and all their descendants, summed by
    process name (comm: the node's workers name themselves, e.g. infernet-chain)."""
    hz = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, tuple[str, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue
        comm = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        stats[int(entry)] = (comm, (int(fields[11]) + int(fields[12])) / hz)
        children.setdefault(int(fields[1]), []).append(int(entry))
    total: Counter = Counter()
    todo = list(pids)
    seen: set[int] = set()
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in stats:
            continue
        seen.add(pid)
        name, cpu = stats[pid]
        total[name] += cpu
        todo += children.get(pid, [])
    return dict(total)


def cpu_per_delivery(before: dict[str, float], after: dict[str, float], deliveries: int) -> dict[str, float]:
    """Milliseconds of CPU per delivery by process name, between two `process_cpu` readings."""
    return {name: (after[name] - before.get(name, 0.0)) * 1000 / deliveries
            for name in after if after[name] - before.get(name, 0.0) > 0}


def throughput_run(rpc, signer, addresses, container, m, deliverer=None, timeout=None, label=""):
    """m requests sent as fast as the devnet takes them (batches); returns figures of the deliveries."""
    consumer, coordinator = addresses["callbackConsumer"], addresses["coordinator"]
    raws = [signer.sign(consumer, request_data(container, f"throughput {i}".encode()), 300_000) for i in range(m)]
    start_block = rpc.block_number() + 1
    sent: dict = {}
    errors = []

    def sender():
        try:
            t = time.monotonic()
            sent["hashes"] = send_raws(rpc, raws)
            sent["seconds"] = time.monotonic() - t
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    th = threading.Thread(target=sender, daemon=True)
    t0 = time.monotonic()
    th.start()
    fulfil = Fulfilments(rpc, coordinator, start_block)
    ids: dict[int, tuple[int, float]] = {}  # request id -> (block, seen)
    delivered: set[int] = set()
    next_block = start_block
    timeout = timeout or max(300, 2 * m)
    deadline = t0 + timeout
    while True:
        if errors:
            raise errors[0]
        head = rpc.block_number()
        if head >= next_block:  # new request blocks: note their ids (and deliver, for the baseline)
            logs = rpc("eth_getLogs", {"address": coordinator, "topics": [CREATED],
                                       "fromBlock": hex(next_block), "toBlock": hex(head)})
            now = time.monotonic()
            new = []
            for log in logs:
                sid = int(log["topics"][1], 16)
                if sid not in ids:
                    ids[sid] = (int(log["blockNumber"], 16), now)
                    new.append(sid)
            next_block = head + 1
            if deliverer is not None and new:
                send_raws(rpc, [deliverer.sign(coordinator, deliver_data(s, b"x" * 14, b"o" * 160), 450_000) for s in new])
                delivered.update(new)
        fulfil.poll()
        done = [s for s in ids if s in fulfil.seen]
        if len(ids) >= m and len(done) >= m:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"throughput{label}: {len(done)}/{m} delivered within {timeout} s")
        time.sleep(0.05)
    th.join()
    first_req = min(v[1] for v in ids.values())
    first_block = min(v[0] for v in ids.values())
    last_req_block = max(v[0] for v in ids.values())
    last = max(fulfil.seen[s][1] for s in ids)
    last_block = max(fulfil.seen[s][0] for s in ids)
    # gas per delivery: the receipts of the delivery transactions
    hashes = sorted({fulfil.seen[s][2] for s in ids})
    gas = []
    for i in range(0, len(hashes), 100):
        gas += [int(r["result"]["gasUsed"], 16) for r in rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes[i:i + 100]])]
    req_gas = []
    hs = sent["hashes"]
    for i in range(0, len(hs), 100):
        req_gas += [int(r["result"]["gasUsed"], 16) for r in rpc.batch([("eth_getTransactionReceipt", [h]) for h in hs[i:i + 100]])]
    return {
        "requests": m,
        "request_blocks": last_req_block - first_block + 1,
        "requests_per_s": m / sent["seconds"],
        "request_gas": statistics.mean(req_gas),
        "seconds": last - first_req,
        "deliveries_per_s": m / max(last - first_req, 1e-9),
        "blocks": last_block - first_block + 1,
        "delivery_gas": statistics.mean(gas),
        "delivery_txs": len(hashes),
    }


def bulk_create(rpc, signer, addresses, total, container="bench-sync-unserved", per_tx=220):
    art = json.load(open(os.path.join(ROOT, "contracts", "abi", "BulkSubscriber.json")))
    r = rpc.wait_receipt(send_raws(rpc, [signer.sign(None, bytes.fromhex(art["bytecode"][2:]) +
                                                     encode(["address"], [addresses["coordinator"]]), 3_000_000)])[0])
    bulk = r["contractAddress"]
    f = sel("createMany(string,uint256,uint32,uint32)")
    left = total
    while left > 0:
        n = min(per_tx, left)
        # 128k gas each (cold storage writes of the Subscription struct)
        h = send_raws(rpc, [signer.sign(bulk, f + encode(["string", "uint256", "uint32", "uint32"], [container, n, 1, 0]),
                                        min(29_500_000, 140_000 * n + 100_000))])[0]
        rpc.wait_receipt(h, timeout=120, poll=0.1)
        left -= n


def coordinator_next_id(rpc, coordinator) -> int:
    return int(rpc("eth_call", {"to": coordinator, "data": "0x" + sel("id()").hex()}, "latest"), 16)


READ_BATCH_SELECTOR = sel("readSubscriptionBatch(uint32,uint32)").hex().encode()


def reader_baseline(rpc, reader, next_id, batch=500):
    """What reading every subscription costs the devnet: Reader batches of `batch`, sequential."""
    t = time.monotonic()
    calls = 0
    start = 1
    while start < next_id:
        end = min(next_id, start + batch)
        out = rpc("eth_call", {"to": reader, "data": "0x" + (sel("readSubscriptionBatch(uint32,uint32)") +
                                                              encode(["uint32", "uint32"], [start, end])).hex()}, "latest")
        calls += 1
        assert len(out) > 2
        start = end
    return time.monotonic() - t, calls


# ---------------------------------------------------------------------------- main

def default_bin() -> str:
    try:
        return subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        raise SystemExit(f"cannot find the release binaries ({e}); pass --bin DIR")


def fmt_lat(blocks, secs):
    return (f"median {statistics.median(blocks):g} blocks / {statistics.median(secs):.2f} s, "
            f"max {max(blocks)} blocks / {max(secs):.2f} s")


def fmt_tp(r):
    return (f"{r['deliveries_per_s']:.2f} deliveries/s ({r['seconds']:.1f} s, {r['blocks']} blocks; "
            f"{r['delivery_gas']:,.0f} gas per delivery); requests went in at {r['requests_per_s']:.1f} tx/s "
            f"({r['request_gas']:,.0f} gas, {r['request_blocks']} blocks)")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m devnet.node_bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", help="directory with infernet-node and its workers (default: the release build)")
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test): 2 latency / 10 throughput / 100 sync")
    ap.add_argument("--latency", type=int, help="sequential requests (default 10)")
    ap.add_argument("--requests", type=int, help="throughput requests (default 500)")
    ap.add_argument("--subscriptions", type=int, help="subscriptions to snapshot-sync (default 10000)")
    ap.add_argument("--block-time", type=float, default=1.0, help="devnet block time, seconds (default 1)")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, configs)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                    help="override a key of the node's config.json, e.g. --set node.delivery_concurrency=256 (repeatable)")
    ap.add_argument("--backends", default="pyrevm,pyevm", help="devnet execution backends to run on, in order")
    a = ap.parse_args(argv)
    n = a.latency or (2 if a.quick else 10)
    m = a.requests or (10 if a.quick else 500)
    s = a.subscriptions or (100 if a.quick else 10_000)
    bin_dir = os.path.abspath(a.bin or default_bin())
    for exe in ("infernet-node", "infernet-chain", "infernet-hello-world"):
        if not os.access(os.path.join(bin_dir, exe), os.X_OK):
            raise SystemExit(f"{bin_dir}/{exe} not found: build first (swift build -c release) or pass --bin DIR")

    try:
        config_overrides.apply({}, a.set)  # a bad --set is refused here, not after the devnet is up
    except ValueError as e:
        ap.error(str(e))
    backends = [b for b in a.backends.split(",") if b]
    for b in backends:
        if b not in ("pyrevm", "pyevm"):
            ap.error(f"--backends: unknown backend {b!r} (pyrevm, pyevm)")
    results = {}
    for b in backends:
        results[b] = run_one(a, b, bin_dir, n, m, s)
        report(results[b], b, n, m, a.block_time)
    if len(results) > 1:
        compare(results)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results if len(results) > 1 else results[backends[0]], f, indent=2)
    return 0


def say(msg):
    print(msg, flush=True)


def run_one(a, backend: str, bin_dir: str, n: int, m: int, s: int) -> dict:
    work = tempfile.mkdtemp(prefix="node-bench-")
    figures: dict = {"bin": bin_dir, "block_time": a.block_time, "backend": backend}
    procs = []
    node = None
    try:
        say(f"node bench: binaries {bin_dir}; devnet backend {backend}, block time {a.block_time:g} s; work dir {work}")
        devnet = Devnet(backend=backend, block_time=a.block_time, log_path=os.path.join(work, "devnet.log"),
                        rpc_timeout=120)
        procs.append(devnet)
        devnet.start()
        rpc = devnet.rpc
        addr = devnet.addresses
        requester, base_requester, base_deliverer, bulk_key = (Signer(rpc, DEVNET_KEYS[i], devnet.chain_id)
                                                               for i in (3, 6, 4, 5))

        # ---- baselines a, b: a minimal Python deliverer, container the node does not serve
        say(f"[a] latency baseline: {n} requests delivered by a Python deliverer ...")
        bb, bs = latency_run(rpc, base_requester, addr, "bench-baseline", n, deliverer=base_deliverer)
        figures["latency_baseline"] = {"blocks": bb, "seconds": bs}
        say(f"    baseline: {fmt_lat(bb, bs)}")
        say(f"[b] throughput baseline: {m} requests delivered by a Python deliverer ...")
        devnet_pids = [devnet.proc.pid] if devnet.proc else []
        cpu_before = process_cpu(devnet_pids)
        tb = throughput_run(rpc, base_requester, addr, "bench-baseline", m, deliverer=base_deliverer, label=" baseline")
        tb["cpu_ms_per_delivery"] = cpu_per_delivery(cpu_before, process_cpu(devnet_pids), m)
        figures["throughput_baseline"] = tb
        say(f"    baseline: {fmt_tp(tb)}")

        # ---- the node: a, b (through a counting proxy: JSON-RPC calls per delivery)
        say("starting the node ...")
        node_proxy = CountingProxy(devnet.url)
        procs.append(node_proxy)
        node = Node(bin_dir, work, "node", node_proxy.url, addr["registry"], 2, overrides=a.set)
        procs.append(node)
        node.wait_healthy()
        # first sync done (the baseline subscriptions are stored) before measuring
        target = coordinator_next_id(rpc, addr["coordinator"])
        deadline = time.monotonic() + 60
        while node.next_id() < target and time.monotonic() < deadline:
            time.sleep(0.1)
        say(f"[a] latency: {n} sequential requests to the node ...")
        lb, ls = latency_run(rpc, requester, addr, "hello-world", n)
        figures["latency"] = {"blocks": lb, "seconds": ls}
        say(f"    node: {fmt_lat(lb, ls)}")
        say(f"[b] throughput: {m} requests to the node ...")
        node_proxy.reset()
        watched = [node.p.pid] + devnet_pids
        cpu_before = process_cpu(watched)
        tn = throughput_run(rpc, requester, addr, "hello-world", m, label=" (node)")
        tn["cpu_ms_per_delivery"] = cpu_per_delivery(cpu_before, process_cpu(watched), m)
        tn["rpc_calls"] = node_proxy.total()
        tn["rpc_calls_by_method"] = dict(node_proxy.calls)
        tn["rpc_calls_per_delivery"] = tn["rpc_calls"] / m
        tn["rpc_requests_per_delivery"] = node_proxy.requests / m  # HTTP requests (a batch is one)
        figures["throughput"] = tn
        say(f"    node: {fmt_tp(tn)}; {tn['rpc_calls_per_delivery']:.1f} JSON-RPC calls per delivery")
        node.stop()
        procs.remove(node)
        node_proxy.stop()
        procs.remove(node_proxy)
        node = None

        # ---- c: snapshot sync
        say(f"[c] creating {s} subscriptions (BulkSubscriber, ~220 per transaction) ...")
        t = time.monotonic()
        bulk_create(rpc, bulk_key, addr, s)
        total = coordinator_next_id(rpc, addr["coordinator"]) - 1
        figures["bulk_create_seconds"] = time.monotonic() - t
        say(f"    created in {time.monotonic() - t:.1f} s; the Coordinator now holds {total} subscriptions")
        proxy = CountingProxy(devnet.url)
        procs.append(proxy)
        base_rpc = RPC(proxy.url, timeout=120)
        bsec, bcalls = reader_baseline(base_rpc, addr["reader"], total + 1)
        base_calls = proxy.total()
        figures["sync_baseline"] = {"subscriptions": total, "seconds": bsec, "rpc_calls": base_calls}
        say(f"    baseline (Python reader): {bsec:.2f} s, {base_calls} RPC calls")
        proxy.reset()
        say("[c] snapshot sync: a fresh node through a counting RPC proxy ...")
        node = Node(bin_dir, work, "sync-node", proxy.url, addr["registry"], 7, overrides=a.set)
        procs.append(node)
        deadline = time.monotonic() + max(120, total / 20)
        while node.next_id() < total + 1:
            if node.p.poll() is not None:
                raise SystemExit(f"node exited with {node.p.returncode}:\n{node.tail()}")
            if time.monotonic() > deadline:
                raise SystemExit(f"sync: next_id {node.next_id()} of {total + 1} at the deadline:\n{node.tail()}")
            # the end is seen at most this late (the baseline is timed in-process)
            time.sleep(0.005)
        done = time.monotonic()
        calls = dict(proxy.calls)
        ncalls = proxy.total()
        stored = node.stored()
        figures["sync"] = {"subscriptions": total, "stored": stored, "seconds_from_launch": done - node.started,
                           "seconds_from_first_rpc": done - (proxy.first or node.started), "rpc_calls": ncalls,
                           "rpc_requests": proxy.requests, "calls_by_method": calls, "phases": proxy.phases()}
        node.stop()
        procs.remove(node)
        node = None
    except BaseException:
        if node is not None and node in procs:
            print("---- node log (tail) ----\n" + node.tail(), file=sys.stderr)
        raise
    finally:
        for p in reversed(procs):
            p.stop()
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    return figures


def report(figures: dict, backend: str, n: int, m: int, block_time: float):
    lb, ls = figures["latency"]["blocks"], figures["latency"]["seconds"]
    bb, bs = figures["latency_baseline"]["blocks"], figures["latency_baseline"]["seconds"]
    tn, tb = figures["throughput"], figures["throughput_baseline"]
    say("")
    say(f"== results on the {backend} devnet (node vs baseline, same devnet, same run)")
    say(f"a. latency, {n} sequential requests, block time {block_time:g} s (request block -> SubscriptionFulfilled block):")
    say(f"   node:     {fmt_lat(lb, ls)}")
    say(f"   baseline: {fmt_lat(bb, bs)}  (Python deliverer, sends deliverCompute on seeing the request mined)")
    say(f"b. throughput, {m} requests (first request mined -> last fulfilment mined):")
    for name, r in (("node", tn), ("baseline", tb)):
        say(f"   {name + ':':9s} {fmt_tp(r)}")
    say(f"   node/baseline: {tn['deliveries_per_s'] / tb['deliveries_per_s'] * 100:.0f} %; node JSON-RPC calls per delivery: "
        f"{tn['rpc_calls_per_delivery']:.1f} in {tn.get('rpc_requests_per_delivery', 0):.2f} HTTP requests "
        f"({json.dumps(tn['rpc_calls_by_method'], sort_keys=True)})")
    if cpu := tn.get("cpu_ms_per_delivery"):
        node_ms = sum(v for k, v in cpu.items() if k.startswith("infernet-"))
        say(f"   CPU per delivery while the node delivered (ms, /proc): node {node_ms:.2f} = "
            + ", ".join(f"{k.removeprefix('infernet-')} {v:.2f}" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])
                        if k.startswith("infernet-"))
            + "; devnet " + f"{sum(v for k, v in cpu.items() if not k.startswith('infernet-')):.2f}"
            + (f" (while the bare deliverer delivered: {sum(tb['cpu_ms_per_delivery'].values()):.2f})"
               if tb.get("cpu_ms_per_delivery") else ""))
    if block_time >= 0.5:
        say(f"   (the devnet seals a block when full or every {block_time:g} s, so a run ends at a fill or at a tick: "
            f"read deliveries/s over several runs, or with --block-time 0.1; docs/benchmarks.md)")
    sy, sb = figures["sync"], figures["sync_baseline"]
    say(f"c. snapshot sync of {sy['subscriptions']} subscriptions (fresh node, sleep 0, batch_size 500):")
    say(f"   node:     {sy['seconds_from_launch']:.2f} s from launch ({sy['seconds_from_first_rpc']:.2f} s from its first RPC call), "
        f"{sy['subscriptions'] / sy['seconds_from_launch']:,.0f} subscriptions/s; {sy['rpc_calls']} RPC calls "
        f"({sy['rpc_calls'] * 1000 / sy['subscriptions']:.1f} per 1,000 subscriptions) in {sy['rpc_requests']} HTTP requests; "
        f"{sy['stored']} rows stored")
    say(f"   by method: {json.dumps(sy['calls_by_method'], sort_keys=True)}")
    say(f"   baseline: {sb['seconds']:.2f} s, {sb['subscriptions'] / sb['seconds']:,.0f} subscriptions/s; "
        f"{sb['rpc_calls']} RPC calls ({sb['rpc_calls'] * 1000 / sb['subscriptions']:.1f} per 1,000)  "
        "(Python: Reader.readSubscriptionBatch of 500, sequential)")
    say(f"   node/baseline time: {sy['seconds_from_first_rpc'] / sb['seconds']:.2f}x (from its first RPC call)")
    if ph := sy.get("phases"):
        say(f"   node phases: {ph['before_first_read']:.3f} s from its first call to its first Reader batch read; "
            f"{ph['reads']} batch reads, some in flight for {ph['in_reads']:.3f} s; none in flight for {ph['between_reads']:.3f} s between them")


def compare(results: dict):
    say("")
    say("== the same figures per devnet backend (same run)")
    names = list(results)
    say("   " + " | ".join(["figure".ljust(44)] + [b.rjust(10) for b in names]))
    rows = [
        ("node deliveries/s (500 due at once)", lambda f: f"{f['throughput']['deliveries_per_s']:.2f}"),
        ("bare Python deliverer deliveries/s", lambda f: f"{f['throughput_baseline']['deliveries_per_s']:.2f}"),
        ("node / bare deliverer", lambda f: f"{f['throughput']['deliveries_per_s'] / f['throughput_baseline']['deliveries_per_s'] * 100:.0f} %"),
        ("node JSON-RPC calls per delivery", lambda f: f"{f['throughput']['rpc_calls_per_delivery']:.1f}"),
        ("requests went in at (tx/s)", lambda f: f"{f['throughput']['requests_per_s']:.1f}"),
        ("node latency, median s", lambda f: f"{statistics.median(f['latency']['seconds']):.2f}"),
        ("snapshot sync, node s (from first RPC)", lambda f: f"{f['sync']['seconds_from_first_rpc']:.2f}"),
        ("snapshot sync, bare Reader loop s", lambda f: f"{f['sync_baseline']['seconds']:.2f}"),
        ("snapshot sync RPC calls node / bare", lambda f: f"{f['sync']['rpc_calls']} / {f['sync_baseline']['rpc_calls']}"),
        ("bulk creation of the subscriptions, s", lambda f: f"{f['bulk_create_seconds']:.1f}"),
    ]
    for label, fn in rows:
        say("   " + " | ".join([label.ljust(44)] + [fn(results[b]).rjust(10) for b in names]))


if __name__ == "__main__":
    sys.exit(main())
