"""A run that ends when its last job does, not up to a second later.

After every pass of its scheduling loop Snakemake starts a `threading.Timer` of one second (its
job rate limit, `--max-jobs-per-timespan`, 100 per 1 s by default), which wakes the loop to look
again. The timers are not daemon threads, so when the last job has finished Python waits for
the last timer before the process can exit: about a second at the end of every run. Once the
scheduling is over (`onsuccess`, `onerror`) no pass is left for a timer to wake, and cancelling
the timers that are still waiting changes nothing but when the process ends.
"""
from __future__ import annotations

import threading


def cancel_waiting_timers() -> int:
    """Cancel every `threading.Timer` of this process that has not fired yet; the number cancelled."""
    timers = [thread for thread in threading.enumerate()
              if isinstance(thread, threading.Timer) and not thread.finished.is_set()]
    for timer in timers:
        timer.cancel()
    return len(timers)
