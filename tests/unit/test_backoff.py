"""Retry delays: exponential, jittered over the whole range, capped."""
from kiosk.site.sync.client import backoff_delay


def test_full_jitter_bounds_grow_exponentially_up_to_the_cap():
    top = [backoff_delay(n, base=1.0, cap=300.0, rng=lambda: 1.0) for n in range(1, 12)]
    assert top[:8] == [2, 4, 8, 16, 32, 64, 128, 256]
    assert top[8:] == [300, 300, 300]
    assert backoff_delay(5, rng=lambda: 0.0) == 0.0
    assert backoff_delay(5, rng=lambda: 0.5) == 16.0


def test_jitter_spreads_kiosks_apart():
    import random
    rng = random.Random(1)
    delays = {round(backoff_delay(4, rng=rng.random), 3) for _ in range(50)}
    assert len(delays) > 40 and max(delays) <= 16.0
