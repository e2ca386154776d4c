"""Helpers of long work: the cycle collector's pause comes back exactly when the last pause ends."""

from __future__ import annotations

import gc
import threading

from app.jobs import cycle_collection_paused


def test_the_collector_is_off_inside_a_pause_and_back_after_it_even_on_error():
    assert gc.isenabled()
    try:
        with cycle_collection_paused():
            assert not gc.isenabled()
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()


def test_pauses_from_two_threads_overlap_and_the_collector_returns_after_the_last():
    first_inside, second_done = threading.Event(), threading.Event()

    def other() -> None:
        with cycle_collection_paused():
            first_inside.set()
            second_done.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    first_inside.wait(5)
    with cycle_collection_paused():
        pass
    assert not gc.isenabled()  # the other thread's pause still runs
    second_done.set()
    thread.join()
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    try:
        with cycle_collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
