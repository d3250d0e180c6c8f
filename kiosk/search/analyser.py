"""Japanese morphological analysis (SudachiPy), in this process or in a helper process.

SudachiPy's dictionary takes about 35 MB once loaded, more than half of what a kiosk otherwise
needs. The hub analyses in its own process (``Inline``). A kiosk serving visitors (`kiosk
serve`, ANALYSER_PROCESS) keeps the dictionary in a helper process of its own (``Helper``): a
child started with the kiosk, answering one line of JSON per text over a pipe. The kiosk can
live without it: when the helper is not there (still loading, crashed, killed), a text is
returned as one word without a reading (``unread``): search still finds it by its characters,
and a page shows no furigana where a carried reading is missing, until the helper is back.

Run as a script (``python -I kiosk/search/analyser.py``), this module is the helper.
"""
import json
import logging
import os
import select
import subprocess
import sys
import threading
import time

log = logging.getLogger(__name__)

# A text longer than this is cut before it is sent (the analyser's own limit is near 50 KB).
MAX_TEXT = 16_000


class Morpheme:
    """One word as the analyser cut it: the methods of SudachiPy's Morpheme that we use."""
    __slots__ = ("_surface", "_pos", "_normalized", "_reading")

    def __init__(self, surface, pos, normalized, reading):
        self._surface, self._pos, self._normalized, self._reading = surface, pos, normalized, reading

    def surface(self):
        return self._surface

    def part_of_speech(self):
        return self._pos

    def normalized_form(self):
        return self._normalized

    def reading_form(self):
        return self._reading

    def __repr__(self):
        return f"Morpheme({self._surface!r}, {self._reading!r})"


# How many texts went unread since the process started: a page or a result computed while this
# changed is not kept for the next visitor (kiosk.web.pagecache, kiosk.search.index).
misses = 0


def _missed():
    global misses
    misses += 1


class NotRead(Exception):
    """The analyser was not there to read a text (words(..., strict=True))."""


def unread(text):
    """``text`` as one word the analyser did not read: its own characters are its forms."""
    return [Morpheme(text, ("名詞", "普通名詞"), text, text)] if text else []


def _tokenizer():
    from sudachipy import dictionary, tokenizer
    return dictionary.Dictionary(dict="small").tokenizer(), tokenizer.Tokenizer.SplitMode.C


def _rows(tokenizer, mode, text):
    return [(m.surface(), tuple(m.part_of_speech()[:2]), m.normalized_form(), m.reading_form())
            for m in tokenizer.tokenize(text[:MAX_TEXT], mode)]


class Inline:
    """SudachiPy in this process: one tokenizer per thread (a Tokenizer must not be used by two
    threads at once), the dictionary shared."""
    process = False

    def __init__(self):
        self._local = threading.local()
        self._lock = threading.Lock()
        self._dictionary = None

    def start(self):
        self.words("練馬区")

    def _tok(self):
        tok = getattr(self._local, "tok", None)
        if tok is None:
            with self._lock:
                if self._dictionary is None:
                    from sudachipy import dictionary, tokenizer
                    self._dictionary = (dictionary.Dictionary(dict="small"), tokenizer.Tokenizer.SplitMode.C)
            tok = self._local.tok = (self._dictionary[0].tokenizer(), self._dictionary[1])
        return tok

    def words(self, text, strict=False):
        tokenizer, mode = self._tok()
        return [Morpheme(*row) for row in _rows(tokenizer, mode, text)]

    def stop(self):
        pass


class Helper:
    """SudachiPy in a child process: one request at a time over its pipes, answered within
    ``timeout`` seconds or the child is stopped and a new one started at the next call after
    ``retry_after`` seconds. Meanwhile texts come back ``unread``."""
    process = True

    def __init__(self, timeout=3.0, start_timeout=30.0, retry_after=10.0, command=None):
        self.timeout, self.start_timeout, self.retry_after = timeout, start_timeout, retry_after
        # This file run as a script, isolated (-I: no script directory on the path), so the
        # helper imports SudachiPy and the standard library only, not the kiosk and Flask.
        self.command = command or [sys.executable, "-I", os.path.abspath(__file__)]
        self._lock = threading.Lock()
        self._proc = None
        self._ready = False
        self._failed_at = None
        self._buffer = b""

    @property
    def pid(self):
        return self._proc.pid if self._proc else None

    def start(self):
        """Start the helper now (it reads its dictionary on the other core while the kiosk
        starts); the first text waits for it to be ready."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._spawn()

    def _spawn(self):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self._proc = subprocess.Popen(self.command, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=None, env=env, close_fds=True)
        self._ready, self._buffer = False, b""

    def _readline(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self._proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError("the analyser did not answer in time")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EOFError("the analyser stopped")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def _fail(self, exc):
        log.warning("Japanese analyser unavailable (%s); texts are searched by their characters "
                    "until it is back", exc)
        self._failed_at = time.monotonic()
        self.stop_locked()

    def words(self, text, strict=False):
        if not text:
            return []
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                if self._failed_at is not None and time.monotonic() - self._failed_at < self.retry_after:
                    _missed()
                    if strict:
                        raise NotRead(text)
                    return unread(text)
                self._spawn()
            try:
                if not self._ready:
                    if self._readline(self.start_timeout) != b"ready":
                        raise EOFError("the analyser did not start")
                    self._ready = True
                self._proc.stdin.write(json.dumps(text[:MAX_TEXT], ensure_ascii=False).encode() + b"\n")
                self._proc.stdin.flush()
                rows = json.loads(self._readline(self.timeout))
            except (OSError, EOFError, TimeoutError, ValueError) as exc:
                self._fail(exc)
                _missed()
                if strict:
                    raise NotRead(text) from None
                return unread(text)
            self._failed_at = None
        return [Morpheme(surface, tuple(pos), normalized, reading) for surface, pos, normalized, reading in rows]

    def stop_locked(self):
        proc, self._proc, self._ready = self._proc, None, False
        if proc is not None:
            try:
                proc.kill()
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
            for stream in (proc.stdin, proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass

    def stop(self):
        with self._lock:
            self.stop_locked()


def main():
    """The helper: "ready" once the dictionary is read, then for each line (a JSON string) one
    line with the words (surface, part of speech, normalised form, reading). It ends with its
    input, so it never outlives the kiosk that started it."""
    tokenizer, mode = _tokenizer()
    out = sys.stdout.buffer
    out.write(b"ready\n")
    out.flush()
    for line in sys.stdin.buffer:
        try:
            text = json.loads(line)
            rows = _rows(tokenizer, mode, text if isinstance(text, str) else "")
        except Exception:   # noqa: BLE001 - a text it cannot read is answered unread, never a crash
            text = text if isinstance(text, str) else ""
            rows = [(text, ("名詞", "普通名詞"), text, text)] if text else []
        out.write(json.dumps(rows, ensure_ascii=False).encode() + b"\n")
        out.flush()


if __name__ == "__main__":
    main()
