#!/usr/bin/env python3
"""Tiny WebDAV load tool for the WebDAV benchmark (bench/dav/run.sh).

Every request goes to its own path, which oha and wrk cannot do exactly, so W3
("PUT of 5,000 files of 4 KiB at 16 clients") and the set-up of the W2 folder
use this tool. Standard library only.

Each of C threads holds one keep-alive HTTP/1.1 connection and sends raw,
pre-built requests over a plain socket (no http.client: its header parsing
costs more CPU than the servers we measure). The response parser understands
Content-Length, chunked bodies and "Connection: close" (it then reconnects).
Socket I/O releases the GIL, so 16 threads keep 16 requests in flight.

    davload.py put --url http://127.0.0.1:8080/dav/w3/ --user U --pass P \
        --count 5000 --size 4096 --concurrency 16 [--prefix f] [--json]
    davload.py mkcol --url http://127.0.0.1:8080/dav/w3/ --user U --pass P

`put` prints one JSON object: files, seconds, files_per_s, p50/p99/max latency
in ms, status counts, errors and the CPU seconds this process used (so the
harness can show that the tool is not the bottleneck).
"""
import argparse
import base64
import json
import os
import random
import resource
import socket
import sys
import threading
import time
import urllib.parse


class Conn:
    """One keep-alive HTTP/1.1 connection with a minimal response reader."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.sock = None
        self.buf = b""

    def connect(self):
        self.close()
        s = socket.create_connection((self.host, self.port), timeout=120)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.buf = s, b""

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None

    def _fill(self):
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def _readline(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def _readn(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def request(self, head, body, method):
        """Send head+body, return (status, body, keep_alive)."""
        if self.sock is None:
            self.connect()
        self.sock.sendall(head + body if len(body) < 65536 else head)
        if len(body) >= 65536:
            self.sock.sendall(body)
        while True:
            i = self.buf.find(b"\r\n\r\n")
            if i >= 0:
                break
            self._fill()
        raw, self.buf = self.buf[:i], self.buf[i + 4:]
        lines = raw.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        hdr = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(b":")
            hdr[k.strip().lower()] = v.strip()
        keep = hdr.get(b"connection", b"").lower() != b"close"
        if status == 100:  # ignore an interim answer
            return self.request(b"", b"", method)
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            data = b""
        elif b"chunked" in hdr.get(b"transfer-encoding", b"").lower():
            parts = []
            while True:
                size = int(self._readline().split(b";")[0], 16)
                if size == 0:
                    while self._readline():
                        pass
                    break
                parts.append(self._readn(size))
                self._readn(2)
            data = b"".join(parts)
        elif b"content-length" in hdr:
            data = self._readn(int(hdr[b"content-length"]))
        else:  # body until close
            parts = [self.buf]
            self.buf = b""
            while True:
                c = self.sock.recv(262144)
                if not c:
                    break
                parts.append(c)
            data, keep = b"".join(parts), False
        if not keep:
            self.close()
        return status, data, keep


def target(url):
    u = urllib.parse.urlsplit(url)
    path = u.path if u.path.endswith("/") else u.path + "/"
    return u.hostname, u.port or 80, path


def auth_header(user, password):
    if user is None:
        return b""
    tok = base64.b64encode(f"{user}:{password}".encode()).decode()
    return f"Authorization: Basic {tok}\r\n".encode()


def build(method, host, port, path, auth, body=b"", extra=b""):
    return (
        f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: davload\r\n".encode()
        + auth
        + extra
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )


def percentile(sorted_vals, p):
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1, int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def run_put(url, user, password, count, size, concurrency, prefix, seed, content_type):
    host, port, base = target(url)
    auth = auth_header(user, password)
    body = random.Random(seed).randbytes(size)
    extra = f"Content-Type: {content_type}\r\n".encode()
    # Quote the file name only; the folder path is sent as given.
    heads = [
        build("PUT", host, port, base + urllib.parse.quote(f"{prefix}{i:06d}.bin"), auth, body, extra)
        for i in range(count)
    ]
    nxt = [0]
    lock = threading.Lock()
    lat = [[] for _ in range(concurrency)]
    statuses = {}
    errors = []
    reconnects = [0]

    def worker(t):
        c = Conn(host, port)
        my_lat, my_status = lat[t], {}
        while True:
            with lock:
                i = nxt[0]
                if i >= count:
                    break
                nxt[0] = i + 1
            for attempt in range(3):
                t0 = time.perf_counter()
                try:
                    was_open = c.sock is not None
                    st, _, keep = c.request(heads[i], body, "PUT")
                    my_lat.append(time.perf_counter() - t0)
                    my_status[st] = my_status.get(st, 0) + 1
                    if not keep:
                        reconnects[0] += 1
                    break
                except (OSError, ConnectionError, ValueError, IndexError) as e:
                    c.close()
                    # a stale keep-alive connection may be closed under us: retry once on a new one
                    if attempt == 2 or not was_open:
                        errors.append(f"{type(e).__name__}: {e}")
                        break
        c.close()
        with lock:
            for k, v in my_status.items():
                statuses[k] = statuses.get(k, 0) + v

    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    secs = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    all_lat = sorted(x for l in lat for x in l)
    ok = sum(v for k, v in statuses.items() if 200 <= k < 300)
    return {
        "tool": "davload.py (bench/dav, Python %d.%d, raw sockets, keep-alive)" % sys.version_info[:2],
        "files": count,
        "ok": ok,
        "bytes_each": size,
        "concurrency": concurrency,
        "seconds": round(secs, 4),
        "files_per_s": round(ok / secs, 1) if secs > 0 else None,
        "p50_ms": round(percentile(all_lat, 50) * 1000, 3) if all_lat else None,
        "p99_ms": round(percentile(all_lat, 99) * 1000, 3) if all_lat else None,
        "max_ms": round(all_lat[-1] * 1000, 3) if all_lat else None,
        "status": {str(k): v for k, v in sorted(statuses.items())},
        "errors": len(errors),
        "first_errors": errors[:3],
        "connection_closes": reconnects[0],
        "client_cpu_s": round((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), 3),
    }


def simple(method, url, user, password, body=b"", headers=b""):
    host, port, _ = target(url)
    path = urllib.parse.urlsplit(url).path
    c = Conn(host, port)
    st, data, _ = c.request(build(method, host, port, path, auth_header(user, password), body, headers), body, method)
    c.close()
    return st, data


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["put", "mkcol"])
    ap.add_argument("--url", required=True, help="folder URL (put) or collection URL (mkcol)")
    ap.add_argument("--user")
    ap.add_argument("--pass", dest="password")
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--prefix", default="f")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--content-type", default="application/octet-stream")
    a = ap.parse_args()
    if a.cmd == "put":
        print(json.dumps(run_put(a.url, a.user, a.password, a.count, a.size, a.concurrency, a.prefix, a.seed, a.content_type)))
    else:
        st, data = simple("MKCOL", a.url, a.user, a.password)
        print(json.dumps({"status": st}))
        sys.exit(0 if st in (201, 405) else 1)


if __name__ == "__main__":
    main()
