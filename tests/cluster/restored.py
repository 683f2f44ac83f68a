#!/usr/bin/env python3
"""Checks a node started on a restored PostgreSQL dump and bucket copy.

Usage: restored.py NODE STATE_JSON AUDIT_BEFORE AUDIT_RESTORED SUVEREN_BIN

Every file the two-node run stored is served byte for byte; the nordvik
audit log exported from the restored node is the one exported before the
backup (the export itself is recorded after it, so the restored log starts
with the whole earlier log) and verifies; the restored node takes writes.
"""
import base64, hashlib, http.client, json, subprocess, sys, urllib.parse

NODE, STATE, BEFORE, RESTORED, BIN = sys.argv[1:6]
state = json.load(open(STATE))
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    failures += 0 if cond else 1


def dav(method, path, body=None):
    u = urllib.parse.urlsplit(NODE)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    c.request(method, path, body=body, headers={"authorization": "Basic " + base64.b64encode(state["lars"].encode()).decode()})
    r = c.getresponse()
    return r.status, r.read()


home = "/dav/files/lars.laerer@nordvik.test/klynge"
bad = [n for n, d in state["stored"].items() if (lambda r: r[0] != 200 or hashlib.sha256(r[1]).hexdigest() != d)(dav("GET", f"{home}/{n}"))]
check(len(state["stored"]) == 40 and not bad, f"the restored node serves all {len(state['stored'])} files byte for byte ({bad[:3]})")
before = [json.loads(l) for l in open(BEFORE) if l.strip()]
after = [json.loads(l) for l in open(RESTORED) if l.strip()]
records = lambda xs: [x for x in xs if x.get("type", "record") == "record" and "seq" in x]
rb, ra = records(before), records(after)
check(len(rb) > 0 and ra[: len(rb)] == rb, f"the restored audit log starts with the {len(rb)} records exported before the backup")
r = subprocess.run([BIN, "audit", "verify", RESTORED], capture_output=True, text=True)
check(r.returncode == 0, f"the restored audit log verifies ({r.stdout.strip() or r.stderr.strip()})")
s, _ = dav("PUT", f"{home}/etter-gjenoppretting.txt", b"ny")
check(s in (201, 204), "the restored installation takes new files")
print(f"{failures} failed")
sys.exit(1 if failures else 0)
