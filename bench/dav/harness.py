#!/usr/bin/env python3
"""WebDAV benchmark harness (issue 3). Started by bench/dav/run.sh; see bench/dav/README.md.

One run on this machine: the machine floors, then for each target (Suveren and
the peers Apache httpd + mod_dav, nginx + dav-ext, rclone serve webdav, dufs):
start it on 127.0.0.1 over its own temporary folder, run W1-W5 and a
durability probe, stop it by PID. Writes results/dav-<UTC time>.{json,md} and
results/latest.{json,md}, and prints the markdown. A target that fails to start
is marked n/a; a workload that fails is marked failed, with the reason.
Standard library only.
"""
import base64
import hashlib
import http.cookiejar
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in bench/dav
import davload  # noqa: E402


def env_int(name, default):
    v = os.environ.get(name, "")
    return int(v.replace("_", "")) if v.strip() else default


CFG = {
    "targets": [t.strip() for t in os.environ.get("DAV_BENCH_TARGETS", "suveren,apache,nginx,rclone,dufs").split(",") if t.strip()],
    "w1_seconds": env_int("DAV_BENCH_W1_SECONDS", 10),
    "w1_clients": env_int("DAV_BENCH_W1_CLIENTS", 16),
    "w2_files": env_int("DAV_BENCH_W2_FILES", 1000),
    "w2_seconds": env_int("DAV_BENCH_W2_SECONDS", 5),
    "w2_clients": env_int("DAV_BENCH_W2_CLIENTS", 16),
    "w3_files": env_int("DAV_BENCH_W3_FILES", 5000),
    "w3_bytes": env_int("DAV_BENCH_W3_BYTES", 4096),
    "w3_clients": env_int("DAV_BENCH_W3_CLIENTS", 16),
    "w4_bytes": env_int("DAV_BENCH_W4_BYTES", 1 << 30),
    "w4_runs": env_int("DAV_BENCH_W4_RUNS", 3),
    "w5_files": env_int("DAV_BENCH_W5_FILES", 2000),
    "w5_bytes": env_int("DAV_BENCH_W5_BYTES", 100_000_000),
    "w5_transfers": env_int("DAV_BENCH_W5_TRANSFERS", 8),
    "probe_puts": env_int("DAV_BENCH_PROBE_PUTS", 20),
    # W5b: a newer rclone whose WebDAV pacer can be switched off (rclone >= 1.63 has --webdav-pacer-min-sleep)
    "rclone_fast": os.environ.get("DAV_BENCH_RCLONE_FAST",
                                  "/opt/dav-bench-venv/bin/rclone" if os.path.exists("/opt/dav-bench-venv/bin/rclone") else ""),
    "seed": env_int("DAV_BENCH_SEED", 2026),
    "quiet_cores": float(os.environ.get("DAV_BENCH_QUIET_CORES", "0") or 0),
    "quiet_wait": env_int("DAV_BENCH_QUIET_WAIT", 300),
    "suveren_bin": os.environ.get("SUVEREN_BIN", str(REPO / "target/release/suveren")),
    "out": os.environ.get("DAV_BENCH_OUT", str(HERE / "results")),
    "keep": os.environ.get("DAV_BENCH_KEEP", "") not in ("", "0"),
}

USER, PASS = "bench", "bench-Pa55word"  # peers; Suveren uses its demo user and an app password
SUVEREN_LOGIN = "lars.laerer@nordvik.test"
# What a sync client asks for when it polls for changes.
PROPFIND_BODY = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getlastmodified/>'
    "<d:getcontentlength/><d:resourcetype/></d:prop></d:propfind>"
)
CLK = os.sysconf("SC_CLK_TCK")


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def first_line(cmd):
    try:
        p = sh(cmd)
        return ((p.stdout or "") + (p.stderr or "")).strip().splitlines()[0].strip()
    except (OSError, IndexError):
        return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def loadavg():
    return float(open("/proc/loadavg").read().split()[0])


# ---------------------------------------------------------------- CPU of a process tree


def _stat(pid):
    try:
        s = open(f"/proc/{pid}/stat").read()
    except OSError:
        return None
    rest = s[s.rfind(")") + 2:].split()
    return int(rest[1]), int(rest[11]) + int(rest[12])  # ppid, utime+stime (all threads)


def tree_pids(root):
    children = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            st = _stat(p)
            if st:
                children.setdefault(st[0], []).append(int(p))
    out, i = [root], 0
    while i < len(out):
        out += children.get(out[i], [])
        i += 1
    return out


def tree_cpu(root):
    out = {}
    for p in tree_pids(root):
        st = _stat(p)
        if st:
            out[p] = st[1]
    return out


def cpu_delta(before, after):
    return sum(v - before.get(p, 0) for p, v in after.items()) / CLK


def machine_busy():
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = f[3] + (f[4] if len(f) > 4 else 0)
    return sum(f[:8]) - idle, sum(f[:8])


def busy_cores(seconds):
    b0, _ = machine_busy()
    time.sleep(seconds)
    b1, _ = machine_busy()
    return (b1 - b0) / CLK / seconds


def wait_quiet(what):
    """With DAV_BENCH_QUIET_CORES set, waits (up to DAV_BENCH_QUIET_WAIT s) until the machine is nearly idle."""
    limit, wait = CFG["quiet_cores"], CFG["quiet_wait"]
    if limit <= 0:
        return None
    t0 = time.time()
    while True:
        b = busy_cores(3)
        if b < limit or time.time() - t0 > wait:
            waited = round(time.time() - t0)
            log(f"{what}: machine busy {b:.2f} cores after waiting {waited} s")
            return {"busy_cores": round(b, 2), "waited_s": waited}


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Meter:
    """Wall time, server CPU (process tree), client CPU (our child processes), load."""

    def __init__(self, server_pid):
        self.pid = server_pid

    def __enter__(self):
        self.load0 = loadavg()
        self.mach0 = machine_busy()[0]
        self.cpu0 = tree_cpu(self.pid)
        self.cli0 = children_cpu()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t0
        self.server_cpu = cpu_delta(self.cpu0, tree_cpu(self.pid))
        self.client_cpu = children_cpu() - self.cli0
        self.machine_cpu = (machine_busy()[0] - self.mach0) / CLK
        self.load1 = loadavg()
        return False

    def info(self):
        w = max(self.wall, 1e-9)
        return {
            "wall_s": round(self.wall, 3),
            "server_cores": round(self.server_cpu / w, 2),
            "client_cores": round(self.client_cpu / w, 2),
            # everything else on the machine (other users' builds, the harness itself)
            "other_cores": round(max(0.0, self.machine_cpu - self.server_cpu - self.client_cpu) / w, 2),
            "load1_before": self.load0,
            "load1_after": self.load1,
        }


# ---------------------------------------------------------------- HTTP helpers


def dav(method, url, user, pw, body=b"", headers=b""):
    return davload.simple(method, url, user, pw, body, headers)


def mkcol(url, user, pw):
    st, data = dav("MKCOL", url, user, pw)
    if st not in (201, 405):  # 405: exists already
        raise RuntimeError(f"MKCOL {url} answered {st}: {data[:200]!r}")


def wait_dav(url, user, pw, timeout, proc=None):
    deadline, last = time.time() + timeout, None
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            st, data = dav("PROPFIND", url, user, pw, b"", b"Depth: 0\r\n")
            if st == 207:
                return
            last = f"PROPFIND answered {st}: {data[:200].decode(errors='replace')}"
            if st != 503:
                raise RuntimeError(last)
        except (OSError, ConnectionError) as e:
            last = f"{type(e).__name__}: {e}"
        time.sleep(0.2)
    raise RuntimeError(f"no WebDAV answer within {timeout} s ({last})")


# ---------------------------------------------------------------- targets


class Target:
    name = label = ""
    durability = ""  # documented behaviour, shown in the table notes

    def __init__(self, work):
        self.dir = Path(work) / self.name
        self.proc = None
        self.user, self.password = USER, PASS
        self.url = None
        self.version = None
        self.config_note = ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def _prep(self, owner=None):
        self.dir.mkdir(parents=True)
        os.chmod(self.dir, 0o755)
        (self.dir / "root").mkdir()
        if owner:
            shutil.chown(self.dir / "root", owner, owner)

    def _popen(self, cmd, **kw):
        self.log = open(self.dir / "server.log", "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **kw)


def sha1_htpasswd(path, user, pw):
    h = base64.b64encode(hashlib.sha1(pw.encode()).digest()).decode()
    Path(path).write_text(f"{user}:{{SHA}}{h}\n")
    os.chmod(path, 0o644)


class Apache(Target):
    name, label = "apache", "Apache httpd + mod_dav"
    durability = "does not fsync: mod_dav_fs writes a temporary file and renames it into place"

    def start(self):
        self._prep("www-data")
        d, port = self.dir, free_port()
        (d / "lock").mkdir()
        shutil.chown(d / "lock", "www-data", "www-data")
        sha1_htpasswd(d / "htpasswd", USER, PASS)
        m = "/usr/lib/apache2/modules"
        mods = ["mpm_event", "authn_core", "authn_file", "authz_core", "authz_user", "auth_basic", "dav", "dav_fs", "dav_lock"]
        conf = "\n".join(
            [f'ServerRoot "{d}"', f'PidFile "{d}/httpd.pid"', f'ErrorLog "{d}/error.log"', "LogLevel warn",
             f'DefaultRuntimeDir "{d}"', f'Mutex file:{d} default', f"Listen 127.0.0.1:{port}", "ServerName 127.0.0.1",
             "User www-data", "Group www-data"]
            + [f"LoadModule {x}_module {m}/mod_{x}.so" for x in mods]
            + [
                "# MPM event, values of Debian's mods-available/mpm_event.conf",
                "StartServers 2", "MinSpareThreads 25", "MaxSpareThreads 75", "ThreadLimit 64", "ThreadsPerChild 25",
                "MaxRequestWorkers 150", "MaxConnectionsPerChild 0",
                "# keep-alive as in Debian's apache2.conf",
                "KeepAlive On", "MaxKeepAliveRequests 100", "KeepAliveTimeout 5", "Timeout 300",
                "LimitRequestBody 0", "# no access log",
                f'DavLockDB "{d}/lock/DavLock"',
                f'DocumentRoot "{d}/root"',
                "<Directory />", "  AllowOverride None", "  Require all denied", "</Directory>",
                f'<Directory "{d}/root">',
                "  Dav On", "  Options None", "  AllowOverride None",
                '  AuthType Basic', '  AuthName "bench"', "  AuthBasicProvider file", f'  AuthUserFile "{d}/htpasswd"',
                "  Require valid-user",
                "</Directory>", "",
            ]
        )
        (d / "httpd.conf").write_text(conf)
        self.version = first_line(["apache2", "-v"])
        self.config_note = ("MPM event (Debian's values: 2 servers × 25 threads, up to 150), KeepAlive with "
                            "MaxKeepAliveRequests 100, Basic auth from an htpasswd file with {SHA} hashes, DavLockDB, no access log")
        self._popen(["apache2", "-f", str(d / "httpd.conf"), "-DFOREGROUND"])
        self.url = f"http://127.0.0.1:{port}/"
        wait_dav(self.url, self.user, self.password, 20, self.proc)


class Nginx(Target):
    name, label = "nginx", "nginx + dav-ext"
    durability = "does not fsync: the body goes to a temporary file (client_body_temp_path) that is renamed into place"

    def start(self):
        self._prep("www-data")
        d, port = self.dir, free_port()
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (d / sub).mkdir()
            shutil.chown(d / sub, "www-data", "www-data")
        sha1_htpasswd(d / "htpasswd", USER, PASS)
        conf = f"""
load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;
user www-data;
worker_processes auto;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 768; }}
http {{
    # as in Debian's nginx.conf
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {d}/root;
        location / {{
            dav_methods PUT DELETE MKCOL COPY MOVE;
            dav_ext_methods PROPFIND OPTIONS;
            create_full_put_path on;
            dav_access user:rw group:rw all:r;
            client_max_body_size 0;
            auth_basic "bench";
            auth_basic_user_file {d}/htpasswd;
        }}
    }}
}}
"""
        (d / "nginx.conf").write_text(conf)
        self.version = first_line(["nginx", "-v"])
        self.config_note = ("2 workers (auto), sendfile on as in Debian's nginx.conf, dav_methods + dav_ext_methods "
                            "PROPFIND OPTIONS, Basic auth with {SHA} hashes, no access log")
        self._popen(["nginx", "-p", str(d), "-e", str(d / "error.log"), "-c", str(d / "nginx.conf")])
        self.url = f"http://127.0.0.1:{port}/"
        wait_dav(self.url, self.user, self.password, 20, self.proc)


class Rclone(Target):
    name, label = "rclone", "rclone serve webdav"
    durability = "does not fsync: writes straight into the final file (no temporary file)"

    def start(self):
        self._prep()
        d, port = self.dir, free_port()
        (d / "rclone.conf").write_text("")
        self.version = first_line(["rclone", "version"])
        self.config_note = "defaults (--vfs-cache-mode off), --user/--pass"
        self._popen(["rclone", "serve", "webdav", str(d / "root"), "--addr", f"127.0.0.1:{port}", "--user", USER,
                     "--pass", PASS, "--config", str(d / "rclone.conf"), "--log-level", "NOTICE"],
                    env={k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"})
        self.url = f"http://127.0.0.1:{port}/"
        wait_dav(self.url, self.user, self.password, 20, self.proc)


class Dufs(Target):
    name, label = "dufs", "dufs"
    durability = "does not fsync: writes straight into the final file (no temporary file)"

    def start(self):
        self._prep()
        d, port = self.dir, free_port()
        self.version = first_line(["dufs", "--version"])
        self.config_note = "-A (all operations), -a user:pass@/:rw"
        self._popen(["dufs", str(d / "root"), "-b", "127.0.0.1", "-p", str(port), "-A", "-a", f"{USER}:{PASS}@/:rw"])
        self.url = f"http://127.0.0.1:{port}/"
        wait_dav(self.url, self.user, self.password, 20, self.proc)


class Suveren(Target):
    name, label = "suveren", "Suveren"
    durability = ("fsyncs before answering: the encrypted blob goes to a temporary file that is fsynced, renamed into "
                  "place and its folder fsynced (and the fan-out folders when a PUT creates them; crates/blob); the "
                  "metadata commits to SQLite in WAL mode with synchronous=FULL (the WAL is fsynced at each commit; concurrent writes share commits)")

    def start(self):
        binary = Path(CFG["suveren_bin"])
        if not binary.exists():
            raise RuntimeError(f"{binary} does not exist (build: cargo build --release --locked -p suveren)")
        self._prep()
        d = self.dir
        self.version = first_line([str(binary), "--version"]) or str(binary)
        try:
            built = time.strftime("%Y-%m-%d %H:%M", time.gmtime(binary.stat().st_mtime))
            head = sh(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]).stdout.strip()
            self.version = f"{self.version}, binary built {built} UTC; work tree at {head} when the run started"
        except OSError:
            pass
        self.config_note = "serve --demo, release build, Basic auth with an app password of lars.laerer@nordvik.test"
        # SUVEREN_* variables are configuration for the server: SUVEREN_BIN (ours) would be an unknown key
        env = {k: v for k, v in os.environ.items() if k != "SUVEREN_BIN"}
        self._popen([str(binary), "serve", "--demo", "--data", str(d / "data"), "--listen", "127.0.0.1:0"], env=env)
        addr, deadline = None, time.time() + 120
        while time.time() < deadline and addr is None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"exited with {self.proc.returncode}: {(d / 'server.log').read_text()[-500:]}")
            m = re.search(r"Suveren listening on http://([0-9.:]+)", (d / "server.log").read_text(errors="replace"))
            addr = m.group(1) if m else None
            time.sleep(0.2)
        if addr is None:
            raise RuntimeError("did not print 'Suveren listening on' within 120 s")
        creds = {}
        for line in (d / "data" / "demo-credentials.tsv").read_text().splitlines():
            f = line.split("\t")
            if len(f) >= 2:
                creds[f[0]] = f[1]
        jar = http.cookiejar.CookieJar()
        op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

        def post(path, body):
            r = urllib.request.Request(f"http://{addr}{path}", data=json.dumps(body).encode(), method="POST",
                                       headers={"content-type": "application/json"})
            with op.open(r, timeout=30) as resp:
                return json.loads(resp.read() or b"null")

        post("/api/v1/auth/login", {"login": SUVEREN_LOGIN, "password": creds[SUVEREN_LOGIN]})
        self.user, self.password = SUVEREN_LOGIN, post("/api/v1/me/app-passwords", {"label": "bench"})["password"]
        self.url = f"http://{addr}/dav/files/{SUVEREN_LOGIN}/"
        wait_dav(self.url, self.user, self.password, 20, self.proc)


TARGETS = {c.name: c for c in (Suveren, Apache, Nginx, Rclone, Dufs)}


# ---------------------------------------------------------------- workloads


def oha(url, user, pw, depth, seconds, clients):
    cmd = ["oha", "-z", f"{seconds}s", "-c", str(clients), "--no-tui", "--output-format", "json",
           "-m", "PROPFIND", "-H", f"Depth: {depth}", "-T", "application/xml", "-d", PROPFIND_BODY,
           "-a", f"{user}:{pw}", url]
    p = sh(cmd, timeout=seconds + 120)
    if p.returncode != 0:
        raise RuntimeError(f"oha failed ({p.returncode}): {p.stderr.strip()[-400:]}")
    j = json.loads(p.stdout)
    s, lp = j["summary"], j.get("latencyPercentiles", {})
    codes = {str(k): v for k, v in (j.get("statusCodeDistribution") or {}).items()}
    total = sum(codes.values())
    ok = codes.get("207", 0)
    errors = j.get("errorDistribution") or {}
    res = {
        "tool": "oha",
        "clients": clients,
        "seconds": seconds,
        "requests": total,
        "req_per_s": round(ok / s["total"], 1) if s.get("total") else None,
        "oha_req_per_s": round(s.get("requestsPerSec") or 0, 1),
        "p50_ms": round(lp["p50"] * 1000, 3) if lp.get("p50") is not None else None,
        "p99_ms": round(lp["p99"] * 1000, 3) if lp.get("p99") is not None else None,
        "status": codes,
        "errors": errors,
        "avg_response_bytes": round(s.get("sizePerRequest") or 0),
    }
    if total == 0 or ok < 0.99 * total:
        raise RuntimeError(f"only {ok} of {total} answers were 207 (status {codes}, errors {errors})")
    return res


def count_responses(xml):
    return len(re.findall(rb"<([A-Za-z0-9_]+:)?response[\s>]", xml))


def davload_put(url, user, pw, count, size, clients, prefix="f"):
    cmd = [sys.executable, str(HERE / "davload.py"), "put", "--url", url, "--user", user, "--pass", pw,
           "--count", str(count), "--size", str(size), "--concurrency", str(clients), "--prefix", prefix]
    p = sh(cmd, timeout=1800)
    if p.returncode != 0:
        raise RuntimeError(f"davload failed: {p.stderr.strip()[-400:]}")
    r = json.loads(p.stdout)
    if r["ok"] != count:
        raise RuntimeError(f"{count - r['ok']} of {count} PUTs failed (status {r['status']}, errors {r['first_errors']})")
    return r


def curl_put(path, url, user, pw):
    p = sh(["curl", "-sS", "--max-time", "600", "-u", f"{user}:{pw}", "-T", str(path), "-o", "/dev/null",
            "-w", "%{http_code} %{size_upload} %{speed_upload} %{time_total}", url])
    code, size, speed, t = p.stdout.split()
    if not code.startswith("2"):
        raise RuntimeError(f"PUT answered {code}: {p.stderr.strip()}")
    return {"bytes": int(size), "mb_per_s": round(float(speed) / 1e6, 1), "seconds": round(float(t), 3)}


def curl_get(url, user, pw, sha=None):
    cmd = ["curl", "-sS", "--max-time", "600", "-u", f"{user}:{pw}", "-o", "/dev/null" if sha is None else "-",
           "-w", "%{http_code} %{size_download} %{speed_download}" if sha is None else "", url]
    if sha is None:
        p = sh(cmd)
        code, size, speed = p.stdout.split()
        if code != "200":
            raise RuntimeError(f"GET answered {code}: {p.stderr.strip()}")
        return int(size), float(speed)
    h, n = hashlib.sha256(), 0
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    for chunk in iter(lambda: p.stdout.read(1 << 20), b""):
        h.update(chunk)
        n += len(chunk)
    p.wait()
    if p.returncode != 0 or h.hexdigest() != sha:
        raise RuntimeError(f"warm-up GET returned {n} bytes whose SHA-256 differs from the file uploaded (curl rc {p.returncode})")
    return n, None


def rclone_env(work):
    env = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}
    env["RCLONE_CONFIG"] = str(Path(work) / "rclone-client.conf")
    return env


def rclone_sync(src, url, user, pw, transfers, work, binary="rclone", extra=()):
    env = rclone_env(work)
    obscured = sh([binary, "obscure", pw], env=env).stdout.strip()
    remote = f":webdav,url='{url}',user='{user}',pass='{obscured}',vendor=other:"
    t0 = time.perf_counter()
    p = sh([binary, "sync", str(src), remote, "--transfers", str(transfers), "--log-level", "ERROR", *extra], env=env, timeout=1800)
    secs = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"rclone sync failed ({p.returncode}): {p.stderr.strip()[-600:]}")
    q = sh([binary, "size", "--json", remote], env=env, timeout=600)
    size = json.loads(q.stdout) if q.returncode == 0 else {}
    if size.get("count") != CFG["w5_files"]:
        raise RuntimeError(f"the server has {size.get('count')} files after the sync, expected {CFG['w5_files']}")
    return {"tool": first_line([binary, "version"]), "flags": list(extra), "seconds": round(secs, 2),
            "remote_count": size.get("count"), "remote_bytes": size.get("bytes")}


SYNC_CALLS = ("fsync", "fdatasync", "sync_file_range", "syncfs", "sync", "msync")
# traced as well, to show that the trace saw the PUTs (file creation, renames)
FILE_CALLS = ("openat", "rename", "renameat", "renameat2", "link", "linkat")


def fsync_probe(t, n):
    """Counts fsync-family system calls in the server's process tree (all threads) while it serves n PUTs of 4 KiB,
    one at a time. File opens and renames are counted too, as evidence that the trace saw the work."""
    if shutil.which("strace") is None:
        return {"skipped": "strace not installed"}
    out = t.dir / "strace.txt"
    cmd = ["strace", "-f", "-qq", "-c", "-o", str(out), "-e", "trace=" + ",".join(SYNC_CALLS + FILE_CALLS)]
    for pid in tree_pids(t.proc.pid):
        cmd += ["-p", str(pid)]
    mkcol(t.url + "probe/", t.user, t.password)
    st = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    r = davload_put(t.url + "probe/", t.user, t.password, n, 4096, 1)
    time.sleep(0.5)
    st.send_signal(signal.SIGINT)
    st.wait(30)
    calls = {}
    for line in out.read_text().splitlines():
        tok = line.split()
        if tok and tok[-1] in SYNC_CALLS + FILE_CALLS and len(tok) >= 5:
            calls[tok[-1]] = int(tok[3])
    syncs = sum(v for k, v in calls.items() if k in SYNC_CALLS)
    return {
        "puts": n,
        "calls": calls,
        "per_put": round(syncs / n, 2),
        "opens_per_put": round(calls.get("openat", 0) / n, 2),
        "renames_per_put": round(sum(v for k, v in calls.items() if k.startswith("rename")) / n, 2),
        "probe_files_per_s": r["files_per_s"],
    }


def run_target(t, data):
    res = {"label": t.label, "durability": t.durability}
    t0 = time.perf_counter()
    try:
        t.start()
    except Exception as e:  # noqa: BLE001 - any failure makes the target n/a
        reason = " ".join(str(e).split())
        log(f"{t.name}: not available: {reason}")
        res["na"] = f"did not start or does not serve WebDAV: {reason[:400]}"
        res["version"] = t.version
        t.stop()
        return res
    res.update(version=t.version, config=t.config_note, url=t.url)
    log(f"{t.name}: up at {t.url} ({t.version})")
    pid = t.proc.pid
    u, pw = t.user, t.password

    def step(key, fn):
        log(f"{t.name}: {key}")
        try:
            with Meter(pid) as m:
                r = fn()
            r.update(m.info())
            res[key] = r
        except Exception as e:  # noqa: BLE001
            log(f"{t.name}: {key} failed: {e}")
            res[key] = {"failed": str(e)[:600]}
            if os.environ.get("DAV_BENCH_DEBUG"):
                traceback.print_exc()

    try:
        # set-up through WebDAV (PUT), the same for every target
        def setup():
            for c in ("w1/", "w2/", "w3/", "w4/", "w5/", "w5b/"):
                mkcol(t.url + c, u, pw)
            st, body = dav("PUT", t.url + "w1/poll.bin", u, pw, random.Random(1).randbytes(4096))
            if st not in (200, 201, 204):
                raise RuntimeError(f"PUT w1/poll.bin answered {st}")
            r = davload_put(t.url + "w2/", u, pw, CFG["w2_files"], 4096, 16)
            st, xml = dav("PROPFIND", t.url + "w2/", u, pw, PROPFIND_BODY.encode(), b"Depth: 1\r\nContent-Type: application/xml\r\n")
            n = count_responses(xml)
            if st != 207 or n != CFG["w2_files"] + 1:
                raise RuntimeError(f"PROPFIND depth 1 of w2/ answered {st} with {n} responses, expected {CFG['w2_files'] + 1}")
            return {"w2_put_files_per_s": r["files_per_s"], "w2_listing_bytes": len(xml)}

        step("setup", setup)
        if "failed" in res["setup"]:
            res["na"] = "set-up failed: " + res["setup"]["failed"]
            return res
        step("w1", lambda: oha(t.url + "w1/poll.bin", u, pw, 0, CFG["w1_seconds"], CFG["w1_clients"]))
        step("w2", lambda: oha(t.url + "w2/", u, pw, 1, CFG["w2_seconds"], CFG["w2_clients"]))
        step("w3", lambda: davload_put(t.url + "w3/", u, pw, CFG["w3_files"], CFG["w3_bytes"], CFG["w3_clients"]))

        def w4():
            up = curl_put(data["big"], t.url + "w4/big.bin", u, pw)
            url = t.url + "w4/big.bin"
            curl_get(url, u, pw, sha=data["big_sha256"])  # warm-up, and the content is checked
            runs = []
            for _ in range(CFG["w4_runs"]):
                n, speed = curl_get(url, u, pw)
                if n != CFG["w4_bytes"]:
                    raise RuntimeError(f"GET returned {n} bytes, expected {CFG['w4_bytes']}")
                runs.append(round(speed / 1e6, 1))
            return {"tool": "curl", "mb_per_s": max(runs), "runs_mb_per_s": runs, "put": up}

        step("w4", w4)
        step("w5", lambda: rclone_sync(data["w5_src"], t.url + "w5/", u, pw, CFG["w5_transfers"], data["work"]))
        if CFG["rclone_fast"]:
            step("w5b", lambda: rclone_sync(data["w5_src"], t.url + "w5b/", u, pw, CFG["w5_transfers"], data["work"],
                                            CFG["rclone_fast"], ("--webdav-pacer-min-sleep", "0")))
        log(f"{t.name}: fsync probe")
        try:
            res["fsync_probe"] = fsync_probe(t, CFG["probe_puts"])
        except Exception as e:  # noqa: BLE001
            res["fsync_probe"] = {"failed": str(e)[:400]}
    finally:
        t.stop()
        res["total_s"] = round(time.perf_counter() - t0, 1)
        if not CFG["keep"]:
            shutil.rmtree(t.dir, ignore_errors=True)
    return res


# ---------------------------------------------------------------- data and machine


def gen_data(work):
    work = Path(work)
    rng = random.Random(CFG["seed"])
    big = work / "big.bin"
    h = hashlib.sha256()
    with open(big, "wb") as f:
        left = CFG["w4_bytes"]
        while left:
            chunk = rng.randbytes(min(left, 16 << 20))
            h.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    # W5: mixed sizes, log-uniform between 1 KiB and 1 MiB, scaled so the total is w5_bytes; 20 folders.
    n, total = CFG["w5_files"], CFG["w5_bytes"]
    raw = [2 ** rng.uniform(10, 20) for _ in range(n)]
    scale = total / sum(raw)
    sizes = [max(1, int(x * scale)) for x in raw]
    sizes[-1] += total - sum(sizes)
    src = work / "w5-src"
    for i, s in enumerate(sizes):
        p = src / f"d{i % 20:02d}" / f"file-{i:05d}.dat"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(rng.randbytes(s))
    return {"work": str(work), "big": str(big), "big_sha256": h.hexdigest(), "w5_src": str(src),
            "w5_sizes": {"files": n, "bytes": sum(sizes), "min": min(sizes), "median": sorted(sizes)[n // 2], "max": max(sizes)}}


def machine(work):
    lscpu = sh(["lscpu"]).stdout
    model = re.search(r"Model name:\s*(.+)", lscpu)
    df = sh(["df", "-T", str(work)]).stdout.strip().splitlines()[-1].split()
    mem = sh(["free", "-h"]).stdout.splitlines()[1].split()[1]
    return {
        "nproc": int(sh(["nproc"]).stdout.strip()),
        "cpu": model.group(1).strip() if model else None,
        "kernel": platform.release(),
        "memory": mem,
        "data_dir": str(work),
        "filesystem": f"{df[1]} on {df[0]}",
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "load1_start": loadavg(),
    }


def tools():
    return {
        "oha": first_line(["oha", "--version"]),
        "curl": first_line(["curl", "--version"]),
        "rclone (client, W5)": first_line(["rclone", "version"]),
        **({"rclone (client, W5b)": first_line([CFG["rclone_fast"], "version"])} if CFG["rclone_fast"] else {}),
        "python (davload.py, floor.py)": platform.python_version(),
        "strace (fsync probe)": first_line(["strace", "-V"]),
        "dd": first_line(["dd", "--version"]),
    }


def combine_floors(start, end):
    """The floor is what the machine can do: the better of the runs at the start and at the end."""
    out = {"start": start, "end": end}
    for key, field in (("fsync", "files_per_s"), ("seqread", "mb_per_s")):
        runs = [r[key] for r in (start, end) if field in r.get(key, {})]
        if runs:
            best = dict(max(runs, key=lambda r: r[field]))
            best["start_and_end"] = [r[field] for r in runs]
            out[key] = best
        else:
            out[key] = start.get(key, {})
    return out


def floors(work):
    out = {}
    log("floor: fsync'd 4 KiB file creation")
    p = sh([sys.executable, str(HERE / "floor.py"), "fsync", str(Path(work) / "floor-fsync"), "--files", str(CFG["w3_files"]),
            "--size", str(CFG["w3_bytes"]), "--threads", str(CFG["w3_clients"])])
    out["fsync"] = json.loads(p.stdout) if p.returncode == 0 else {"failed": p.stderr[-400:]}
    shutil.rmtree(Path(work) / "floor-fsync", ignore_errors=True)
    log("floor: sequential read")
    p = sh([sys.executable, str(HERE / "floor.py"), "seqread", str(Path(work) / "big.bin")])
    out["seqread"] = json.loads(p.stdout) if p.returncode == 0 else {"failed": p.stderr[-400:]}
    return out


# ---------------------------------------------------------------- report


def fmt(x, nd=0):
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    return f"{x:,.{nd}f}"


def cell(r, key, field, nd=0):
    w = r.get(key)
    if r.get("na"):
        return "n/a"
    if not w:
        return "—"
    if "failed" in w:
        return "failed"
    return fmt(w.get(field), nd)


def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return a / b


def getv(r, key, field):
    w = r.get(key) or {}
    if r.get("na") or "failed" in w:
        return None
    return w.get(field)


def report(run):
    C, res, fl, m = run["config"], run["results"], run["floors"], run["machine"]
    tl = run["tools"]
    fast = C["rclone_fast"]
    L = []
    L.append(f"WebDAV benchmark, {m['date_utc']} UTC. Machine: {m['nproc']} cores ({m['cpu']}), kernel {m['kernel']}, "
             f"{m['memory']} memory, data folder on {m['filesystem']}. 1-minute load {m['load1_start']} at the start, "
             f"{m.get('load1_end')} at the end. Whole run: {run['total_s']:.0f} s.")
    L.append("")
    head = (f"| target | W1 PROPFIND depth 0, req/s | W1 p99 ms | W2 PROPFIND depth 1 ({C['w2_files']:,} files), req/s | W2 p99 ms "
            f"| W3 PUT {C['w3_files']:,} × {C['w3_bytes'] / 1024:g} KiB, files/s | W3 p99 ms | W4 GET {C['w4_bytes'] / 2**30:g} GiB, MB/s "
            f"| W5 rclone sync {C['w5_files']:,} files, s | ")
    head += "W5b same, pacer off, s | " if fast else ""
    head += "fsync calls per PUT |"
    L.append(head)
    L.append("|---" * (11 if fast else 10) + "|")
    for name in C["targets"]:
        r = res[name]
        fp = r.get("fsync_probe") or {}
        fpc = "n/a" if r.get("na") else (fmt(fp.get("per_put"), 1) if "per_put" in fp else "—")
        label = r["label"] + (" — **n/a** (see the notes)" if r.get("na") else "")
        row = (f"| {label} | {cell(r, 'w1', 'req_per_s')} | {cell(r, 'w1', 'p99_ms', 2)} | {cell(r, 'w2', 'req_per_s')} "
               f"| {cell(r, 'w2', 'p99_ms', 1)} | {cell(r, 'w3', 'files_per_s')} | {cell(r, 'w3', 'p99_ms', 1)} "
               f"| {cell(r, 'w4', 'mb_per_s')} | {cell(r, 'w5', 'seconds', 1)} | ")
        row += f"{cell(r, 'w5b', 'seconds', 2)} | " if fast else ""
        L.append(row + f"{fpc} |")
    fs, sq = fl.get("fsync", {}), fl.get("seqread", {})
    L.append(f"| *machine floor* | | | | | *{fmt(fs.get('files_per_s'))}* ¹ | *{fmt(fs.get('p99_ms'), 1)}* "
             f"| *{fmt(sq.get('mb_per_s'))}* ² | |{' |' if fast else ''} |")
    L.append("")
    L.append(f"¹ {C['w3_clients']} threads create {C['w3_files']:,} files of {C['w3_bytes']:,} B in one folder: write + fsync + close + "
             f"fsync of the folder (floor.py). Best of the runs at the start and at the end: {fs.get('start_and_end')} files/s.")
    L.append(f"² `dd if=FILE of=/dev/null bs=1M` on the 1 GiB W4 file, {fmt(sq.get('cached_pct_before'))} % in the page cache "
             f"(fincore), best of 3; runs at the start and at the end: {sq.get('start_and_end')} MB/s.")
    L.append("")
    apache = res.get("apache", {})
    a_w1, a_w3 = getv(apache, "w1", "req_per_s"), getv(apache, "w3", "files_per_s")
    f_w3, f_w4 = fs.get("files_per_s"), sq.get("mb_per_s")

    def mark(v, goal, nd=2, suffix="×"):
        if v is None:
            return "—"
        return f"{v:,.{nd}f}{suffix} {'✓' if v >= goal else '✗'}"

    L.append("Targets of issue 3 (✓ met, ✗ not met; the peers' ratios are for reference):")
    L.append("")
    L.append("| target | W1 ≥ 10,000 req/s | W1 ≥ 3 × Apache | W3 ≥ 70 % of fsync floor | W3 ≥ 2 × Apache | W4 ≥ 80 % of seq. read floor |")
    L.append("|---|---|---|---|---|---|")
    for name in C["targets"]:
        r = res[name]
        if r.get("na"):
            L.append(f"| {r['label']} | pending | pending | pending | pending | pending |")
            continue
        w1, w3, w4 = getv(r, "w1", "req_per_s"), getv(r, "w3", "files_per_s"), getv(r, "w4", "mb_per_s")
        r3, r4 = ratio(w3, f_w3), ratio(w4, f_w4)
        L.append(f"| {r['label']} | {mark(w1, 10000, 0, ' req/s')} | {mark(ratio(w1, a_w1), 3)} "
                 f"| {mark(r3 * 100 if r3 is not None else None, 70, 0, ' %')} | {mark(ratio(w3, a_w3), 2)} "
                 f"| {mark(r4 * 100 if r4 is not None else None, 80, 0, ' %')} |")
    L.append("")
    L.append("Notes per target: durability as documented, checked by `strace -f -c` on the server's processes during "
             f"{C['probe_puts']} sequential 4 KiB PUTs; CPU as cores used by the server and by the client during each workload.")
    L.append("")
    for name in C["targets"]:
        r = res[name]
        if r.get("na"):
            L.append(f"- **{r['label']}**{' (' + r['version'] + ')' if r.get('version') else ''}: n/a — {r['na']}")
            continue
        fp = r.get("fsync_probe") or {}
        probe = (f"strace: {fp['per_put']} fsync-family calls, {fp['opens_per_put']} openat and "
                 f"{fp['renames_per_put']} renames per PUT" if "per_put" in fp else f"fsync probe: {fp}")
        cores = "; ".join(
            f"{k.upper()} {r[k]['server_cores']} / {r[k]['client_cores']} / {r[k]['other_cores']}"
            for k in ("w1", "w2", "w3", "w4", "w5", "w5b") if isinstance(r.get(k), dict) and "server_cores" in r[k])
        fails = "; ".join(f"**{k.upper()} failed**: {r[k]['failed']}" for k in ("setup", "w1", "w2", "w3", "w4", "w5", "w5b")
                          if isinstance(r.get(k), dict) and "failed" in r[k])
        w4 = r.get("w4") or {}
        put = f" PUT of the W4 file (curl -T): {w4['put']['mb_per_s']} MB/s." if "put" in w4 else ""
        L.append(f"- **{r['label']}** ({r.get('version')}): {r.get('durability')}; {probe}. Config: {r.get('config')}.{put} "
                 f"Cores used by server / client / anything else: {cores}.{' ' + fails if fails else ''}")
    L.append("")
    L.append("Tools: " + "; ".join(f"{k}: {v}" for k, v in tl.items()) + ".")
    L.append("")
    d = run["data"]["w5_sizes"]
    L.append(f"W1/W2: oha, {C['w1_clients']}/{C['w2_clients']} connections for {C['w1_seconds']}/{C['w2_seconds']} s, with a "
             "PROPFIND body asking for getetag, getlastmodified, getcontentlength and resourcetype; only 207 answers count. "
             f"W3: davload.py, {C['w3_clients']} threads with one keep-alive connection each, every PUT to a new path. "
             f"W4: curl, best of {C['w4_runs']} after a warm-up GET whose SHA-256 is checked; the file was uploaded with PUT. "
             f"W5: {d['files']:,} files, {d['bytes'] / 1e6:.0f} MB in 20 folders (sizes {d['min']:,} B – {d['max']:,} B, "
             f"median {d['median']:,} B), `rclone sync --transfers {C['w5_transfers']}` with Debian's rclone and its default "
             "WebDAV pacer (at least 10 ms between API calls)"
             + (f"; W5b: the same with {tl.get('rclone (client, W5b)')} and `--webdav-pacer-min-sleep 0`" if fast else "")
             + ". MB = 10^6 bytes.")
    return "\n".join(L) + "\n"


def main():
    t_start = time.perf_counter()
    for tool in ("oha", "curl", "rclone", "dd"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing (see bench/dav/README.md)")
    work = Path(tempfile.mkdtemp(prefix="dav-bench-", dir=os.environ.get("DAV_BENCH_TMP")))
    os.chmod(work, 0o755)
    run = {"config": CFG, "machine": machine(work), "tools": tools(), "results": {}}
    try:
        log(f"generating data in {work}")
        data = gen_data(work)
        run["data"] = {k: v for k, v in data.items() if k != "work"}
        for name in CFG["targets"]:
            if name not in TARGETS:
                sys.exit(f"unknown target {name}; known: {', '.join(TARGETS)}")
        q = wait_quiet("floors")
        start = floors(work)
        start["quiet"] = q
        for name in CFG["targets"]:
            q = wait_quiet(name)
            run["results"][name] = run_target(TARGETS[name](work), data)
            run["results"][name]["quiet"] = q
        q = wait_quiet("floors")
        end = floors(work)
        end["quiet"] = q
        run["floors"] = combine_floors(start, end)
    finally:
        if not CFG["keep"]:
            shutil.rmtree(work, ignore_errors=True)
    run["total_s"] = round(time.perf_counter() - t_start, 1)
    run["machine"]["load1_end"] = loadavg()
    md = report(run)
    out = Path(CFG["out"])
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    (out / f"dav-{stamp}.json").write_text(json.dumps(run, indent=1) + "\n")
    (out / f"dav-{stamp}.md").write_text(md)
    shutil.copy(out / f"dav-{stamp}.json", out / "latest.json")
    shutil.copy(out / f"dav-{stamp}.md", out / "latest.md")
    print(md)
    log(f"wrote {out}/dav-{stamp}.json and .md ({run['total_s']:.0f} s)")


if __name__ == "__main__":
    main()
