#!/usr/bin/env python3
"""Off-chain benchmark of the node against issue 14's targets, with its baseline in the same run.

    python3 scripts/bench-offchain.py [--bin .build/release] [--clients 1,8,32,64] [--duration 5]
        [--warmup 2] [--repeat 1] [--poll-interval 2] [--perf gateway] [--json FILE] [--keep]

Starts `infernet-node` from --bin in a temporary directory, on free ports, with one `command`
container: the shared echo service (`../shared/tools/echo-service.js` beside the repository,
run by Node.js, never copied). Then runs the shared closed-loop load generator
(`../shared/tools/offchain-load.js`) at each client count, first `--mode direct` against the echo
service (the baseline), then `--mode node` through the node (POST /api/jobs, then GET
/api/jobs?id= until final).

For every run it samples /proc over exactly the load generator's measured window (its warm-up
starts when its first socket appears): CPU (utime+stime of /proc/PID/stat) of each node process
(the supervisor `infernet-node` and the workers it started: gateway, compute, chain, payment),
of the echo service and of the load generator; and memory as PSS and RSS (/proc/PID/smaps_rollup)
of the node's processes, idle before any load and after each run. It prints per client count
jobs/s, p50/p99, polls per job, node CPU per completed job with the per-process breakdown, load
generator CPU per job, PSS/RSS, then issue 14's targets as ratios, and node jobs/s as a ratio of
the direct baseline. `--json FILE` writes every figure. `--perf NAME` (gateway, compute,
supervisor, echo, ...) records that process with `perf record -e cpu-clock -g` during an extra
node run at 32 clients (else the largest count), kept out of the figures, and prints its top
symbols.

Standard library only (plus the checkout's examples.common.processes, also standard library).
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from examples.common import config_overrides  # noqa: E402
from examples.common.processes import descendants, kill_group, memory_kib  # noqa: E402

TOOLS = ROOT.parent / "shared" / "tools"
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
CONTAINER = "echo"
# issue 14's targets
TARGET_CPU_MS = 0.55        # node CPU per completed job at 32 clients
TARGET_P50_MS = 2.0         # at 1 client
TARGET_P99_MS = 16.0        # at 32 clients
TARGET_POLLS = 1.2          # status polls per job at 32 clients
TARGET_PSS_MIB = 50.0       # idle, summed over the node's processes
# argv[0] of the node's own processes -> role
NODE_ROLES = {"infernet-node": "supervisor", "infernet-gateway": "gateway", "infernet-compute": "compute",
              "infernet-chain": "chain", "infernet-payment": "payment"}


class BenchError(RuntimeError):
    """The benchmark cannot go on; the message says why."""


# -- /proc -----------------------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float | None:
    """utime + stime of the whole process (all its threads), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK   # fields 14 and 15 of stat(5)


def argv_of(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [part.decode(errors="replace") for part in f.read().split(b"\0") if part]
    except OSError:
        return []


def node_processes(supervisor: int) -> dict[str, int]:
    """role name -> PID for the supervisor and every descendant: `supervisor`, `gateway`,
    `compute` (`compute.2`, ... for more workers), `chain`, `payment`, `echo` (the container);
    anything else under its argv[0] basename."""
    found: dict[str, int] = {}
    for pid in [supervisor, *descendants(supervisor)]:
        argv = argv_of(pid)
        if not argv:
            continue
        base = os.path.basename(argv[0])
        # Workers started from the supervisor's own executable: `infernet-node worker infernet-compute ...`.
        if base == "infernet-node" and len(argv) > 2 and argv[1] == "worker":
            base = os.path.basename(argv[2])
        if any(arg.endswith("echo-service.js") for arg in argv):
            role = "echo"
        else:
            role = NODE_ROLES.get(base, base)
        name, n = role, 2
        while name in found:
            name, n = f"{role}.{n}", n + 1
        found[name] = pid
    return found


def is_node_role(name: str) -> bool:
    return name.split(".")[0] in NODE_ROLES.values()


def node_memory(procs: dict[str, int]) -> dict:
    """PSS and RSS (MiB) of each node process and their sums (the container not included)."""
    per: dict[str, dict[str, float]] = {}
    for name, pid in procs.items():
        if not is_node_role(name):
            continue
        mem = memory_kib(pid)
        if mem is None:
            raise BenchError(f"/proc/{pid}/smaps_rollup of {name} unreadable (did it exit?)")
        per[name] = {"pss_mib": mem[0] / 1024, "rss_mib": mem[1] / 1024}
    echo = memory_kib(procs["echo"]) if "echo" in procs else None
    return {"pss_mib": sum(p["pss_mib"] for p in per.values()), "rss_mib": sum(p["rss_mib"] for p in per.values()),
            "per_process": per,
            "echo": None if echo is None else {"pss_mib": echo[0] / 1024, "rss_mib": echo[1] / 1024}}


# -- the node --------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: object | None = None, timeout: float = 10) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


class Node:
    """infernet-node from `bin_dir` in `directory`, serving the echo service as a `command` container."""

    def __init__(self, bin_dir: Path, directory: Path, node_js: str, echo_js: Path) -> None:
        self.bin_dir, self.directory = bin_dir, directory
        self.port, self.echo_port = free_port(), free_port()
        self.url, self.echo_url = f"http://127.0.0.1:{self.port}", f"http://127.0.0.1:{self.echo_port}"
        self.config = {
            "manage_containers": True,
            "server": {"port": self.port, "bind_address": "127.0.0.1",
                       "rate_limit": {"num_requests": 100_000_000, "period": 60}},
            "chain": {"enabled": False},
            "forward_stats": False,
            "startup_wait": 1.0,
            # The node starts it with PORT set (deploy/README.md: `command` containers).
            "containers": [{"id": CONTAINER, "command": f"{shlex.quote(node_js)} {shlex.quote(str(echo_js))}",
                            "port": self.echo_port, "external": True, "timeout": 30}],
            "node": {"data_dir": str(directory / "var"), "compute_workers": 1},
        }
        self.log_path = directory / "node.log"
        self.proc: subprocess.Popen | None = None
        self.family: list[int] = []

    def start(self, timeout: float = 120) -> None:
        (self.directory / "config.json").write_text(json.dumps(self.config, indent=2))
        env = {**os.environ, "INFERNET_BIN_DIR": str(self.bin_dir)}
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([str(self.bin_dir / "infernet-node"), "--config",
                                          str(self.directory / "config.json")], cwd=self.directory, env=env,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"infernet-node exited ({self.proc.returncode}):\n{self.log_tail()}")
            self.family = sorted(set(self.family) | set(descendants(self.proc.pid)))
            if self.job_succeeds():
                return
            time.sleep(0.3)
        raise BenchError(f"the node did not run an echo job within {timeout} s:\n{self.log_tail()}")

    def job_succeeds(self) -> bool:
        try:
            status, answer = http("POST", f"{self.url}/api/jobs", {"containers": [CONTAINER], "data": {"input": "ready?"}})
            if status != 200 or not isinstance(answer, dict) or "id" not in answer:
                return False
            for _ in range(100):
                status, records = http("GET", f"{self.url}/api/jobs?id={answer['id']}")
                if status == 200 and records and records[0].get("status") == "success":
                    return True
                if status == 200 and records and records[0].get("status") == "failed":
                    return False
                time.sleep(0.05)
        except (OSError, ValueError):
            pass
        return False

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None:
            return
        self.family = sorted(set(self.family) | set(descendants(self.proc.pid)))
        kill_group(self.proc, grace=10, own_session=True)
        # The workers and the container run in process groups of their own: end any left over
        # (only PIDs this node started, still its descendants when last seen).
        for pid in self.family:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


# -- one load-generator run ------------------------------------------------------------------------

def wait_first_socket(pid: int, proc: subprocess.Popen, timeout: float = 30) -> float:
    """The moment the load generator opens its first socket: its clients start and its warm-up
    timer starts in the same tick (offchain-load.js main())."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                        return time.monotonic()
                except OSError:
                    continue
        except OSError:
            pass
        if proc.poll() is not None:
            raise BenchError(f"the load generator exited ({proc.returncode}) before connecting: "
                             f"{proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.002)
    raise BenchError("the load generator opened no socket")


def sleep_until(moment: float) -> None:
    while (left := moment - time.monotonic()) > 0:
        time.sleep(min(left, 0.05) if left > 0.06 else left)


def cpu_of(procs: dict[str, int]) -> dict[str, float | None]:
    return {name: cpu_seconds(pid) for name, pid in procs.items()}


def run_load(node: Node, node_js: str, load_js: Path, mode: str, clients: int, args: argparse.Namespace,
             perf: tuple[str, Path] | None = None) -> dict:
    url = node.url if mode == "node" else node.echo_url
    command = [node_js, str(load_js), "--url", url, "--mode", mode, "--clients", str(clients),
               "--duration", str(args.duration), "--warmup", str(args.warmup), "--container", CONTAINER,
               "--poll-interval", str(args.poll_interval)]
    procs = node_processes(node.proc.pid)
    load_avg = os.getloadavg()[0]
    gen = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    perf_proc = None
    try:
        started = wait_first_socket(gen.pid, gen)
        sleep_until(started + args.warmup)
        procs = {**node_processes(node.proc.pid), "loadgen": gen.pid}
        if perf is not None:
            name, data = perf
            if name not in procs:
                raise BenchError(f"--perf {name}: no such process; found {', '.join(sorted(procs))}")
            perf_proc = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-g", "-o", str(data),
                                          "-p", str(procs[name]), "--", "sleep", str(args.duration)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        t0, cpu0 = time.monotonic(), cpu_of(procs)
        sleep_until(started + args.warmup + args.duration)
        t1, cpu1 = time.monotonic(), cpu_of(procs)
        out, err = gen.communicate(timeout=args.duration + 60)
    finally:
        if gen.poll() is None:
            gen.kill()
            gen.wait()
        perf_err = ""
        if perf_proc is not None:
            try:
                perf_err = perf_proc.communicate(timeout=args.duration + 60)[1]
            except subprocess.TimeoutExpired:
                perf_proc.kill()
                perf_err = "perf record did not stop in time"
    if gen.returncode != 0:
        raise BenchError(f"offchain-load.js exited {gen.returncode}: {err[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    window = t1 - t0
    if abs(window - args.duration) > 0.05 * args.duration:
        print(f"  warning: the /proc window was {window:.3f} s for a {args.duration} s run (machine busy?)", flush=True)
    cpu: dict[str, float] = {}
    for name in procs:
        if cpu0[name] is None or cpu1[name] is None:
            raise BenchError(f"{name} (PID {procs[name]}) exited during the {mode} run at {clients} clients")
        cpu[name] = cpu1[name] - cpu0[name]
    completed = result["completed"]
    per_job = {name: (secs * 1000 / completed if completed else None) for name, secs in cpu.items()}
    node_names = [name for name in procs if is_node_role(name)]
    time.sleep(args.settle)
    run = {
        "mode": mode, "clients": clients, "load_average_1m": load_avg, "window_s": window,
        "loadgen": result,
        "cpu_s": cpu,
        "cpu_ms_per_job": per_job,
        "node_cpu_ms_per_job": (sum(cpu[n] for n in node_names) * 1000 / completed) if completed else None,
        "node_cpu_cores": sum(cpu[n] for n in node_names) / window,
        "memory_after": node_memory(node_processes(node.proc.pid)),
    }
    if perf is not None:
        run["perf_stderr"] = perf_err.strip()[-2000:]
    return run


# -- perf ------------------------------------------------------------------------------------------

def perf_top(data: Path, lines: int) -> dict[str, list[str]]:
    """A perf.data's self time, flat, threads merged: by shared object, and the top symbols
    (demangled where swift-demangle is there)."""
    def report(sort: str, limit: str) -> list[str]:
        out = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--no-children", "-g", "none",
                              "--sort", sort, "--percent-limit", limit], capture_output=True, text=True, timeout=300)
        return [line.rstrip() for line in out.stdout.splitlines() if line.strip() and not line.startswith("#")]
    by_dso, rows = report("dso", "1"), report("dso,sym", "0.3")
    demangle = shutil.which("swift-demangle")
    if demangle and rows:
        done = subprocess.run([demangle, "--simplified"], input="\n".join(rows), capture_output=True, text=True,
                              timeout=60)
        if done.returncode == 0:
            rows = done.stdout.splitlines()
    return {"by_dso": by_dso[:12], "symbols": rows[:lines]}


# -- figures ---------------------------------------------------------------------------------------

def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def summarize(runs: list[dict]) -> dict:
    """Medians over the repetitions of one (mode, clients)."""
    def med(get) -> float | None:
        return median([get(r) for r in runs])
    names = sorted({n for r in runs for n in r["cpu_ms_per_job"]})
    return {
        "jobs_per_s": med(lambda r: r["loadgen"]["jobs_per_s"]),
        "jobs_per_s_each": [r["loadgen"]["jobs_per_s"] for r in runs],
        "completed": sum(r["loadgen"]["completed"] for r in runs),
        "failed": sum(r["loadgen"]["failed"] for r in runs),
        "p50_ms": med(lambda r: r["loadgen"]["p50_ms"]),
        "p99_ms": med(lambda r: r["loadgen"]["p99_ms"]),
        "polls_per_job": med(lambda r: r["loadgen"].get("polls_per_job")),
        "node_cpu_ms_per_job": med(lambda r: r["node_cpu_ms_per_job"]),
        "cpu_ms_per_job": {n: med(lambda r, n=n: r["cpu_ms_per_job"].get(n)) for n in names},
        "pss_mib_after": runs[-1]["memory_after"]["pss_mib"],
        "rss_mib_after": runs[-1]["memory_after"]["rss_mib"],
        "errors": [r["loadgen"].get("errors") for r in runs if r["loadgen"].get("errors")],
    }


def fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def ratio_line(label: str, value: float | None, target: float, unit: str, lower_is_better: bool = True) -> str:
    if value is None:
        return f"  {label}: not measured"
    times = value / target
    verdict = "met" if (value <= target if lower_is_better else value >= target) else "NOT met"
    return f"  {label}: {value:.2f}{unit} = {times:.2f}x the {target:g}{unit} target ({verdict})"


def print_report(report: dict) -> None:
    idle = report["idle_memory"]
    print(f"\nnode {report['bin']}; echo service and load generator: Node.js {report['node_js_version']}; "
          f"{report['duration_s']} s measured after {report['warmup_s']} s warm-up, {report['repeat']} run(s) each "
          f"(medians); poll interval {report['poll_interval_ms']} ms")
    print(f"node processes: " + ", ".join(f"{n}[{p}]" for n, p in report["processes"].items()))
    print(f"idle: node PSS {idle['pss_mib']:.1f} MiB, RSS {idle['rss_mib']:.1f} MiB ("
          + ", ".join(f"{n} {m['pss_mib']:.1f}/{m['rss_mib']:.1f}" for n, m in idle["per_process"].items()) + ")")
    print()
    header = (f"{'clients':>7} {'mode':>6} {'jobs/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'polls/job':>9} "
              f"{'node CPU ms/job':>15} {'loadgen ms/job':>14} {'echo ms/job':>11} {'PSS/RSS MiB after':>18}  "
              f"node CPU by process (ms/job)")
    print(header)
    for clients in report["clients"]:
        for mode in ("direct", "node"):
            s = report["summary"][mode].get(str(clients))
            if s is None:
                continue
            per = s["cpu_ms_per_job"]
            breakdown = ", ".join(f"{n} {fmt(v, 3)}" for n, v in per.items() if is_node_role(n))
            node_cpu = fmt(s["node_cpu_ms_per_job"], 3) if mode == "node" else "-"
            print(f"{clients:>7} {mode:>6} {fmt(s['jobs_per_s'], 1):>9} {fmt(s['p50_ms']):>8} {fmt(s['p99_ms']):>8} "
                  f"{(fmt(s['polls_per_job']) if mode == 'node' else '-'):>9} {node_cpu:>15} "
                  f"{fmt(per.get('loadgen'), 3):>14} {fmt(per.get('echo'), 3):>11} "
                  f"{fmt(s['pss_mib_after'], 1) + ' / ' + fmt(s['rss_mib_after'], 1):>18}  "
                  f"{breakdown if mode == 'node' else ''}")
            if s["failed"] or s["errors"]:
                print(f"{'':>15} failed {s['failed']}, errors {s['errors']}")
    print("\nissue 14 targets (ratio > 1: that many times over the target):")
    for line in report["targets"]["lines"]:
        print(line)
    print("\nnode jobs/s against the direct baseline (same run):")
    for clients in report["clients"]:
        r = report["summary"]["ratio_node_to_direct"].get(str(clients))
        d, n = report["summary"]["direct"].get(str(clients)), report["summary"]["node"].get(str(clients))
        if d and n:
            print(f"  {clients:>3} clients: node {fmt(n['jobs_per_s'], 1)} / direct {fmt(d['jobs_per_s'], 1)} = "
                  f"{fmt(r, 3)} ({fmt(100 * r if r is not None else None, 1)} %)")
    if report.get("perf"):
        p = report["perf"]
        print(f"\nperf record -e cpu-clock -g of {p['process']} [{p['pid']}], node run at {p['clients']} clients "
              f"(extra run, not in the figures; {fmt(p['jobs_per_s'], 1)} jobs/s under perf); top symbols, self time:")
        for line in p["top"]["symbols"]:
            print("  " + line)
        print("  by shared object:")
        for line in p["top"]["by_dso"]:
            print("  " + line)


def targets(summary: dict, idle: dict, memory_runs: list[dict], poll_interval_ms: float) -> dict:
    node = summary["node"]
    at32, at1 = node.get("32"), node.get("1")
    lines = [
        ratio_line("node CPU per completed job at 32 clients", at32 and at32["node_cpu_ms_per_job"], TARGET_CPU_MS, " ms"),
        ratio_line("p50 at 1 client", at1 and at1["p50_ms"], TARGET_P50_MS, " ms"),
        # The load generator sleeps before its first poll, so no node answers a job sooner.
        f"    (floor: the load generator waits {poll_interval_ms:g} ms before its first poll; "
        f"the rest of the p50, {fmt(at1 and at1['p50_ms'] - poll_interval_ms, 2)} ms, is two HTTP exchanges and the job)",
        ratio_line("p99 at 32 clients", at32 and at32["p99_ms"], TARGET_P99_MS, " ms"),
        ratio_line("status polls per job at 32 clients", at32 and at32["polls_per_job"], TARGET_POLLS, ""),
        ratio_line("node PSS idle", idle["pss_mib"], TARGET_PSS_MIB, " MiB") + f" (RSS {idle['rss_mib']:.1f} MiB)",
    ]
    last = memory_runs[-1] if memory_runs else None
    if last:
        lines.append(f"  node PSS after the last run: {last['pss_mib']:.1f} MiB = {last['pss_mib'] / idle['pss_mib']:.2f}x "
                     f"idle (target: flat), RSS {last['rss_mib']:.1f} MiB = {last['rss_mib'] / idle['rss_mib']:.2f}x idle")
    return {"lines": lines,
            "node_cpu_ms_per_job_32": at32 and at32["node_cpu_ms_per_job"],
            "p50_ms_1": at1 and at1["p50_ms"], "p99_ms_32": at32 and at32["p99_ms"],
            "polls_per_job_32": at32 and at32["polls_per_job"], "pss_mib_idle": idle["pss_mib"],
            "targets": {"node_cpu_ms_per_job_32": TARGET_CPU_MS, "p50_ms_1": TARGET_P50_MS,
                        "p99_ms_32": TARGET_P99_MS, "polls_per_job_32": TARGET_POLLS, "pss_mib_idle": TARGET_PSS_MIB}}


# -- main ------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=str(ROOT / ".build" / "release"), help="directory of the node's executables")
    parser.add_argument("--clients", default="1,8,32,64", help="comma-separated client counts")
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each measured window")
    parser.add_argument("--repeat", type=int, default=1, help="runs per mode and client count (medians printed)")
    parser.add_argument("--poll-interval", type=float, default=2.0, help="ms between a status answer and the next poll")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds after a run before memory is read")
    parser.add_argument("--tools", default=str(TOOLS), help="directory of echo-service.js and offchain-load.js")
    parser.add_argument("--perf", metavar="PROCESS", help="perf-record this process (gateway, compute, supervisor, echo)")
    parser.add_argument("--perf-lines", type=int, default=40, help="top symbol lines printed with --perf")
    parser.add_argument("--json", metavar="FILE", help="write every figure to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (config, node log)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                        help="override a key of the node's config.json, e.g. --set server.job_status_wait=0 (repeatable)")
    args = parser.parse_args(argv)
    try:
        args.client_counts = [int(c) for c in args.clients.split(",") if c.strip()]
    except ValueError:
        parser.error(f"--clients: comma-separated integers expected, got {args.clients!r}")
    if not args.client_counts or any(c < 1 for c in args.client_counts):
        parser.error(f"--clients: at least one count, each >= 1, got {args.clients!r}")
    if args.duration <= 0 or args.warmup < 0 or args.repeat < 1:
        parser.error("--duration must be > 0, --warmup >= 0, --repeat >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bin_dir = Path(args.bin).resolve()
    missing = [n for n in ("infernet-node", "infernet-gateway", "infernet-compute") if not os.access(bin_dir / n, os.X_OK)]
    if missing:
        raise BenchError(f"--bin {bin_dir}: {', '.join(missing)} not found (swift build -c release)")
    tools = Path(args.tools).resolve()
    echo_js, load_js = tools / "echo-service.js", tools / "offchain-load.js"
    for path in (echo_js, load_js):
        if not path.is_file():
            raise BenchError(f"{path} not found (--tools: the shared tools directory)")
    node_js = shutil.which("node")
    if node_js is None:
        raise BenchError("Node.js (`node`) not found on PATH: the echo service and load generator need it")
    if args.perf and shutil.which("perf") is None:
        raise BenchError("--perf: `perf` not found on PATH")
    node_version = subprocess.run([node_js, "--version"], capture_output=True, text=True).stdout.strip()

    directory = Path(tempfile.mkdtemp(prefix="infernet-bench-offchain-"))
    node = Node(bin_dir, directory, node_js, echo_js)
    try:
        config_overrides.apply(node.config, args.set)
    except ValueError as e:
        raise BenchError(str(e)) from None
    report: dict = {"bin": str(bin_dir), "node_js_version": node_version, "clients": args.client_counts,
                    "duration_s": args.duration, "warmup_s": args.warmup, "repeat": args.repeat,
                    "poll_interval_ms": args.poll_interval, "directory": str(directory), "config_set": args.set}
    try:
        print(f"starting infernet-node from {bin_dir} in {directory}", flush=True)
        node.start()
        time.sleep(2.0)   # let start-up work settle before the idle reading
        procs = node_processes(node.proc.pid)
        for role in ("supervisor", "gateway", "compute", "echo"):
            if role not in procs:
                raise BenchError(f"no {role} process under the supervisor [{node.proc.pid}]: found {procs}")
        if args.perf and args.perf not in procs:
            raise BenchError(f"--perf {args.perf}: no such process; found {', '.join(sorted(procs))}")
        report["processes"] = procs
        report["idle_memory"] = node_memory(procs)
        try:
            with urllib.request.urlopen(node.echo_url + "/", timeout=10) as res:
                up = b"service is up" in res.read()
        except OSError:
            up = False
        if not up:
            raise BenchError(f"the echo service does not answer at {node.echo_url} (did the node move its port?)")
        runs: list[dict] = []
        for mode in ("direct", "node"):
            for clients in args.client_counts:
                for rep in range(args.repeat):
                    run = run_load(node, node_js, load_js, mode, clients, args)
                    runs.append(run)
                    lg = run["loadgen"]
                    print(f"  {mode:>6} {clients:>3} clients #{rep + 1}: {lg['jobs_per_s']:.1f} jobs/s, p50 {lg['p50_ms']} ms, "
                          f"p99 {lg['p99_ms']} ms, node CPU {fmt(run['node_cpu_ms_per_job'], 3)} ms/job, "
                          f"PSS {run['memory_after']['pss_mib']:.1f} MiB (load avg {run['load_average_1m']:.1f})",
                          flush=True)
        report["runs"] = runs
        summary: dict = {"direct": {}, "node": {}, "ratio_node_to_direct": {}}
        for mode in ("direct", "node"):
            for clients in args.client_counts:
                summary[mode][str(clients)] = summarize([r for r in runs if r["mode"] == mode and r["clients"] == clients])
        for clients in args.client_counts:
            d, n = summary["direct"][str(clients)]["jobs_per_s"], summary["node"][str(clients)]["jobs_per_s"]
            summary["ratio_node_to_direct"][str(clients)] = (n / d) if d else None
        report["summary"] = summary
        report["targets"] = targets(summary, report["idle_memory"],
                                    [r["memory_after"] for r in runs if r["mode"] == "node"], args.poll_interval)
        if args.perf:
            clients = 32 if 32 in args.client_counts else max(args.client_counts)
            data = directory / "perf.data"
            run = run_load(node, node_js, load_js, "node", clients, args, perf=(args.perf, data))
            pid = node_processes(node.proc.pid).get(args.perf)
            report["perf"] = {"process": args.perf, "pid": pid, "clients": clients,
                              "jobs_per_s": run["loadgen"]["jobs_per_s"], "data": str(data),
                              "top": perf_top(data, args.perf_lines) if data.exists()
                              else {"symbols": [f"(perf wrote no data: {run.get('perf_stderr', '')})"], "by_dso": []}}
        print_report(report)
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2))
            print(f"\nfigures written to {args.json}")
    except BaseException:
        print(f"node log tail:\n{node.log_tail()}", file=sys.stderr)
        raise
    finally:
        node.stop()
        if args.keep:
            print(f"kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"bench-offchain: {e}", file=sys.stderr)
        sys.exit(1)
