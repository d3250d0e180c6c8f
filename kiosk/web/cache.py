"""A small in-process cache of rendered fragments, keyed by the catalog's generation.

Search-as-you-type sends every prefix a visitor types ("か", "かふ", "かふぇ"), and visitors type
the same few words, so most fragments repeat. Entries name the catalog generation they were
rendered from; anything that changes what a fragment shows bumps the generation
(kiosk.catalog.bump_generation), so a stale entry is never served.

A cache given ``max_bytes`` keeps its fragments zlib-compressed (fast level: HTML shrinks to a
sixth or less, and a fragment opens again in tens of microseconds) within that many bytes, so
many fragments fit in the memory a few plain ones would take.
"""
import collections
import threading
import zlib

from ..search import analyser


class FragmentCache:
    def __init__(self, size=256, max_bytes=None):
        self.size, self.max_bytes = size, max_bytes
        self._data = collections.OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get_or_render(self, key, render):
        """The cached text for ``key``, or render() stored under it."""
        with self._lock:
            stored = self._data.get(key)
            if stored is not None:
                self._data.move_to_end(key)
        if stored is not None:
            return stored if self.max_bytes is None else zlib.decompress(stored).decode()
        misses = analyser.misses
        text = render()
        if analyser.misses != misses:   # read while the Japanese analyser was away: not kept
            return text
        stored = text if self.max_bytes is None else zlib.compress(text.encode(), 1)
        with self._lock:
            old = self._data.pop(key, None)
            self._bytes -= self._size(old)
            self._data[key] = stored
            self._bytes += self._size(stored)
            while len(self._data) > self.size or (self.max_bytes is not None and self._bytes > self.max_bytes):
                _k, dropped = self._data.popitem(last=False)
                self._bytes -= self._size(dropped)
        return text

    def get_bytes(self, key):
        """The cached text for ``key`` as UTF-8 bytes, or None."""
        with self._lock:
            stored = self._data.get(key)
            if stored is not None:
                self._data.move_to_end(key)
        if stored is None:
            return None
        return stored.encode() if self.max_bytes is None else zlib.decompress(stored)

    def _size(self, stored):
        return len(stored) if stored is not None and self.max_bytes is not None else 0

    def clear(self):
        with self._lock:
            self._data.clear()
            self._bytes = 0
