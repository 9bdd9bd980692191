"""A guardian process: when a ``pitboard`` command dies, no process it started outlives it.

Pitboard's own children watch their parent (the spider: ``crawler.extensions.ParentWatch``; the
cleaning workers: ``etl.clean_stored``), but a command that runs a Prefect flow without
``PREFECT_API_URL`` also has Prefect's temporary server as a child, which does not: a SIGKILLed
``pitboard run`` left it running. ``start_guardian`` starts this module as a small child of the
command; every half second it notes the command's descendants (pid and start time, from /proc),
and once the command is gone it sends SIGTERM to those still running, SIGKILL 3 s later, and
exits. It ignores SIGINT and SIGTERM, which are the command's to handle. Linux only (/proc);
elsewhere nothing is started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

CHECK_SECONDS = 0.5
KILL_AFTER_SECONDS = 3.0


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time in clock ticks) of ``pid``; None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1]), int(fields[19])


def descendants(root: int) -> dict[int, int]:
    """{pid: start time} of every live process below ``root``."""
    parents: dict[int, tuple[int, int]] = {}
    for entry in Path("/proc").iterdir():
        stat = _stat(int(entry.name)) if entry.name.isdigit() else None
        if stat is not None and stat[0] not in ("Z", "X"):
            parents[int(entry.name)] = (stat[1], stat[2])
    found: dict[int, int] = {}
    frontier = {root}
    while frontier:
        frontier = {p for p, (parent, _) in parents.items() if parent in frontier} - found.keys()
        found.update({p: parents[p][1] for p in frontier})
    return found


def _still(pid: int, started: int) -> bool:
    """True when ``pid`` is still the process that started at ``started`` (not a reused pid)."""
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X") and stat[2] == started


def guard(parent: int) -> None:
    """Watch ``parent`` until it is gone, then stop what it left running."""
    me = os.getpid()
    known: dict[int, int] = {}
    while os.getppid() == parent:
        found = {pid: start for pid, start in descendants(parent).items() if pid != me}
        if os.getppid() != parent:
            # It died while /proc was read: its children were handed to another parent at
            # that moment, so this reading misses them (all of them, or some); the previous
            # one, taken while it lived, names what it left running.
            break
        known = found
        time.sleep(CHECK_SECONDS)
    left = {pid: start for pid, start in known.items() if _still(pid, start)}
    for pid in left:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + KILL_AFTER_SECONDS
    while time.monotonic() < deadline and any(_still(p, s) for p, s in left.items()):
        time.sleep(0.1)
    for pid, start in left.items():
        if _still(pid, start):
            _signal(pid, signal.SIGKILL)


def _signal(pid: int, signum: int) -> None:
    with suppress(OSError):  # gone meanwhile, or not ours
        os.kill(pid, signum)


_started: dict[int, subprocess.Popen[bytes]] = {}


def start_guardian() -> subprocess.Popen[bytes] | None:
    """Start the guardian of this process (Linux; once per process); None without /proc."""
    if not Path("/proc/self/stat").exists():
        return None
    if os.getpid() in _started:
        return _started[os.getpid()]
    _started[os.getpid()] = subprocess.Popen(
        [sys.executable, "-m", "flows.guardian", str(os.getpid())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=True,
    )
    return _started[os.getpid()]


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    guard(int(sys.argv[1]))
