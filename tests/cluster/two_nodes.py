#!/usr/bin/env python3
"""Two app nodes over one database and one bucket, checked from outside.

Usage: two_nodes.py NODE_A NODE_B DATA_A PID_A STATE_JSON

STATE_JSON receives what the restore check (tests/cluster/run.sh) needs:
the stored files' digests and app passwords for lars and anna.

What a municipality running Suveren behind a load balancer relies on:
a session made on one node works on the other and ends on both; a
directory change on one node is seen by the gate on the other; a WebDAV
lock taken on one node holds on the other; failed sign-ins count across
nodes; and when a node dies during uploads, the other carries on and
nothing a client was told is stored goes missing, nor does a half-written
file appear. Standard library only.
"""
import base64, hashlib, io, re, http.client, http.cookiejar, json, os, signal, sys, threading, time, urllib.error, urllib.parse, urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import demo_contract_lib as lib  # noqa: E402

A, B, DATA_A, PID_A, STATE = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
lib.setup(A, DATA_A)
check, creds = lib.check, lib.creds


class Client:
    """A cookie-keeping JSON client bound to one node; `jar` may be shared
    with a client of the other node (one browser, two nodes behind a
    balancer)."""

    def __init__(self, base, jar=None):
        self.base = base
        self.jar = jar if jar is not None else http.cookiejar.CookieJar()
        self.op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def req(self, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        h = {"content-type": "application/json"} if body is not None else {}
        h.update(headers or {})
        r = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with self.op.open(r, timeout=30) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw and "json" in resp.headers.get("content-type", "") else raw
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, json.loads(raw) if raw and "json" in (e.headers.get("content-type") or "") else raw

    def login(self, login, password=None):
        pw, _, _, secret = creds[login]
        body = {"login": login, "password": password or pw}
        if secret:
            body["totp"] = lib.fresh_totp(login, secret)
        return self.req("POST", "/api/v1/auth/login", body)


def eventually(fn, what, seconds=10):
    """Polls `fn` until true: announcements between nodes take milliseconds,
    not zero."""
    end = time.time() + seconds
    while time.time() < end:
        if fn():
            return True
        time.sleep(0.1)
    return False


def dav(base, method, path, auth, body=None, headers=None):
    u = urllib.parse.urlsplit(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    h = {"authorization": "Basic " + base64.b64encode(auth.encode()).decode()}
    h.update(headers or {})
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


# 1. One session, both nodes.
lars_a = Client(A)
status, _ = lars_a.login("lars.laerer@nordvik.test")
check(status == 200, "lars signs in on node A")
lars_b = Client(B, lars_a.jar)
status, b = lars_b.req("GET", "/api/v1/auth/session")
check(status == 200 and b["session"]["login"] == "lars.laerer@nordvik.test", "node B knows lars's session from node A")
status, b = lars_a.req("POST", "/api/v1/me/app-passwords", {"label": "klynge"})
check(status in (200, 201), "lars makes an app password on node A")
lars_basic = "lars.laerer@nordvik.test:" + b["password"]

other = Client(B)
check(other.login("erik.ansatt@sorvik.test")[0] == 200, "erik signs in on node B")
check(other.req("POST", "/api/v1/auth/logout")[0] in (200, 204), "erik signs out on node B")
erik_a = Client(A, other.jar)
check(erik_a.req("GET", "/api/v1/auth/session")[0] == 401, "his session is over on node A too")

# 2. A directory change on A reaches the gate on B.
anna = Client(A)
check(anna.login("anna.admin@nordvik.test")[0] == 200, "anna (admin) signs in on node A")
check(lars_b.req("GET", "/api/v1/directory/search?q=klyngestad")[1]["results"] == [], "nobody called Klyngestad yet")
status, b = anna.req("POST", "/api/v1/tenants/nordvik/principals", {
    "login": "kari.klyngestad", "name": "Kari Klyngestad", "kind": "employee", "password": "Klynge-Passord-2026!"})
check(status == 201, f"anna creates Kari Klyngestad on node A ({status} {b})")
found = eventually(lambda: any("Klyngestad" in r["name"] for r in lars_b.req("GET", "/api/v1/directory/search?q=klyngestad")[1]["results"]),
                   "search on B")
check(found, "lars finds Kari on node B")
kari_b = Client(B)
s, _ = kari_b.req("POST", "/api/v1/auth/login", {"login": "kari.klyngestad@nordvik.test", "password": "Klynge-Passord-2026!"})
check(s == 200, f"Kari signs in on node B with the password set on node A ({s})")

# 3. A WebDAV lock taken on A holds on B.
home = "/dav/files/lars.laerer@nordvik.test"
s, _, _ = dav(A, "PUT", f"{home}/laast.txt", lars_basic, b"versjon 1")
check(s in (201, 204), "lars stores laast.txt through node A")
lockbody = b'<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>klynge</D:owner></D:lockinfo>'
s, h, _ = dav(A, "LOCK", f"{home}/laast.txt", lars_basic, lockbody, {"content-type": "application/xml", "timeout": "Second-600"})
token = h.get("lock-token", "")
check(s == 200 and token.startswith("<"), "lars locks it on node A")
s, _, _ = dav(B, "PUT", f"{home}/laast.txt", lars_basic, b"versjon 2 uten laas")
check(s == 423, f"a write without the lock token is refused on node B ({s})")
s, _, _ = dav(B, "PUT", f"{home}/laast.txt", lars_basic, b"versjon 2", {"if": f"({token})"})
check(s in (201, 204), f"with the token it is accepted on node B ({s})")
s, _, _ = dav(B, "UNLOCK", f"{home}/laast.txt", lars_basic, None, {"lock-token": token})
check(s == 204, "unlocked on node B")
s, _, body = dav(A, "GET", f"{home}/laast.txt", lars_basic)
check(s == 200 and body == b"versjon 2", "node A serves what node B stored")

# 4. Failed sign-ins count on every node (5 per account and address).
for i in range(5):
    node = Client(A if i % 2 == 0 else B)
    node.req("POST", "/api/v1/auth/login", {"login": "per.elev@nordvik.test", "password": f"feil-passord-{i}"})
time.sleep(0.5)
for name, base in (("A", A), ("B", B)):
    s, _ = Client(base).req("POST", "/api/v1/auth/login", {"login": "per.elev@nordvik.test", "password": creds["per.elev@nordvik.test"][0]})
    check(s == 429, f"after five failures spread over both nodes, node {name} holds per's sign-in back ({s})")

# 4b. A lockbox grant approved on B opens the door on A; revoked on B, it
# closes on A.
SIRI = "siri.saksbehandler@nordvik.test"
op_a = Client(A)
check(op_a.login("operator")[0] == 200, "the operator signs in on node A")
s, b = op_a.req("POST", "/api/v1/me/app-passwords", {"label": "lockbox"})
op_basic = "operator:" + b["password"]
s, _, _ = dav(A, "PROPFIND", f"/dav/files/{SIRI}/", op_basic, None, {"depth": "1"})
check(s == 404, "siri's files are hidden from the operator on node A")
s, b = op_a.req("POST", "/api/v1/lockbox/requests", {
    "tenant": "nordvik", "scope": {"drive_of": SIRI}, "actions": ["list", "read"],
    "reason": "support case", "case_ref": "SAK-9", "minutes": 60})
check(s == 201, f"the operator files a lockbox request on node A ({s})")
rid = b["id"]
oda_b = Client(B)
check(oda_b.login("oda.godkjenner@nordvik.test")[0] == 200, "oda signs in on node B")
check(oda_b.req("POST", f"/api/v1/lockbox/requests/{rid}/approve", {"note": "ok"})[0] == 200, "oda approves on node B")
check(eventually(lambda: dav(A, "PROPFIND", f"/dav/files/{SIRI}/", op_basic, None, {"depth": "1"})[0] == 207, "grant on A"),
      "the grant approved on node B lets the operator list siri's files on node A")
check(oda_b.req("POST", f"/api/v1/lockbox/requests/{rid}/revoke", {"note": "done"})[0] == 200, "oda revokes on node B")
check(eventually(lambda: dav(A, "PROPFIND", f"/dav/files/{SIRI}/", op_basic, None, {"depth": "1"})[0] == 404, "revoked on A", 5),
      "revoked on node B, the operator is refused on node A again")

# 4c. A resumable (tus) upload begun on A is finished on B.
from tusclient import client as tusc  # noqa: E402
lars_auth = {"Authorization": "Basic " + base64.b64encode(lars_basic.encode()).decode()}
drive = lars_b.req("GET", "/api/v1/drives")[1]["drives"][0]["id"]
lars_b.req("POST", f"/api/v1/drives/{drive}/folders", {"path": "/tus"})
big = hashlib.sha256(b"tus").digest() * (9 * 1024 * 1024 // 32) + b"hale"
meta = {"drive": drive, "path": "/tus/delt.bin", "filetype": "application/octet-stream"}
up = tusc.TusClient(A + "/api/v1/uploads", headers=lars_auth).uploader(
    file_stream=io.BytesIO(big), chunk_size=4 * 1024 * 1024, metadata=meta)
up.upload_chunk()
reached = up.offset
url_b = B + up.url[len(A):] if up.url.startswith(A) else B + urllib.parse.urlsplit(up.url).path
up_b = tusc.TusClient(B + "/api/v1/uploads", headers=lars_auth).uploader(
    file_stream=io.BytesIO(big), chunk_size=4 * 1024 * 1024, metadata=meta, url=url_b)
check(reached > 0 and up_b.get_offset() == reached, f"node B reports the offset node A reached ({reached})")
up_b.upload()
s, _, body = dav(A, "GET", f"{home}/tus/delt.bin", lars_basic)
check(s == 200 and body == big, "the upload begun on A and finished on B is stored whole")

# 4d. A key rotation started on A while both nodes take new files: every
# file, old and new, opens on both nodes afterwards.
s, b = anna.req("POST", "/api/v1/tenants/nordvik/keys/rotate")
check(s == 202 and b.get("rotation"), f"anna starts a rotation of nordvik's key on node A ({s})")
during = {}
for i in range(6):
    name = f"under-rotasjon-{i}.txt"
    body = f"skrevet under rotasjon {i}".encode() * 100
    st, _, _ = dav(A if i % 2 else B, "PUT", f"{home}/{name}", lars_basic, body)
    during[name] = body if st in (201, 204) else None
check(all(v is not None for v in during.values()), "files stored on both nodes during the rotation")


def rotated():
    st, k = anna.req("GET", "/api/v1/tenants/nordvik/keys")
    return st == 200 and not k.get("rotation") and k.get("rotated")


check(eventually(rotated, "rotation", 90), "the rotation finishes (one node runs it under the upkeep lease)")
# Written on B after the rotation ended on A: B must be using the new key.
st, _, _ = dav(B, "PUT", f"{home}/etter-rotasjon.txt", lars_basic, b"etter rotasjonen")
check(st in (201, 204), "node B stores a file after the rotation")
files = dict(during, **{"laast.txt": b"versjon 2", "tus/delt.bin": big, "etter-rotasjon.txt": b"etter rotasjonen"})
for name, base in ((n, base) for n in files for base in (A, B)):
    try:
        st, _, body = dav(base, "GET", f"{home}/{name}", lars_basic)
    except (OSError, http.client.HTTPException) as e:  # a body cut off when decryption fails
        st, body = repr(e), b""
    if st != 200 or body != files[name]:
        check(False, f"{name} on {base} after the rotation ({st})")
        break
else:
    check(True, "after the rotation every file opens on both nodes")

# 4e. Background jobs run on one node: both nodes name the same holder of
# the upkeep lease.
op_b = Client(B, op_a.jar)


def upkeep_on(client):
    st, h = client.req("GET", "/api/v1/health")
    return next((j.get("runs_on") for j in h.get("jobs", []) if j.get("job") == "upkeep"), None) if st == 200 else None


holder = upkeep_on(op_a)
check(holder in ("a", "b") and upkeep_on(op_b) == holder, f"both nodes say upkeep runs on node {holder}")

# 5. Node A dies during uploads; node B carries on.
def payload(i):
    seed = hashlib.sha256(f"fil-{i}".encode()).digest()
    out = bytearray()
    while len(out) < 200_000 + i * 37_000:
        seed = hashlib.sha256(seed).digest()
        out += seed
    return bytes(out)

stored = {}      # name -> sha256 of what the server said it stored
lock = threading.Lock()
a_dead = threading.Event()
done = []


def upload(i):
    name = f"opplasting-{i:03d}.bin"
    data = payload(i)
    for base in ((A, B) if i % 2 == 0 else (B, A)):
        try:
            s, _, _ = dav(base, "PUT", f"{home}/klynge/{name}", lars_basic, data)
        except OSError:
            continue  # the node is gone: the balancer tries the other
        if s in (201, 204):
            with lock:
                stored[name] = hashlib.sha256(data).hexdigest()
                done.append(name)
            return
    with lock:
        stored.setdefault(name, None)


s, _, _ = dav(A, "MKCOL", f"{home}/klynge", lars_basic)
check(s == 201, "lars makes the folder klynge")


class Slow:
    """A 24 MiB body that arrives slowly, so node A dies in the middle."""

    def __init__(self):
        self.sent = 0

    def read(self, n=65536):
        if self.sent >= 24 << 20:
            return b""
        time.sleep(0.01)
        chunk = hashlib.sha256(str(self.sent).encode()).digest() * (65536 // 32)
        self.sent += len(chunk)
        return chunk


def interrupted():
    u = urllib.parse.urlsplit(A)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    try:
        c.putrequest("PUT", f"{home}/klynge/halvferdig.bin")
        c.putheader("authorization", "Basic " + base64.b64encode(lars_basic.encode()).decode())
        c.putheader("content-length", str(24 << 20))
        c.endheaders()
        body = Slow()
        while (chunk := body.read()):
            c.send(chunk)
        c.getresponse().read()
    except OSError:
        pass


slow = threading.Thread(target=interrupted)
slow.start()
threads = []
for i in range(40):
    t = threading.Thread(target=upload, args=(i,))
    t.start()
    threads.append(t)
    if i % 4 == 3:
        for t in threads:
            t.join()
        threads = []
    if len(done) >= 10 and not a_dead.is_set():
        os.kill(PID_A, signal.SIGKILL)
        a_dead.set()
for t in threads:
    t.join()
slow.join()
check(a_dead.is_set(), "node A was killed with uploads in flight")
check(all(v is not None for v in stored.values()) and len(stored) == 40, f"all 40 uploads were stored by one node or the other ({sum(v is not None for v in stored.values())})")

ok = True
for name, digest in stored.items():
    if digest is None:
        continue
    s, _, body = dav(B, "GET", f"{home}/klynge/{name}", lars_basic)
    if s != 200 or hashlib.sha256(body).hexdigest() != digest:
        ok = False
        print(f"     {name}: {s}, {len(body)} bytes")
check(ok, "node B serves every stored upload byte for byte")
s, _, listing = dav(B, "PROPFIND", f"{home}/klynge/", lars_basic, None, {"depth": "1"})
hrefs = re.findall(r"<(?:\w+:)?href>([^<]+)</(?:\w+:)?href>", listing.decode(), flags=re.I)
names = {urllib.parse.unquote(n.rstrip("/").split("/")[-1]) for n in hrefs}
check(s == 207 and {n for n in stored} <= names, "the folder lists them all on node B")
check("halvferdig.bin" not in names, "the upload cut off by the kill left no half-written file")

# B takes the jobs over once A's lease has run out (30 s for upkeep).
check(eventually(lambda: upkeep_on(op_b) == "b", "takeover", 60), "node B runs the upkeep after node A's lease ran out")

# B goes on serving: sign-in, search, a new upload.
after = Client(B)
check(after.login("oda.godkjenner@nordvik.test")[0] == 200, "oda signs in on node B after node A died")
s, _, _ = dav(B, "PUT", f"{home}/klynge/etterpaa.txt", lars_basic, b"etter")
check(s in (201, 204), "uploads go on on node B")

s, b = Client(B, anna.jar).req("POST", "/api/v1/me/app-passwords", {"label": "audit"})
check(s in (200, 201), "anna makes an app password for the audit export")
with open(STATE, "w") as f:
    json.dump({"stored": {n: d for n, d in stored.items() if d}, "lars": lars_basic, "anna": b.get("password", "")}, f)
lib.finish()
