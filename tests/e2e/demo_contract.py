#!/usr/bin/env python3
"""Black-box check of the demo contract against a running `suveren serve --demo`.

Usage: demo_contract.py BASE_URL DATA_DIR

Uses only the Python standard library (urllib, http.cookiejar, hmac), so it
runs anywhere CI has Python. Exits non-zero on the first broken promise.
"""
import base64, hashlib, hmac, http.cookiejar, json, struct, sys, time, urllib.error, urllib.parse, urllib.request

BASE, DATA = sys.argv[1].rstrip("/"), sys.argv[2]
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def totp(secret_b32, t=None):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((t or time.time()) // 30)
    h = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = h[-1] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


creds = {}
with open(f"{DATA}/demo-credentials.tsv") as f:
    for line in f:
        login, pw, tenant, role, secret = line.rstrip("\n").split("\t")
        creds[login] = (pw, tenant, role, secret)


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
                return resp.status, dict(resp.headers), (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, dict(e.headers), json.loads(raw)
            except ValueError:
                return e.code, dict(e.headers), raw

    def login(self, login):
        pw, _, _, secret = creds[login]
        body = {"login": login, "password": pw}
        if secret:
            body["totp"] = totp(secret)
        status, headers, b = self.req("POST", "/api/v1/auth/login", body)
        check(status == 200, f"{login} signs in (200)")
        check("set-cookie" in {k.lower() for k in headers}, f"{login} gets a session cookie")
        return self

    def search(self, q):
        status, _, b = self.req("GET", "/api/v1/directory/search?q=" + urllib.parse.quote(q))
        assert status == 200, (status, b)
        return b


for login, (pw, tenant, role, secret) in creds.items():
    if login in ("operator", "anna.admin@nordvik.test", "oda.godkjenner@nordvik.test", "siri.saksbehandler@nordvik.test"):
        check(secret != "", f"{login} has TOTP enrolled")
check(creds["lars.laerer@nordvik.test"][3] == "" and creds["per.elev@nordvik.test"][3] == "", "lars and per have no TOTP")

per = Session().login("per.elev@nordvik.test")
lars = Session().login("lars.laerer@nordvik.test")
op = Session().login("operator")
Session().login("siri.saksbehandler@nordvik.test")

hidden, nonsense = per.search("sara.elev"), per.search("qxzvjkwpt")
check(hidden == nonsense, "per searching sara.elev gets exactly the answer of a nonsense query")
check(all(r["login"] != "siri.saksbehandler@nordvik.test" for r in per.search("siri")["results"]), "per does not find siri")
check(any(r["login"] == "lars.laerer@nordvik.test" for r in per.search("lars")["results"]), "per finds his teacher lars")
check(any(r["login"] == "erik.ansatt@sorvik.test" for r in lars.search("erik")["results"]), "lars finds erik in sorvik")
check(all(r["login"] != "sara.elev@sorvik.test" for r in lars.search("sara")["results"]), "lars does not find sara")
for q in ["a", "e", "nordvik", "sorvik", "siri", "lars", "elev"]:
    check(op.search(q)["results"] == [], f"operator searching {q!r} finds no principal")
r = lars.search("erik")["results"][0]
check(set(["login", "name", "tenant", "kind"]) <= set(r), "results carry login, name, tenant, kind")

status, _, b = lars.req("POST", "/api/v1/me/app-passwords", {"label": "laptop"})
check(status in (200, 201) and isinstance(b.get("password"), str), "app password created")
status, _, _ = Session().req("GET", "/api/v1/auth/session", headers={"authorization": "Basic " + base64.b64encode(f"lars.laerer@nordvik.test:{b['password']}".encode()).decode()})
check(status == 200, "app password works for Basic authentication")

status, _, b = Session().req("POST", "/api/v1/auth/login", {"login": "lars.laerer@nordvik.test", "password": "wrong-password-123"})
check(status == 401 and b.get("status") == 401, "a wrong password is a 401 problem")
status, _, b = Session().req("POST", "/api/v1/auth/login", {"login": "siri.saksbehandler@nordvik.test", "password": creds["siri.saksbehandler@nordvik.test"][0]})
check(status == 401, "siri without her code is refused")

print(f"{failures} failed")
sys.exit(1 if failures else 0)
