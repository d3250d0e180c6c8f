"""A fault-injecting HTTP proxy between a kiosk and the hub (real sockets, real processes)."""
import itertools
import re
import socket
import threading
import time


class FaultProxy:
    """Forwards one request per connection to the hub, misbehaving as ``mode`` says:

    pass: forward and return the answer; drop_after_commit: forward, let the hub commit, then
    close the kiosk's connection without a byte of the answer; status_503: answer 503 at once;
    hang: read the request and never answer; fail_marker: answer 500 to a push whose body
    holds ``marker`` (a hub bug one record triggers), forward the rest; corrupt_feed: answer
    feed requests with a page the kiosk cannot apply, forward the rest; delay_first_push: hold
    the first batch of a push round (the one that names no batch before it) ``delay`` seconds
    before forwarding it (the next one overtakes it).
    """

    def __init__(self, upstream_port, mode="pass"):
        # One port, or several (hub processes): requests take them in turn.
        self.upstream_ports = list(upstream_port) if isinstance(upstream_port, (list, tuple)) else [upstream_port]
        self.mode = mode
        self._turn = itertools.count()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.arrivals = []          # (monotonic time, first request line)
        self.dropped = 0
        self.marker = b""
        self.failed = 0
        self.delay = 0.5
        self.forwarded = []         # (monotonic time, first request line, a push's "last") as sent to the hub
        self.answered = []          # (monotonic time, first request line) as answered to the kiosk
        self._pushes = itertools.count()
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self):
        self._stop = True
        self.sock.close()

    def _serve(self):
        while not self._stop:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    @staticmethod
    def _read_request(conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        # One request per upstream connection: ask the hub to close after answering.
        lines = [ln for ln in head.split(b"\r\n") if not ln.lower().startswith(b"connection:")]
        return b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n" + body, lines[0]

    def _handle(self, client):
        with client:
            client.settimeout(30)
            while True:
                try:
                    got = self._read_request(client)
                except OSError:
                    return
                if got is None:
                    return
                request, first_line = got
                self.arrivals.append((time.monotonic(), first_line.decode(errors="replace")))
                mode = self.mode
                if mode == "status_503":
                    client.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                   b"Connection: close\r\n\r\n")
                    return
                if mode == "hang":
                    time.sleep(60)
                    return
                if mode == "fail_marker" and self.marker and self.marker in request:
                    self.failed += 1
                    body = b'{"error": "server_error"}'
                    client.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                                   b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
                    return
                if mode == "corrupt_feed" and first_line.startswith(b"GET /api/v1/feed"):
                    self.failed += 1
                    body = b'{"entries": [{"seq": 1, "kind": "service", "key": "x", "data": {"slug": 5}}], "cursor": 1}'
                    client.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                   b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
                    return
                line = first_line.decode(errors="replace")
                if (mode == "delay_first_push" and first_line.startswith(b"POST /api/v1/records")
                        and b'"after": 0,' in request and next(self._pushes) == 0):
                    time.sleep(self.delay)
                last = re.search(rb'"last": (\d+)', request)
                self.forwarded.append((time.monotonic(), line, int(last.group(1)) if last else None))
                try:
                    port = self.upstream_ports[next(self._turn) % len(self.upstream_ports)]
                    up = socket.create_connection(("127.0.0.1", port))
                except OSError:          # the hub is down: the kiosk sees a dropped connection
                    return
                with up:
                    up.sendall(request)
                    answer = b""
                    while True:
                        chunk = up.recv(65536)
                        if not chunk:
                            break
                        answer += chunk
                if mode == "drop_after_commit" and first_line.startswith(b"POST /api/v1/records"):
                    self.dropped += 1
                    client.shutdown(socket.SHUT_RDWR)
                    return
                client.sendall(answer)
                self.answered.append((time.monotonic(), line))
                return
