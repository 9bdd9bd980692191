"""Prefect's runner (what ``serve`` runs scheduled flows with), stopped like any command.

``prefect.serve`` catches KeyboardInterrupt and Prefect's TerminationSignal and returns, and the
runner's own SIGTERM handler calls ``sys.exit(0)``: a served process stopped by Ctrl-C or SIGTERM
exited 0, as if it had finished. Worse, either way the interrupt cancels the runner's tasks, and
a cancelled task kills its flow run's process with SIGKILL (anyio's process clean-up): the run
could not record its end, and its ``crawl_runs`` row stayed 'running'.

Here a first SIGINT or SIGTERM stops the runner through its own ``astop`` (no new runs; each
run's process gets SIGTERM and is waited for: the flow records its sites 'interrupted' and stops
their spiders), for at most ``STOP_SECONDS``; then, or at a second signal, what still runs is
cancelled (killed). ``serve`` then re-raises the signal under the process's own handlers
(``flows.cli``: KeyboardInterrupt, ``Terminated``), so ``pitboard serve`` exits 130 / 143.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from typing import Any

from prefect.runner import Runner

log = logging.getLogger(__name__)

# The bound is 10 s from the signal to the exit; the flow needs about 3 s to stop its
# spider and record its runs, Prefect's runner notices a process has exited within 3 s.
STOP_SECONDS = 7.0
INTERRUPTS = (signal.SIGINT, signal.SIGTERM)


class InterruptibleRunner(Runner):
    """A :class:`prefect.runner.Runner` whose SIGTERM is handled by :func:`serve`."""

    on_sigterm: Callable[[], None] | None = None

    def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
        # Prefect's handler stops the runner and calls sys.exit(0) from inside the signal handler.
        if self.on_sigterm is None:
            super().handle_sigterm(*args, **kwargs)
        else:
            self.on_sigterm()


def serve(runner: InterruptibleRunner) -> None:
    """Run ``runner`` until it is stopped; a SIGINT or SIGTERM that stopped it is raised again
    once its flow runs have stopped, under the handlers the process had before."""
    own = {signum: signal.getsignal(signum) for signum in INTERRUPTS}
    try:
        received = asyncio.run(_run_until_interrupted(runner))
    finally:
        for signum, handler in own.items():
            if handler is not None:
                signal.signal(signum, handler)
    if received is not None:
        signal.raise_signal(received)


async def _run_until_interrupted(runner: InterruptibleRunner) -> int | None:
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    assert main is not None
    received: list[int] = []
    stopping: list[asyncio.Task[None]] = []  # a reference, or the task may be collected

    async def stop() -> None:
        if not runner.started:  # still starting: nothing runs yet
            main.cancel()
            return
        try:
            await asyncio.wait_for(runner.astop(), STOP_SECONDS)
        except TimeoutError:
            log.warning("flow runs still going %.0f s after the interrupt: killed", STOP_SECONDS)
            main.cancel()

    def interrupt(signum: int) -> None:
        received.append(signum)
        if len(received) == 1:
            log.info("%s: stopping the flow runs in progress", signal.Signals(signum).name)
            stopping.append(loop.create_task(stop()))
        else:  # a second interrupt: stop waiting for them
            main.cancel()

    loop.add_signal_handler(signal.SIGINT, interrupt, signal.SIGINT)
    # The runner installs its SIGTERM handler when it starts: it calls back here, in the loop.
    runner.on_sigterm = lambda: loop.call_soon_threadsafe(interrupt, signal.SIGTERM)
    try:
        await runner.start()
    except asyncio.CancelledError:
        if not received:
            raise
    return received[0] if received else None
