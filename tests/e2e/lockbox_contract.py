#!/usr/bin/env python3
"""The lockbox acceptance path of issue 4 against a running `suveren serve --demo`.

Usage: lockbox_contract.py BASE_URL DATA_DIR SUVEREN_BIN

operator and anna.admin each: cannot list siri's files (same answer as a
nonexistent path), file a request, oda approves, can list and read but not
write and nothing else, revoke, refused again. Then nordvik's audit export
(through the CLI, as anna) shows request, approval, each access with the
request id, and revocation, and `suveren audit verify` accepts it.
Standard library only.
"""
import base64, json, os, subprocess, sys, tempfile, urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import demo_contract_lib as lib  # noqa: E402

BASE, DATA, BIN = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
lib.setup(BASE, DATA)
check, Session = lib.check, lib.Session
SIRI = "siri.saksbehandler@nordvik.test"


def dav(session, login):
    status, _, b = session.req("POST", "/api/v1/me/app-passwords", {"label": "lockbox-check"})
    check(status == 201, f"{login} creates an app password")
    token = base64.b64encode(f"{login}:{b['password']}".encode()).decode()
    return {"authorization": "Basic " + token}


def propfind(auth, path):
    return Session().req("PROPFIND", path, headers=dict(auth, depth="1"))


oda = Session().login("oda.godkjenner@nordvik.test")
ids = []
for who in ["operator", "anna.admin@nordvik.test"]:
    s = Session().login(who)
    auth = dav(s, who)
    before = propfind(auth, f"/dav/files/{SIRI}/")
    missing = propfind(auth, "/dav/files/nobody.here@nordvik.test/")
    check(before[0] == 404 and (before[0], before[2]) == (missing[0], missing[2]),
          f"{who}: siri's files answer like a nonexistent path")
    status, _, b = s.req("POST", "/api/v1/lockbox/requests", {
        "tenant": "nordvik", "scope": {"drive_of": SIRI}, "actions": ["list", "read"],
        "reason": "support case", "case_ref": "SAK-1", "minutes": 60})
    check(status == 201 and b.get("id"), f"{who} files a request ({status})")
    rid = b["id"]
    ids.append(rid)
    status, _, _ = oda.req("POST", f"/api/v1/lockbox/requests/{rid}/approve", {"note": "secrecy review done"})
    check(status == 200, f"oda approves {who}'s request")
    status, _, body = propfind(auth, f"/dav/files/{SIRI}/")
    check(status == 207 and b"Notater.txt" in body, f"{who} now lists siri's files over WebDAV")
    status, _, body = Session().req("GET", f"/dav/files/{SIRI}/Notater.txt", headers=auth)
    check(status == 200 and body == b"Husk veiledning torsdag.\n", f"{who} reads siri's note")
    status, _, _ = Session().req("PUT", f"/dav/files/{SIRI}/Notater.txt", headers=dict(auth, **{"content-type": "text/plain"}))
    check(status == 403, f"{who} cannot write there ({status})")
    for other in ["/dav/files/lars.laerer@nordvik.test/", "/dav/drives/barnevern/"]:
        check(propfind(auth, other)[0] == 404, f"{who} sees nothing at {other}")
    status, _, _ = oda.req("POST", f"/api/v1/lockbox/requests/{rid}/revoke", {"note": "case closed"})
    check(status == 200, f"oda revokes {who}'s grant")
    check(propfind(auth, f"/dav/files/{SIRI}/")[0] == 404, f"{who} is refused again after revoke")

# The audit export through the CLI, as anna (auditor of nordvik).
anna = Session().login("anna.admin@nordvik.test")
status, _, b = anna.req("POST", "/api/v1/me/app-passwords", {"label": "audit-export"})
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "nordvik.jsonl")
    r = subprocess.run([BIN, "audit", "export", "--tenant", "nordvik", "--server", BASE,
                        "--login", "anna.admin@nordvik.test", "--token", b["password"], "--out", out],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"audit export through the CLI ({r.stderr.strip()})")
    recs = [json.loads(l) for l in open(out) if l.strip()]
    r = subprocess.run([BIN, "audit", "verify", out], capture_output=True, text=True)
    check(r.returncode == 0, "the export verifies")
for rid in ids:
    res = f"lockbox:{rid}"
    acts = {x.get("action") for x in recs if x.get("resource") == res}
    check({"lockbox.request", "lockbox.approve", "lockbox.revoke"} <= acts, f"{rid[:8]}: request, approval, revocation in the log")
    under = [x for x in recs if x.get("acting_under") == rid]
    check(any(x["action"] == "content.list" for x in under) and any(x["action"] == "content.read" for x in under),
          f"{rid[:8]}: each access carries the request id")

lib.finish()
