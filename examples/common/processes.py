"""Child processes of an example: started in their own session with a log file, stopped with
everything they started; and a bounded wait."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Callable


class ExampleError(RuntimeError):
    """A step of an example failed; the message says which and why."""


def descendants(pid: int) -> list[int]:
    """Every live descendant of `pid`: the node's workers and containers run in process groups
    of their own, so a group kill alone would miss them."""
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


class Process:
    """A child process in its own session, logging to a file; `stop` ends it and everything it
    started (SIGTERM first, so the node stops its containers itself)."""

    def __init__(self, name: str, cmd: list[str], log_path: Path, env: dict[str, str] | None = None,
                 stdout_pipe: bool = False) -> None:
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=Path(__file__).resolve().parents[2], env={**os.environ, **(env or {})},
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
        family = descendants(self.proc.pid) if self.alive() else []
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for pid in family:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.alive():
            self.proc.wait(5)
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
