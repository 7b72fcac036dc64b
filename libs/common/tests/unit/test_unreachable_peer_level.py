"""How loudly a process says a peer (accounts) does not answer: quiet while everything starts."""

from __future__ import annotations

import logging

from nestegg_common.logs import STARTUP_GRACE_FAILURES, unreachable_peer_level


def levels(failures: range, *, starting: bool) -> dict[int, int]:
    return {
        n: level
        for n in failures
        if (level := unreachable_peer_level(n, starting=starting)) is not None
    }


def test_a_peer_still_starting_is_one_info_line_then_a_warning_after_the_grace() -> None:
    assert STARTUP_GRACE_FAILURES == 15
    assert levels(range(1, 250), starting=True) == {
        1: logging.INFO,
        15: logging.WARNING,
        100: logging.WARNING,
        200: logging.WARNING,
    }


def test_a_peer_lost_later_is_a_warning_at_once_then_one_line_per_hundred() -> None:
    assert levels(range(1, 250), starting=False) == {
        1: logging.WARNING,
        100: logging.WARNING,
        200: logging.WARNING,
    }
