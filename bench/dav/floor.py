#!/usr/bin/env python3
"""Machine floors for the WebDAV benchmark (bench/dav/run.sh). Standard library only.

    floor.py fsync DIR [--files 5000] [--size 4096] [--threads 16]
        Durable small-file creation rate: THREADS threads create FILES files of
        SIZE bytes in one folder DIR. Per file: open(O_CREAT|O_EXCL) + write +
        fsync(file) + close + fsync(folder). That is what a server must do at
        least before it answers a PUT durably (before any metadata commit).
        Prints JSON: files, seconds, files_per_s, p50/p99 ms, CPU used.

    floor.py seqread FILE
        Sequential read of FILE with `dd bs=1M` after one warm read, i.e. from
        the page cache; reports MB/s (10^6 bytes/s) and how much of the file
        `fincore` saw cached before the timed read.
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import threading
import time


def fsync_floor(d, files, size, threads):
    os.makedirs(d, exist_ok=True)
    data = os.urandom(size)
    nxt = [0]
    lock = threading.Lock()
    lats = [[] for _ in range(threads)]

    def worker(t):
        dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
        mine = lats[t]
        while True:
            with lock:
                i = nxt[0]
                if i >= files:
                    break
                nxt[0] = i + 1
            t0 = time.perf_counter()
            fd = os.open(os.path.join(d, f"f{i:06d}.bin"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            os.write(fd, data)
            os.fsync(fd)
            os.close(fd)
            os.fsync(dfd)
            mine.append(time.perf_counter() - t0)
        os.close(dfd)

    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    ths = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    secs = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    lat = sorted(x for l in lats for x in l)
    pct = lambda p: round(lat[max(0, int(round(p / 100 * len(lat) + 0.5)) - 1)] * 1000, 3)
    return {
        "tool": "bench/dav/floor.py fsync (Python %d.%d, os.open/write/fsync/close + fsync of the folder)" % sys.version_info[:2],
        "files": files,
        "bytes_each": size,
        "threads": threads,
        "seconds": round(secs, 3),
        "files_per_s": round(files / secs, 1),
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "cpu_s": round(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime, 3),
    }


def cached_pct(path):
    try:
        out = subprocess.run(["fincore", "-b", "-n", "-o", "RES,SIZE", path], capture_output=True, text=True, check=True).stdout.split()
        return round(100.0 * int(out[0]) / int(out[1]), 1)
    except (OSError, subprocess.CalledProcessError, ValueError, IndexError):
        return None


def dd(path):
    p = subprocess.run(["dd", f"if={path}", "of=/dev/null", "bs=1M"], capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"})
    last = p.stderr.strip().splitlines()[-1]
    m = re.match(r"(\d+) bytes .* copied, ([0-9.e+-]+) s", last)
    nbytes, secs = int(m.group(1)), float(m.group(2))
    return nbytes, secs, last


def seqread(path):
    dd(path)  # warm the page cache
    before = cached_pct(path)
    runs = [dd(path) for _ in range(3)]
    best = min(runs, key=lambda r: r[1])
    return {
        "tool": "dd if=FILE of=/dev/null bs=1M (coreutils), best of 3 after one warm read",
        "bytes": best[0],
        "mb_per_s": round(best[0] / best[1] / 1e6, 1),
        "runs_mb_per_s": [round(r[0] / r[1] / 1e6, 1) for r in runs],
        "cached_pct_before": before,
        "dd_line": best[2],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["fsync", "seqread"])
    ap.add_argument("path")
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--threads", type=int, default=16)
    a = ap.parse_args()
    if a.cmd == "fsync":
        print(json.dumps(fsync_floor(a.path, a.files, a.size, a.threads)))
    else:
        print(json.dumps(seqread(a.path)))


if __name__ == "__main__":
    main()
