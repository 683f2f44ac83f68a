"""Shared pieces of the black-box demo checks: demo credentials, TOTP codes
that are never reused across scripts (the server refuses a replayed code),
a cookie-keeping JSON client, and the ok/FAIL tally. Standard library only."""
import base64, hashlib, hmac, http.cookiejar, json, os, struct, sys, time, urllib.error, urllib.parse, urllib.request

BASE = DATA = None
creds = {}
failures = 0


def setup(base, data):
    global BASE, DATA
    BASE, DATA = base.rstrip("/"), data
    with open(f"{DATA}/demo-credentials.tsv") as f:
        for line in f:
            login, pw, tenant, role, secret = line.rstrip("\n").split("\t")
            creds[login] = (pw, tenant, role, secret)


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def finish():
    print(f"{failures} failed")
    sys.exit(1 if failures else 0)


def totp_at(secret_b32, step):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    h = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    o = h[-1] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def fresh_totp(login, secret):
    """A code for a 30-second step this installation has not seen used by
    `login` (steps used are kept beside the data folder), waiting for the
    next step when the server's one-step tolerance is used up."""
    path = os.path.join(os.path.dirname(DATA.rstrip("/")), "e2e-totp-steps.json")
    used = json.load(open(path)) if os.path.exists(path) else {}
    while True:
        now = int(time.time() // 30)
        step = max(now, used.get(login, -1) + 1)
        if step <= now + 1:
            used[login] = step
            json.dump(used, open(path, "w"))
            return totp_at(secret, step)
        time.sleep(1)


class Session:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def req(self, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        h = {"content-type": "application/json"} if body is not None else {}
        h.update(headers or {})
        r = urllib.request.Request(BASE + path, data=data, method=method, headers=h)
        try:
            with self.op.open(r) as resp:
                raw = resp.read()
                return resp.status, dict(resp.headers), _decode(raw, resp.headers)
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, dict(e.headers), _decode(raw, e.headers)

    def login(self, login):
        pw, _, _, secret = creds[login]
        body = {"login": login, "password": pw}
        if secret:
            body["totp"] = fresh_totp(login, secret)
        status, headers, b = self.req("POST", "/api/v1/auth/login", body)
        check(status == 200, f"{login} signs in (200)")
        check("set-cookie" in {k.lower() for k in headers}, f"{login} gets a session cookie")
        return self

    def search(self, q):
        status, _, b = self.req("GET", "/api/v1/directory/search?q=" + urllib.parse.quote(q))
        assert status == 200, (status, b)
        return b


def _decode(raw, headers):
    ct = headers.get("content-type", "") or ""
    if raw and "json" in ct:
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw if raw else None
