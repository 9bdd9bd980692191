"""The guardian's reading of a command's processes (flows.guardian), on a scripted /proc.

The end-to-end check is tests/test_interrupts.py (a SIGKILLed ``pitboard run`` leaves no
process); here, the moment it can miss: the command dying while the guardian reads /proc.
"""

from __future__ import annotations

import signal
import time
from types import SimpleNamespace

import pytest

from flows import guardian

COMMAND, GUARDIAN, SERVER, SPIDER = 100, 101, 102, 103


def test_a_command_that_dies_while_its_processes_are_read_leaves_none_running(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two readings while the command lives; it dies during the third, so that reading finds
    # its children already handed to another parent (none below it).
    readings = iter([{SERVER: 7, SPIDER: 8}, {SERVER: 7, SPIDER: 8}, {}])
    alive = {"command": True}

    def descendants(root: int) -> dict[int, int]:
        assert root == COMMAND
        found = next(readings)
        if not found:
            alive["command"] = False
        return found

    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(guardian, "descendants", descendants)
    # The guardian's own view of os and time, scripted (the real modules stay as they are).
    getppid = lambda: COMMAND if alive["command"] else 1  # noqa: E731
    monkeypatch.setattr(guardian, "os", SimpleNamespace(getpid=lambda: GUARDIAN, getppid=getppid))
    clock = SimpleNamespace(sleep=lambda seconds: None, monotonic=time.monotonic)
    monkeypatch.setattr(guardian, "time", clock)
    monkeypatch.setattr(guardian, "_still", lambda pid, start: pid in (SERVER, SPIDER))
    monkeypatch.setattr(guardian, "_signal", lambda pid, signum: sent.append((pid, signum)))
    monkeypatch.setattr(guardian, "KILL_AFTER_SECONDS", 0.0)

    guardian.guard(COMMAND)

    assert (SERVER, signal.SIGTERM) in sent and (SPIDER, signal.SIGTERM) in sent
