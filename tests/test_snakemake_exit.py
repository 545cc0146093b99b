"""online_csa.rule_support.snakemake_exit: the rescheduling timers Snakemake leaves waiting are cancelled when
the scheduling is over, so the process need not wait for them."""
import threading

from online_csa.rule_support.snakemake_exit import cancel_waiting_timers


def test_waiting_timers_are_cancelled_and_never_fire_and_fired_ones_are_not_counted():
    fired = []
    done = threading.Timer(0, lambda: fired.append("done"))
    done.start()
    done.join(timeout=5)
    waiting = [threading.Timer(60, lambda: fired.append("waiting")) for _ in range(2)]
    for timer in waiting:
        timer.start()
    assert cancel_waiting_timers() == 2
    for timer in waiting:
        timer.join(timeout=5)  # a cancelled timer's thread ends at once
        assert not timer.is_alive()
    assert fired == ["done"]
    assert cancel_waiting_timers() == 0
