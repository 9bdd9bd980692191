"""A process's peak memory, as Linux counts it for that process alone.

``ru_maxrss`` will not do for a child process: Linux carries the parent's peak into the child's
``ru_maxrss`` across fork and exec (a ``python -c pass`` started by a 500 MB parent reports
514 MiB there, and 13 MiB of VmHWM). VmHWM belongs to the running program only. Imports nothing
heavy, so the benchmarks' measured processes can use it without changing what they measure.
"""

from __future__ import annotations


def peak_rss_mib(pid: int | str = "self") -> float | None:
    """Peak resident memory (VmHWM) of process ``pid`` in MiB; None when /proc does not tell
    (another platform, or the process is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None
