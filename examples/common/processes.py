"""Child processes started in their own session with a log file, stopped with everything they
started, and a bounded wait (the devnet: devnet.client.Devnet).

The one home of these pieces for the examples and for the Python tests (Tests/Python/services
nodehelpers, hostile, examples, ezkl): standard library only, so that every venv of
scripts/setup.sh (project, --services, --ezkl, --hostile) can import it with the checkout's root
on sys.path."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

from devnet.client import DEVNET_KEYS, ROOT  # noqa: F401  (re-exported)


class ExampleError(RuntimeError):
    """A step of an example failed; the message says which and why."""


def descendants(pid: int) -> list[int]:
    """Every live descendant of `pid` (from /proc): the node's workers and containers run in
    process groups of their own, so a group kill alone would miss them."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def memory_kib(pid: int) -> tuple[int, int] | None:
    """(PSS, RSS) of `pid` in KiB from /proc/PID/smaps_rollup, or None once it is gone."""
    pss = rss = None
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        return None
    if pss is None or rss is None:
        return None
    return pss, rss


def kill_group(proc: subprocess.Popen, grace: float = 10, own_session: bool = False) -> None:
    """SIGTERM to the process (the node stops its workers and containers itself), then SIGKILL
    to its process group and to every descendant that is still there. `own_session`: it was
    started with start_new_session, so its group (= its pid) is killed even once it has exited."""
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        pgid = proc.pid if own_session else None
    family = descendants(proc.pid) if proc.poll() is None else []
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    if pgid is not None:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for pid in family:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if proc.poll() is None:
        proc.wait(5)


class Process:
    """A child process in its own session, run from the checkout's root, logging to a file;
    `stop` ends it and everything it started (SIGTERM first, so the node stops its containers
    itself)."""

    def __init__(self, name: str, cmd: list[str], log_path: Path, env: dict[str, str] | None = None,
                 stdout_pipe: bool = False) -> None:
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.stopped = False
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})},
                                     stdout=subprocess.PIPE if stdout_pipe else self.log,
                                     stderr=self.log, start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, grace: float = 10) -> None:
        if self.stopped:
            return
        self.stopped = True
        kill_group(self.proc, grace, own_session=True)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.log.close()


def wait_for(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.2,
             alive: Callable[[], bool] | None = None) -> Any:
    """Calls `check` until it returns something truthy; an ExampleError naming `what` after
    `timeout` seconds (or as soon as `alive` says the process it waits on has died)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if alive is not None and not alive():
            raise ExampleError(f"{what}: the process exited")
        if time.monotonic() > deadline:
            raise ExampleError(f"{what}: not within {timeout:g} s")
        time.sleep(interval)
