#!/usr/bin/env python3
"""The demo scenario of the "no data leaves" test, as a black-box client.

Usage: scenario.py demo|control|oidc BASE_URL DATA_DIR COUNT_FILE

`demo`: sign-in with password and TOTP, directory search, app passwords,
uploads and downloads through REST and WebDAV, file search, sharing, and the
lockbox flow (operator files a request for siri's drive, oda approves, the
operator lists and reads there through REST and WebDAV, then revokes).

`control`: starts a sign-in with tenant nordvik's issuer, which run.sh has
set to an unreachable documentation address (the server must try, and the
trace check must catch it).

`oidc`: signs lars in through tenant nordvik's OpenID provider, following the
redirects like a browser (the provider logs in and consents by itself), then
uses the session.

Every step's answer is checked, so the scenario cannot "pass" by doing
nothing. Writes the number of HTTP connections it made to the server to
COUNT_FILE (urllib closes each one), which run.sh hands to the trace check
as a lower bound of the connections the traced server must have accepted.
Standard library only.
"""
import base64
import hashlib
import hmac
import http.cookiejar
import json
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

MODE, BASE, DATA, COUNT_FILE = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3], sys.argv[4]
server_requests = 0
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures += 1
    return cond


def totp(secret_b32, t):
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    h = hmac.new(key, struct.pack(">Q", int(t // 30)), hashlib.sha1).digest()
    o = h[-1] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


creds = {}
with open(f"{DATA}/demo-credentials.tsv", encoding="utf-8") as f:
    for line in f:
        fields = line.rstrip("\n").split("\t")
        creds[fields[0]] = (fields[1], fields[4] if len(fields) > 4 else "")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A cookie-keeping client that never follows redirects by itself."""

    def __init__(self, basic=None):
        self.jar = http.cookiejar.CookieJar()
        self.op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.basic = basic

    def req(self, method, url, body=None, headers=None, raw=False):
        global server_requests
        if url.startswith("/"):
            url = BASE + url
        if url.startswith(BASE + "/"):
            server_requests += 1
        h = {}
        if isinstance(body, (bytes, str)):
            data = body.encode() if isinstance(body, str) else body
        elif body is not None:
            data = json.dumps(body).encode()
            h["content-type"] = "application/json"
        else:
            data = None
        if self.basic:
            h["authorization"] = "Basic " + base64.b64encode(self.basic.encode()).decode()
        h.update(headers or {})
        r = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            with self.op.open(r, timeout=30) as resp:
                status, hdrs, payload = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            status, hdrs, payload = e.code, e.headers, e.read()
        if raw or not payload:
            return status, hdrs, payload
        try:
            return status, hdrs, json.loads(payload)
        except ValueError:
            return status, hdrs, payload

    def login(self, login):
        password, secret = creds[login]
        for attempt in range(3):
            body = {"login": login, "password": password}
            if secret:
                body["totp"] = totp(secret, time.time())
            status, _, b = self.req("POST", "/api/v1/auth/login", body)
            if status == 200 or not secret or attempt == 2:
                break
            time.sleep(31 - time.time() % 30)  # the code of this window was used: take the next one
        check(status == 200, f"{login} signs in" + (" with password and TOTP" if secret else " with a password"))
        return self

    def app_password(self, login, label):
        status, _, b = self.req("POST", "/api/v1/me/app-passwords", {"label": label})
        check(status in (200, 201) and isinstance(b, dict) and "password" in b, f"{login} creates an app password")
        return Client(basic=f"{login}:{b['password']}")

    def personal_drive(self):
        status, _, b = self.req("GET", "/api/v1/drives")
        check(status == 200, "lists own drives")
        return next(d for d in b["drives"] if d["kind"] == "personal")


def q(s):
    return urllib.parse.quote(s, safe="/")


def demo():
    lars = Client().login("lars.laerer@nordvik.test")
    per = Client().login("per.elev@nordvik.test")
    siri = Client().login("siri.saksbehandler@nordvik.test")

    # Directory search.
    status, _, b = per.req("GET", "/api/v1/directory/search?q=lars")
    check(status == 200 and any(r["login"] == "lars.laerer@nordvik.test" for r in b["results"]), "per finds lars")
    status, _, b = lars.req("GET", "/api/v1/directory/search?q=erik")
    check(status == 200 and any(r["login"] == "erik.ansatt@sorvik.test" for r in b["results"]), "lars finds erik")

    # Uploads and downloads through REST.
    drive = lars.personal_drive()["id"]
    content = ("Elevsamtale 8A, notater. " * 4000).encode()  # ~100 KiB: several encrypted chunks
    status, _, _ = lars.req("PUT", f"/api/v1/drives/{drive}/content?path={q('/Egress/notater.txt')}", content,
                            {"content-type": "application/octet-stream"})
    if status in (404, 409):  # no parent folder yet
        lars.req("POST", f"/api/v1/drives/{drive}/folders", {"path": "/Egress"})
        status, _, _ = lars.req("PUT", f"/api/v1/drives/{drive}/content?path={q('/Egress/notater.txt')}", content,
                                {"content-type": "application/octet-stream"})
    check(status in (200, 201), f"lars uploads a file through REST ({status})")
    status, _, got = lars.req("GET", f"/api/v1/drives/{drive}/content?path={q('/Egress/notater.txt')}", raw=True)
    check(status == 200 and got == content, "lars downloads it byte for byte")
    status, _, got = lars.req("GET", f"/api/v1/drives/{drive}/content?path={q('/Egress/notater.txt')}",
                              headers={"range": "bytes=70000-70099"}, raw=True)
    check(status == 206 and got == content[70000:70100], "a ranged download returns the range")

    # Uploads and downloads through WebDAV, with an app password.
    dav = lars.app_password("lars.laerer@nordvik.test", "egress-laptop")
    root = "/dav/files/lars.laerer@nordvik.test"
    status, _, _ = dav.req("MKCOL", f"{root}/Egress-dav/")
    check(status in (201, 405), f"lars creates a folder through WebDAV ({status})")
    status, _, _ = dav.req("PUT", f"{root}/Egress-dav/plan.odt", b"PK\x03\x04 not really a document " * 100)
    check(status in (201, 204), f"lars uploads a file through WebDAV ({status})")
    status, _, got = dav.req("GET", f"{root}/Egress-dav/plan.odt", raw=True)
    check(status == 200 and got.startswith(b"PK\x03\x04"), "lars downloads it through WebDAV")
    status, _, got = dav.req("PROPFIND", f"{root}/Egress-dav/", headers={"depth": "1"}, raw=True)
    check(status == 207 and b"plan.odt" in got, "PROPFIND lists it")

    # File search.
    hits = []
    for _ in range(50):  # the index catches up with the change feed in the background
        status, _, b = lars.req("GET", "/api/v1/search/files?q=notater")
        hits = b.get("results", []) if status == 200 and isinstance(b, dict) else []
        if hits:
            break
        time.sleep(0.2)
    check(bool(hits), "lars finds his file by name")

    # Sharing, and the share being used.
    status, _, b = lars.req("POST", f"/api/v1/drives/{drive}/shares",
                            {"path": "/Egress/notater.txt", "principal": "siri.saksbehandler@nordvik.test",
                             "role": "viewer"})
    check(status == 201, f"lars shares the file with siri ({status})")
    status, _, b = siri.req("GET", "/api/v1/me/shared-with-me")
    check(status == 200 and "notater.txt" in json.dumps(b), "siri sees what lars shared with her")

    # A team drive at level Open (made by the tenant admin), a public link, its use.
    anna = Client().login("anna.admin@nordvik.test")
    status, _, b = anna.req("POST", "/api/v1/tenants/nordvik/drives", {
        "name": "Egress åpent", "slug": "egress-apent", "level": 0,
        "members": [{"principal": "lars.laerer@nordvik.test", "role": "owner"}]})
    check(status == 201, f"anna creates an Open team drive for lars ({status})")
    team = b.get("id", "") if isinstance(b, dict) else ""
    status, _, _ = dav.req("PUT", "/dav/drives/egress-apent/meny.txt", b"Fiskesuppe")
    check(status in (201, 204), f"lars uploads to the team drive through WebDAV ({status})")
    status, _, b = lars.req("POST", f"/api/v1/drives/{team}/shares", {"path": "/meny.txt", "link": "view"})
    check(status == 201 and "token" in b, f"lars makes a view link ({status})")
    if status == 201:
        status, _, got = Client().req("GET", f"/api/v1/links/{b['token']}/content", raw=True)
        check(status == 200 and got == b"Fiskesuppe", "the link downloads without an account")

    lockbox(siri)


def lockbox(siri):
    op = Client().login("operator")
    status, _, _ = op.req("GET", "/api/v1/lockbox/requests")
    check(status == 200, f"operator lists lockbox requests ({status})")
    siri_drive = siri.personal_drive()["id"]
    siri_dav = "/dav/files/siri.saksbehandler@nordvik.test/"
    status, _, _ = siri.req("PUT", f"/api/v1/drives/{siri_drive}/content?path={q('/sak-1.txt')}", b"saksdokument",
                            {"content-type": "application/octet-stream"})
    check(status in (200, 201), f"siri uploads a case file ({status})")
    op_dav = op.app_password("operator", "egress-support")
    status, _, _ = op_dav.req("PROPFIND", siri_dav, headers={"depth": "1"})
    check(status == 404, f"operator cannot list siri's drive before a grant ({status})")
    status, _, b = op.req("POST", "/api/v1/lockbox/requests", {
        "tenant": "nordvik", "scope": {"drive_of": "siri.saksbehandler@nordvik.test"}, "actions": ["list", "read"],
        "reason": "support case", "case_ref": "SAK-1", "minutes": 60})
    if not check(status in (200, 201) and isinstance(b, dict) and "id" in b, f"operator files a request ({status})"):
        return
    rid = b["id"]
    oda = Client().login("oda.godkjenner@nordvik.test")
    status, _, _ = oda.req("POST", f"/api/v1/lockbox/requests/{rid}/approve", {"note": "ok"})
    check(status in (200, 201, 204), f"oda approves it ({status})")
    status, _, got = op_dav.req("PROPFIND", siri_dav, headers={"depth": "1"}, raw=True)
    check(status == 207 and b"sak-1.txt" in got, f"operator lists siri's drive through WebDAV under the grant ({status})")
    status, _, b = op.req("GET", f"/api/v1/drives/{siri_drive}/items")
    check(status == 200, f"operator lists siri's drive through REST under the grant ({status})")
    status, _, got = op.req("GET", f"/api/v1/drives/{siri_drive}/content?path={q('/sak-1.txt')}", raw=True)
    check(status == 200 and got == b"saksdokument", f"operator reads a file under the grant ({status})")
    status, _, _ = op.req("POST", f"/api/v1/lockbox/requests/{rid}/revoke", {"note": "done"})
    check(status in (200, 201, 204), f"operator revokes the grant ({status})")
    status, _, _ = op_dav.req("PROPFIND", siri_dav, headers={"depth": "1"})
    check(status == 404, f"after revocation the operator cannot list again ({status})")


def oidc():
    browser = Client()
    status, hdrs, b = browser.req("GET", "/api/v1/auth/oidc/nordvik/start")
    url = hdrs.get("location") if hdrs else None
    check(status in (302, 303, 307) and bool(url), f"the OIDC sign-in starts with a redirect to the provider ({status})")
    if not url:
        print(b)
        return
    print(f"     provider: {urllib.parse.urlsplit(url).netloc}")
    callback = BASE + "/api/v1/auth/oidc/callback"
    for _ in range(20):
        if url.startswith(callback):
            break
        status, hdrs, b = browser.req("GET", url)
        if not check(status in (302, 303, 307) and "location" in hdrs, f"provider redirects ({status} {url[:60]})"):
            print(b)
            return
        url = urllib.parse.urljoin(url, hdrs["location"])
    status, _, b = browser.req("GET", url, headers={"accept": "application/json"})
    check(status == 200, f"the callback signs lars in ({status})")
    if status != 200:
        print(b)
    status, _, b = browser.req("GET", "/api/v1/auth/session")
    check(status == 200 and "lars.laerer@nordvik.test" in json.dumps(b), "the session is lars's")
    status, _, b = browser.req("GET", "/api/v1/drives")
    check(status == 200, "lars lists his drives")


def control():
    status, _, _ = Client().req("GET", "/api/v1/auth/oidc/nordvik/start")
    check(status == 503, f"starting a sign-in with an unreachable issuer fails ({status})")


try:
    {"demo": demo, "oidc": oidc, "control": control}[MODE]()
finally:
    with open(COUNT_FILE, "w") as f:
        f.write(str(server_requests))
print(f"scenario {MODE}: {server_requests} requests to the server, {failures} failed")
sys.exit(1 if failures else 0)
