"""Per-process, per-user cache of encoded read answers, kept right by LISTEN/NOTIFY.

A repeated read of the same page costs no database round trip (issue 19, docs/ARCHITECTURE.md
"Ledger: cached pages"). What keeps it right:

- **Own writes**: a write's use case calls `invalidate(owner)` after its transaction ends and
  before its answer is sent, so within one process a read after a write never sees the page
  from before it.
- **Every other writer** (another replica, an erasure, psql): the database NOTIFYs the owner's
  id from the writing transaction (delivered at commit); `nestegg_common.page_listener` drops
  that owner's entries when it arrives. Across processes a page can be stale for the
  notification's delivery time, never longer.
- **No listener, no cache**: while the listening connection is down (startup, lost,
  reconnecting) the cache is `suspend`ed: emptied, nothing served, nothing stored.
- **No filling from an old read**: `reading()` gives a token before the query; `put` stores
  only if no invalidation of that owner (nor a suspend) happened since the token. A write that
  committed after the read's snapshot is invalidated after the token, so its page is refused;
  one that committed before it is in the snapshot.
- **Bounded**: least recently used entries go beyond `max_bytes` or `max_entries`.

Single-threaded (one event loop): no locks.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterator
from dataclasses import dataclass

from aiohttp import web
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# What one entry costs besides its body: key tuple, dict node, ETag, the entry itself.
ENTRY_OVERHEAD_BYTES = 400
# Users whose last invalidation is remembered (to refuse fills from older reads); beyond it all
# are forgotten at once and every read in flight is refused instead (rare, and always safe).
MAX_TRACKED_OWNERS = 100_000
JSON = "application/json"


def none_match(header: str | None, etag: str) -> bool:
    """Say whether `If-None-Match` matches `etag` (weak comparison, RFC 9110 §13.1.2)."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


@dataclass(frozen=True, slots=True)
class CachedBody:
    """An answer's encoded body and its strong ETag (a digest of the bytes)."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> CachedBody:
        """Wrap `body` with its ETag: equal bytes, equal tags, whichever process made them."""
        return cls(body, f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"')

    def response(self, request: web.Request) -> web.Response:
        """Answer 200 with the body, or 304 when the client holds these bytes already."""
        if none_match(request.headers.get("If-None-Match"), self.etag):
            return web.Response(status=304, headers={"ETag": self.etag})
        return web.Response(body=self.body, content_type=JSON, headers={"ETag": self.etag})


class PageCache:
    """Encoded answers per (owner, key), least recently used first out.

    `max_bytes` 0 turns it off: it is never resumed, so it serves and stores nothing.
    """

    def __init__(self, *, max_bytes: int, max_entries: int = 50_000) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[uuid.UUID, Hashable], CachedBody] = OrderedDict()
        self._keys: dict[uuid.UUID, set[Hashable]] = {}
        self._bytes = 0
        self._serving = False
        # Every invalidation or suspend takes the next number; a fill is stored only if its
        # owner's last number (and the floor, raised by suspend, resume and forgetting) is not
        # above the token its read started with.
        self._sequence = 0
        self._floor = 0
        self._last_invalidated: dict[uuid.UUID, int] = {}
        # What the cache did, for PageCacheCollector (plain ints: a hit costs no label lookup).
        self.hits = 0
        self.misses = 0
        self.refused = 0  # fills not kept: suspended, invalidated since the read, too large

    @property
    def serving(self) -> bool:
        """Say whether the cache may answer (on, and its listener connected)."""
        return self._serving

    @property
    def size(self) -> tuple[int, int]:
        """Return (entries, bytes accounted)."""
        return len(self._entries), self._bytes

    def get(self, owner: uuid.UUID, key: Hashable) -> CachedBody | None:
        """Return the owner's answer for `key`, or None (also while suspended: it is empty)."""
        entry = self._entries.get((owner, key))
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
            self._entries.move_to_end((owner, key))
        return entry

    def reading(self) -> int | None:
        """Return the token of a read about to start (None: do not store what it reads)."""
        return self._sequence if self._serving else None

    def put(self, owner: uuid.UUID, key: Hashable, entry: CachedBody, token: int | None) -> bool:
        """Store what a read that began at `token` produced; say whether it was kept."""
        if token is None or not self._serving or token < self._floor:
            self.refused += 1
            return False
        if self._last_invalidated.get(owner, -1) > token:
            self.refused += 1
            return False  # the owner's data changed after the read began: it may be older
        cost = len(entry.body) + ENTRY_OVERHEAD_BYTES
        if cost > self.max_bytes // 8:
            self.refused += 1
            return False  # one huge answer would push out many small ones
        self._drop((owner, key))
        self._entries[(owner, key)] = entry
        self._keys.setdefault(owner, set()).add(key)
        self._bytes += cost
        while self._bytes > self.max_bytes or len(self._entries) > self.max_entries:
            self._drop(next(iter(self._entries)))
        return True

    def invalidate(self, owner: uuid.UUID) -> None:
        """Drop the owner's answers and refuse fills from reads that began before now."""
        self._sequence += 1
        if len(self._last_invalidated) >= MAX_TRACKED_OWNERS:
            self._last_invalidated.clear()
            self._floor = self._sequence
        self._last_invalidated[owner] = self._sequence
        for key in self._keys.pop(owner, set()):
            self._drop_entry((owner, key))

    def invalidate_all(self) -> None:
        """Drop every answer and refuse fills from reads in flight (keeps serving)."""
        self._sequence += 1
        self._floor = self._sequence
        self._last_invalidated.clear()
        self._entries.clear()
        self._keys.clear()
        self._bytes = 0

    def suspend(self) -> None:
        """Stop serving and storing, and empty: a notification may be missed from now on."""
        self._serving = False
        self.invalidate_all()

    def resume(self) -> None:
        """Serve again: call once notifications are being received (LISTEN done)."""
        if self.max_bytes <= 0:
            return
        self.invalidate_all()  # reads that began before this moment never store
        self._serving = True

    def _drop(self, full_key: tuple[uuid.UUID, Hashable]) -> None:
        if self._drop_entry(full_key):
            owner, key = full_key
            keys = self._keys.get(owner)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._keys[owner]

    def _drop_entry(self, full_key: tuple[uuid.UUID, Hashable]) -> bool:
        entry = self._entries.pop(full_key, None)
        if entry is None:
            return False
        self._bytes -= len(entry.body) + ENTRY_OVERHEAD_BYTES
        return True


class PageCacheCollector(Collector):
    """Report a page cache's hits, misses, refused fills, size and state when scraped."""

    def __init__(self, cache: PageCache) -> None:
        self._cache = cache

    def collect(self) -> Iterator[Metric]:
        """Read the cache's counters now (nothing is kept up to date in between)."""
        cache = self._cache
        entries, size = cache.size
        for name, documentation, value in (
            ("nestegg_page_cache_hits", "Reads answered from the page cache.", cache.hits),
            ("nestegg_page_cache_misses", "Reads the page cache did not hold.", cache.misses),
            (
                "nestegg_page_cache_refused_fills",
                "Pages read but not kept: cache off, the owner's data changed since, or too large.",
                cache.refused,
            ),
        ):
            yield CounterMetricFamily(name, documentation, value=value)
        for name, documentation, value in (
            ("nestegg_page_cache_entries", "Pages held.", entries),
            ("nestegg_page_cache_bytes", "Bytes held, with each entry's overhead.", size),
            (
                "nestegg_page_cache_serving",
                "1 while the cache answers (its listener hears notifications), else 0.",
                int(cache.serving),
            ),
        ):
            yield GaugeMetricFamily(name, documentation, value=value)


async def cached_answer(
    request: web.Request,
    cache: PageCache,
    owner: uuid.UUID,
    key: Hashable,
    produce: Callable[[], Awaitable[bytes]],
) -> web.Response:
    """Answer the owner's `key` from the cache, or from `produce()` (then kept if still current).

    `key` must name everything the answer depends on besides the owner's data; `produce` runs
    only on a miss, and the token is taken before it reads anything.
    """
    entry = cache.get(owner, key)
    if entry is None:
        token = cache.reading()
        entry = CachedBody.of(await produce())
        cache.put(owner, key, entry, token)
    return entry.response(request)
