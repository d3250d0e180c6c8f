"""A small in-process cache of rendered fragments, keyed by the catalog's generation.

Search-as-you-type sends every prefix a visitor types ("か", "かふ", "かふぇ"), and visitors type
the same few words, so most fragments repeat. Entries name the catalog generation they were
rendered from; anything that changes what a fragment shows bumps the generation
(kiosk.catalog.bump_generation), so a stale entry is never served.
"""
import collections
import threading

from ..search import analyser


class FragmentCache:
    def __init__(self, size=256):
        self.size = size
        self._data = collections.OrderedDict()
        self._lock = threading.Lock()

    def get_or_render(self, key, render):
        """The cached text for ``key``, or render() stored under it."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        misses = analyser.misses
        text = render()
        if analyser.misses != misses:   # read while the Japanese analyser was away: not kept
            return text
        with self._lock:
            self._data[key] = text
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return text

    def clear(self):
        with self._lock:
            self._data.clear()
