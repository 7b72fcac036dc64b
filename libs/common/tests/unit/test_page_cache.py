"""The page cache's own rules: fills from old reads refused, bounds, suspend, ETag matching.

The ledger's integration tests (services/ledger/tests/integration/test_page_cache*.py) show
the same rules against PostgreSQL and real apps; these pin each rule alone.
"""

from __future__ import annotations

import uuid

import pytest

from nestegg_common import page_cache
from nestegg_common.page_cache import ENTRY_OVERHEAD_BYTES, CachedBody, PageCache, none_match

A, B = uuid.uuid4(), uuid.uuid4()


def serving(max_bytes: int = 1_000_000, max_entries: int = 1000) -> PageCache:
    cache = PageCache(max_bytes=max_bytes, max_entries=max_entries)
    cache.resume()
    return cache


def body(text: str) -> CachedBody:
    return CachedBody.of(text.encode())


def test_a_stored_page_is_served_to_its_owner_only() -> None:
    cache = serving()
    assert cache.put(A, "q", body("a's"), cache.reading())
    assert cache.get(A, "q") == body("a's")
    assert cache.get(B, "q") is None


def test_a_read_that_began_before_an_invalidation_is_not_stored() -> None:
    # The race: the read's snapshot may predate the write that caused the invalidation.
    cache = serving()
    token = cache.reading()
    cache.invalidate(A)
    assert not cache.put(A, "q", body("old"), token)
    assert cache.get(A, "q") is None
    # Another owner's invalidation does not refuse A's fill; a read begun after it is stored.
    token = cache.reading()
    cache.invalidate(B)
    assert cache.put(A, "q", body("new"), token)
    assert cache.put(B, "q", body("b"), cache.reading())


def test_an_invalidation_drops_only_its_owners_pages() -> None:
    cache = serving()
    for owner in (A, B):
        for key in ("q1", "q2"):
            cache.put(owner, key, body(f"{owner}{key}"), cache.reading())
    cache.invalidate(A)
    assert (cache.get(A, "q1"), cache.get(A, "q2")) == (None, None)
    assert cache.get(B, "q1") is not None and cache.get(B, "q2") is not None
    assert cache.size == (2, 2 * (len(f"{B}q1".encode()) + ENTRY_OVERHEAD_BYTES))


def test_suspended_it_serves_and_stores_nothing_and_a_resume_starts_empty() -> None:
    cache = serving()
    cache.put(A, "q", body("a"), cache.reading())
    in_flight = cache.reading()
    cache.suspend()
    assert not cache.serving and cache.get(A, "q") is None and cache.size == (0, 0)
    assert cache.reading() is None
    assert not cache.put(A, "q", body("a"), in_flight)
    cache.resume()
    # A read that began before the resume may have missed a notification: not stored.
    assert not cache.put(A, "q", body("a"), in_flight)
    assert cache.put(A, "q", body("a"), cache.reading())


def test_zero_bytes_is_off() -> None:
    cache = PageCache(max_bytes=0)
    cache.resume()
    assert not cache.serving and cache.reading() is None


def test_least_recently_used_pages_go_first_within_bytes_and_entries() -> None:
    entry_cost = len(b"x" * 100) + ENTRY_OVERHEAD_BYTES
    cache = serving(max_bytes=8 * entry_cost, max_entries=1000)
    keys = [str(n) for n in range(8)]
    for key in keys:
        assert cache.put(A, key, CachedBody.of(b"x" * 100), cache.reading())
    cache.get(A, "0")  # now the most recently used
    cache.put(B, "new", CachedBody.of(b"x" * 100), cache.reading())
    assert cache.get(A, "1") is None
    kept = [(A, k) for k in keys if k != "1"] + [(B, "new")]
    assert all(cache.get(o, k) is not None for o, k in kept)
    assert cache.size == (8, 8 * entry_cost)
    by_count = serving(max_entries=2)
    for key in ("1", "2", "3"):
        by_count.put(A, key, body(key), by_count.reading())
    assert by_count.size[0] == 2 and by_count.get(A, "1") is None


def test_an_answer_over_an_eighth_of_the_budget_is_not_kept() -> None:
    cache = serving(max_bytes=8_000)
    assert not cache.put(A, "q", CachedBody.of(b"x" * 1_000), cache.reading())
    assert cache.put(A, "q", CachedBody.of(b"x" * 500), cache.reading())


def test_forgetting_owners_refuses_every_read_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page_cache, "MAX_TRACKED_OWNERS", 2)
    cache = serving()
    token = cache.reading()
    cache.invalidate(uuid.uuid4())
    cache.invalidate(uuid.uuid4())
    cache.invalidate(uuid.uuid4())  # A's own last invalidation is now forgotten with the rest
    assert not cache.put(A, "q", body("a"), token)
    assert cache.put(A, "q", body("a"), cache.reading())


def test_invalidate_all_keeps_serving_but_refuses_reads_in_flight() -> None:
    cache = serving()
    cache.put(A, "q", body("a"), cache.reading())
    token = cache.reading()
    cache.invalidate_all()
    assert cache.serving and cache.get(A, "q") is None
    assert not cache.put(B, "q", body("b"), token)


def test_the_etag_is_a_digest_of_the_bytes() -> None:
    assert CachedBody.of(b"abc").etag == CachedBody.of(b"abc").etag
    assert CachedBody.of(b"abc").etag != CachedBody.of(b"abd").etag
    assert CachedBody.of(b"abc").etag.startswith('"') and CachedBody.of(b"abc").etag.endswith('"')


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ('"t"', True),
        ('W/"t"', True),
        ('"x", "t"', True),
        (' "x" ,W/"t" ', True),
        ("*", True),
        ('"x"', False),
        ("t", False),
        ("", False),
    ],
)
def test_if_none_match_compares_weakly(header: str | None, matches: bool) -> None:
    assert none_match(header, '"t"') is matches
