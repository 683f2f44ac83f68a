#!/usr/bin/env python3
"""Resumable uploads with a real tus client (tuspy) against a running server.

Usage: tus_client.py BASE_URL DATA_DIR

Signs in as lars, uploads a 5 MiB file in 1 MiB chunks (odd-sized so the
server keeps whole 64 KiB chunks and the client resends the rest), breaks
off after two chunks, resumes from the offset the server reports with a new
client, and checks the stored file byte for byte. Exits non-zero on failure.
"""
import hashlib, io, json, os, sys, urllib.request

from tusclient import client as tusc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "dav"))
from get_app_password import app_password  # noqa: E402

BASE, DATA = sys.argv[1].rstrip("/"), sys.argv[2]
LOGIN = "lars.laerer@nordvik.test"
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    failures += 0 if cond else 1


pw = app_password(BASE, DATA, LOGIN)
import base64
auth = {"Authorization": "Basic " + base64.b64encode(f"{LOGIN}:{pw}".encode()).decode()}


def api(path, method="GET"):
    req = urllib.request.Request(BASE + path, method=method, headers=auth)
    with urllib.request.urlopen(req) as r:
        return r.status, r.read(), dict(r.headers)


drive = json.loads(api("/api/v1/drives")[1])["drives"][0]["id"]
data = os.urandom(5 * 1024 * 1024 + 12345)
meta = {"drive": drive, "path": "/tus/stor fil.bin", "filetype": "application/octet-stream"}
# The folder first (an upload goes into an existing folder).
req = urllib.request.Request(BASE + f"/api/v1/drives/{drive}/folders", data=json.dumps({"path": "/tus"}).encode(),
                             method="POST", headers={**auth, "content-type": "application/json"})
urllib.request.urlopen(req).read()

c = tusc.TusClient(BASE + "/api/v1/uploads", headers=auth)
up = c.uploader(file_stream=io.BytesIO(data), chunk_size=1_000_000 + 7, metadata=meta)
up.upload_chunk()
up.upload_chunk()
url, reached = up.url, up.offset
check(reached > 0 and reached % 65536 == 0, f"the server kept whole chunks: offset {reached}")

# A new client resumes from the server's offset (as after a dropped line).
c2 = tusc.TusClient(BASE + "/api/v1/uploads", headers=auth)
up2 = c2.uploader(file_stream=io.BytesIO(data), chunk_size=1_000_000 + 7, metadata=meta, url=url)
check(up2.get_offset() == reached, "HEAD tells the offset reached")
up2.upload()
check(up2.offset == len(data), "the upload completed")

status, body, headers = api(f"/api/v1/drives/{drive}/content?path=/tus/stor%20fil.bin")
check(status == 200 and hashlib.sha256(body).digest() == hashlib.sha256(data).digest(), "stored byte for byte")

# Abandoning an upload removes it.
up3 = tusc.TusClient(BASE + "/api/v1/uploads", headers=auth).uploader(
    file_stream=io.BytesIO(data), chunk_size=200_000, metadata={**meta, "path": "/tus/avbrutt.bin"})
up3.upload_chunk()
api(up3.url.replace(BASE, ""), "DELETE")
try:
    api(up3.url.replace(BASE, ""))
    check(False, "an abandoned upload is gone")
except urllib.error.HTTPError as e:
    check(e.code == 404, "an abandoned upload is gone")

print(f"{'FAILED' if failures else 'passed'}: tus client ({failures} failures)")
sys.exit(1 if failures else 0)
