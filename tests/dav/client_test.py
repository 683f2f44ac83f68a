#!/usr/bin/env python3
"""What a user does with a WebDAV drive, through the webdav4 Python client.

Usage: client_test.py URL USER PASS [--no-quota] [--tenancy BASE DATA_DIR]

URL is a writable collection; the test works in a fresh folder below it and
removes it at the end. Exercises: folders, uploads (0 B, a 20 MiB file
streamed with a length, a chunked upload of unknown length), listing,
download and compare, properties (size, etag, last modified, content type),
conditional GET, Range, move/rename, copy, overwrite rules, delete, RFC 4331
quota properties (--no-quota skips them, for servers such as Apache
mod_dav_fs without quota) and a LOCK/UNLOCK round trip.

--tenancy BASE DATA_DIR adds the checks of a running `suveren serve --demo`
(BASE is its http://host:port, DATA_DIR its --data folder): account
passwords are refused for WebDAV, and per.elev@nordvik.test probing another
tenant's drive, or lars.laerer@nordvik.test probing a pupil's drive, gets
exactly the answer of a nonexistent login.

Prints "ok"/"FAIL" lines; exits 1 if anything failed. Needs the packages of
tests/dav/requirements.txt.
"""
import argparse, contextlib, hashlib, io, os, random, sys, time, traceback, uuid
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree as ET

import httpx
from webdav4.client import Client, ResourceAlreadyExists, ResourceNotFound

failures = 0
MiB = 1024 * 1024


def check(cond, what, detail=""):
    global failures
    print(("ok   " if cond else "FAIL ") + what + ("" if cond or not detail else f": {detail}"), flush=True)
    if not cond:
        failures += 1
    return cond


@contextlib.contextmanager
def step(what):
    """Runs a group of checks; an exception is one failure, the rest goes on."""
    try:
        yield
    except Exception as e:  # noqa: BLE001 - report and go on
        check(False, what, f"{type(e).__name__}: {e}")
        if os.environ.get("DAV_TEST_TRACE"):
            traceback.print_exc()


class Pattern(io.RawIOBase):
    """A deterministic stream of SIZE bytes that hashes what it hands out.

    The byte at a position depends only on SEED and the position (each MiB
    is a seeded rotation of one random MiB), so slices can be recomputed.
    With known=False it hides its length, so the client has to send it with
    Transfer-Encoding: chunked.
    """

    def __init__(self, size, seed, known=True):
        self.total, self.pos, self.seed, self.sha = size, 0, seed, hashlib.sha256()
        self.size = size if known else None
        self.block = random.Random(seed).randbytes(MiB)

    def slice(self, lo, hi):
        out = bytearray()
        while lo < hi:
            k, off = divmod(lo, MiB)
            rot = random.Random(self.seed * 1_000_003 + k).randrange(MiB)
            seg = self.block[rot:] + self.block[:rot]
            n = min(hi - lo, MiB - off)
            out += seg[off:off + n]
            lo += n
        return bytes(out)

    def readable(self):
        return True

    def readinto(self, buf):
        n = min(len(buf), self.total - self.pos)
        if n <= 0:
            return 0
        chunk = self.slice(self.pos, self.pos + n)
        buf[:n] = chunk
        self.sha.update(chunk)
        self.pos += n
        return n

    def __len__(self):
        if self.size is None:
            raise TypeError("length unknown")
        return self.size


class HashSink(io.RawIOBase):
    def __init__(self):
        self.sha, self.n = hashlib.sha256(), 0

    def writable(self):
        return True

    def write(self, b):
        self.sha.update(b)
        self.n += len(b)
        return len(b)


PROPFIND_QUOTA = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop>
<d:quota-available-bytes/><d:quota-used-bytes/>
</d:prop></d:propfind>"""

PROPFIND_ALL = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>"""

LOCKINFO = b"""<?xml version="1.0" encoding="utf-8"?>
<d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope>
<d:locktype><d:write/></d:locktype><d:owner>client_test.py</d:owner></d:lockinfo>"""


def props_200(body):
    """{local name: text} of the DAV: properties in 200 propstats of a multistatus."""
    out = {}
    root = ET.fromstring(body)
    for ps in root.iter("{DAV:}propstat"):
        status = ps.findtext("{DAV:}status") or ""
        if " 200 " not in status:
            continue
        for prop in ps.iter("{DAV:}prop"):
            for el in prop:
                if el.tag.startswith("{DAV:}"):
                    out[el.tag[len("{DAV:}"):]] = (el.text or "").strip()
    return out


def user_tests(url, user, password, quota):
    cl = Client(url, auth=(user, password), retry=False, timeout=120)
    http = cl.http
    top = f"klienttest æøå {uuid.uuid4().hex[:8]}"
    now = datetime.now(timezone.utc)

    def raw(method, path, **kw):
        return http.request(method, cl.join_url(path), **kw)

    # webdav4's exists/isdir/content_length/etag send PROPFIND without a
    # Depth header (= infinity), which servers may refuse on folders (Apache
    # does, with 403); these use Depth 0 and 1 as file managers do.
    def exists(path):
        r = raw("PROPFIND", path, headers={"Depth": "0"})
        if r.status_code not in (207, 404):
            raise RuntimeError(f"PROPFIND {path}: {r.status_code}")
        return r.status_code == 207

    def isdir(path):
        return cl.info(path)["type"] == "directory"

    def size(path):
        return cl.info(path)["content_length"]

    def etag(path):
        return cl.info(path)["etag"]

    def fetch(path):
        """(sha256, length) of a plain GET, without the library's PROPFIND first."""
        sha, n = hashlib.sha256(), 0
        with http.stream("GET", cl.join_url(path)) as r:
            if r.status_code != 200:
                raise RuntimeError(f"GET {path}: {r.status_code}")
            for b in r.iter_bytes():
                sha.update(b)
                n += len(b)
        return sha.hexdigest(), n

    with step("OPTIONS advertises DAV class 1 and 2"):
        r = raw("OPTIONS", "")
        dav = {x.strip() for x in r.headers.get("dav", "").split(",")}
        check(r.status_code in (200, 204) and {"1", "2"} <= dav, "OPTIONS advertises DAV class 1 and 2",
              f"{r.status_code} DAV: {r.headers.get('dav')!r}")

    with step("create folders"):
        cl.mkdir(top)
        cl.mkdir(f"{top}/Dokumenter")
        cl.mkdir(f"{top}/Dokumenter/Årsplan 2025")
        check(isdir(f"{top}/Dokumenter/Årsplan 2025"), "create nested folders (MKCOL), names with spaces and æøå")
        try:
            cl.mkdir(f"{top}/Dokumenter")
            check(False, "MKCOL on an existing folder is refused", "it succeeded")
        except ResourceAlreadyExists:
            check(True, "MKCOL on an existing folder is refused (405)")

    small = "Hei på deg, Ærlige Østen! ✓\n".encode() * 40
    big_sha = chunked_sha = None
    with step("uploads"):
        cl.upload_fileobj(io.BytesIO(b""), f"{top}/tom.txt")
        cl.upload_fileobj(io.BytesIO(small), f"{top}/Dokumenter/notat.txt", headers={"Content-Type": "text/plain; charset=utf-8"})
        check(size(f"{top}/tom.txt") == 0, "upload a 0-byte file")
        check(size(f"{top}/Dokumenter/notat.txt") == len(small), "upload a small text file")
        src = Pattern(20 * MiB, 1)
        t = time.monotonic()
        cl.upload_fileobj(src, f"{top}/Dokumenter/Årsplan 2025/stor fil.bin", size=20 * MiB, chunk_size=MiB)
        big_up = time.monotonic() - t
        big_sha = src.sha.hexdigest()
        check(size(f"{top}/Dokumenter/Årsplan 2025/stor fil.bin") == 20 * MiB,
              f"upload a 20 MiB file streamed in 1 MiB chunks ({big_up:.2f} s)")
        src = Pattern(3 * MiB + 12345, 2, known=False)
        cl.upload_fileobj(src, f"{top}/chunked.bin", chunk_size=256 * 1024)
        chunked_sha = src.sha.hexdigest()
        check(size(f"{top}/chunked.bin") == 3 * MiB + 12345,
              "upload of unknown length (Transfer-Encoding: chunked)")

    with step("list"):
        entries = {e["name"].rstrip("/").rsplit("/", 1)[-1]: e for e in cl.ls(top)}
        check(set(entries) == {"tom.txt", "Dokumenter", "chunked.bin"}, "list a folder (PROPFIND Depth 1)",
              f"got {sorted(entries)}")
        check(entries.get("Dokumenter", {}).get("type") == "directory" and entries.get("tom.txt", {}).get("type") == "file",
              "listing tells folders from files")
        check(entries.get("chunked.bin", {}).get("content_length") == 3 * MiB + 12345, "listing carries sizes")

    # Each library download on its own: webdav4 first asks PROPFIND without
    # a Depth header whether the path is a folder (Client.open -> isdir).
    downloads = [
        ("the 20 MiB file", f"{top}/Dokumenter/Årsplan 2025/stor fil.bin", big_sha, 20 * MiB),
        ("the chunked upload", f"{top}/chunked.bin", chunked_sha, 3 * MiB + 12345),
        ("the small file", f"{top}/Dokumenter/notat.txt", hashlib.sha256(small).hexdigest(), len(small)),
        ("the 0-byte file", f"{top}/tom.txt", hashlib.sha256(b"").hexdigest(), 0),
    ]
    for name, path, sha, n in downloads:
        with step(f"webdav4 download of {name}"):
            sink = HashSink()
            t = time.monotonic()
            cl.download_fileobj(path, sink, chunk_size=MiB)
            check(sink.sha.hexdigest() == sha and sink.n == n,
                  f"webdav4 download of {name}, same sha256 ({time.monotonic() - t:.2f} s)", f"{sink.n} bytes")
    for name, path, sha, n in downloads:
        with step(f"GET {name}"):
            check(fetch(path) == (sha, n), f"plain GET of {name}, same sha256")

    with step("PROPFIND depths"):
        r = raw("PROPFIND", f"{top}/Dokumenter/notat.txt")
        check(r.status_code == 207 and b"notat.txt</" in r.content,
              "PROPFIND on a file without a Depth header (= infinity) answers for the file (webdav4 isdir/open rely on it)",
              f"{r.status_code} {r.content[:300]!r}")
        r = raw("PROPFIND", f"{top}/Dokumenter/", headers={"Depth": "infinity"})
        check((r.status_code == 207 and "stor fil.bin".encode() in r.content.replace(b"%20", b" "))
              or r.status_code == 403,
              "PROPFIND Depth: infinity on a folder: 207 with everything, or 403 (RFC 4918 9.1)",
              f"{r.status_code} {r.content[:200]!r}")
        r = raw("PROPFIND", f"{top}/Dokumenter/", headers={"Depth": "1"})
        hrefs = [h.text for h in ET.fromstring(r.content).iter("{DAV:}href")] if r.status_code == 207 else []
        check(len(hrefs) == 3 and any(h.rstrip("/").endswith("/Dokumenter") for h in hrefs),
              "PROPFIND Depth: 1 on a folder lists the folder itself and its 2 members", repr(hrefs))

    with step("properties"):
        info = cl.info(f"{top}/Dokumenter/notat.txt")
        check(info.get("content_length") == len(small), "getcontentlength is the size")
        tag = info.get("etag")
        check(bool(tag), "getetag is present", repr(tag))
        check(bool(tag) and (tag.startswith('"') or tag.startswith('W/"')) and tag.endswith('"'),
              "getetag is a quoted entity-tag (RFC 4918 15.6)", repr(tag))
        mod = info.get("modified")
        check(mod is not None and abs(mod - now) < timedelta(minutes=10), "getlastmodified is about now", repr(mod))
        ctype = (info.get("content_type") or "").lower()
        check(ctype.startswith("text/plain"), "getcontenttype of a .txt file is text/plain", repr(ctype))
        r = raw("GET", f"{top}/Dokumenter/notat.txt")
        check(r.status_code == 200 and r.headers.get("etag") == tag, "GET's ETag equals PROPFIND's getetag",
              f"{r.headers.get('etag')!r} vs {tag!r}")
        check(r.headers.get("last-modified") is not None, "GET has Last-Modified")
        r2 = raw("GET", f"{top}/Dokumenter/notat.txt", headers={"If-None-Match": r.headers.get("etag", "")})
        check(r2.status_code == 304, "GET with If-None-Match of the current ETag is 304", str(r2.status_code))
        r2 = raw("GET", f"{top}/Dokumenter/notat.txt", headers={"If-None-Match": '"not-the-etag"'})
        check(r2.status_code == 200 and r2.content == small, "GET with If-None-Match of another etag is 200")
        allp = raw("PROPFIND", f"{top}/Dokumenter/notat.txt", headers={"Depth": "0", "Content-Type": "application/xml"},
                   content=PROPFIND_ALL)
        p = props_200(allp.content) if allp.status_code == 207 else {}
        check({"getcontentlength", "getetag", "getlastmodified", "resourcetype"} <= set(p),
              "PROPFIND allprop returns the live properties", f"{allp.status_code} {sorted(p)}")
        cl.upload_fileobj(io.BytesIO(small + b"mer\n"), f"{top}/Dokumenter/notat.txt", overwrite=True)
        etag2 = etag(f"{top}/Dokumenter/notat.txt")
        check(etag2 and etag2 != tag, "overwriting a file changes its etag", f"{tag!r} -> {etag2!r}")
        check(size(f"{top}/Dokumenter/notat.txt") == len(small) + 4, "overwrite changes the size")

    with step("range"):
        path = f"{top}/Dokumenter/Årsplan 2025/stor fil.bin"
        lo, hi = 5 * MiB - 30000, 5 * MiB + 170000  # across 64 KiB and MiB boundaries
        expect = Pattern(20 * MiB, 1).slice(lo, hi)
        r = raw("GET", path, headers={"Range": "bytes=%d-%d" % (lo, hi - 1)})
        check(r.status_code == 206 and r.content == expect, "GET with Range returns 206 and the slice",
              f"{r.status_code}, {len(r.content)} bytes")
        check(r.headers.get("content-range") == "bytes %d-%d/%d" % (lo, hi - 1, 20 * MiB),
              "Content-Range names the slice and the size", repr(r.headers.get("content-range")))
        r = raw("GET", f"{top}/Dokumenter/notat.txt", headers={"Range": "bytes=-4"})
        check(r.status_code == 206 and r.content == b"mer\n", "suffix Range (bytes=-4)", f"{r.status_code} {r.content[:20]!r}")
        r = raw("GET", f"{top}/tom.txt", headers={"Range": "bytes=0-9"})
        check(r.status_code in (200, 416) and r.content == b"", "Range on a 0-byte file is 200 or 416, no bytes",
              f"{r.status_code} {r.content[:20]!r}")
        r = raw("GET", path, headers={"Range": "bytes=%d-" % (30 * MiB)})
        check(r.status_code == 416, "Range beyond the end is 416", str(r.status_code))
    with step("webdav4 seek + read"):
        with cl.open(path, "rb") as f:  # the library's own seek, by Range
            f.seek(lo)
            got = f.read(hi - lo)
        check(got == expect, "webdav4 seek + read (Range) returns the slice")

    with step("move and copy"):
        cl.move(f"{top}/Dokumenter/notat.txt", f"{top}/Dokumenter/Møtenotat æøå.txt")
        check(not exists(f"{top}/Dokumenter/notat.txt") and size(f"{top}/Dokumenter/Møtenotat æøå.txt") == len(small) + 4,
              "rename a file (MOVE)")
        cl.copy(f"{top}/Dokumenter/Møtenotat æøå.txt", f"{top}/kopi.txt")
        check(fetch(f"{top}/kopi.txt") == (hashlib.sha256(small + b"mer\n").hexdigest(), len(small) + 4),
              "copy a file (COPY), same bytes")
        try:
            cl.copy(f"{top}/chunked.bin", f"{top}/kopi.txt")
            check(False, "COPY with Overwrite: F onto an existing file is refused", "it succeeded")
        except ResourceAlreadyExists:
            check(True, "COPY with Overwrite: F onto an existing file is refused (412)")
        cl.copy(f"{top}/chunked.bin", f"{top}/kopi.txt", overwrite=True)
        check(size(f"{top}/kopi.txt") == 3 * MiB + 12345, "COPY with Overwrite: T replaces the file")
        cl.copy(f"{top}/Dokumenter", f"{top}/Dokumenter kopi")
        check(size(f"{top}/Dokumenter kopi/Årsplan 2025/stor fil.bin") == 20 * MiB
              and exists(f"{top}/Dokumenter kopi/Møtenotat æøå.txt"), "copy a folder with its contents (Depth infinity)")
        cl.move(f"{top}/Dokumenter kopi", f"{top}/Arkiv")
        check(not exists(f"{top}/Dokumenter kopi") and exists(f"{top}/Arkiv/Årsplan 2025/stor fil.bin"),
              "move a folder with its contents")
        check(fetch(f"{top}/Arkiv/Årsplan 2025/stor fil.bin") == (big_sha, 20 * MiB),
              "the moved copy of the 20 MiB file has the same bytes")

    with step("delete"):
        cl.remove(f"{top}/kopi.txt")
        check(not exists(f"{top}/kopi.txt"), "delete a file")
        cl.remove(f"{top}/Arkiv")
        check(not exists(f"{top}/Arkiv") and not exists(f"{top}/Arkiv/Årsplan 2025/stor fil.bin"),
              "delete a folder with its contents")
        try:
            cl.remove(f"{top}/finnes ikke.txt")
            check(False, "DELETE of a missing file is 404", "it succeeded")
        except ResourceNotFound:
            check(True, "DELETE of a missing file is 404")

    if quota:
        with step("quota"):
            r = raw("PROPFIND", "", headers={"Depth": "0", "Content-Type": "application/xml"}, content=PROPFIND_QUOTA)
            p = props_200(r.content) if r.status_code == 207 else {}
            avail, used = p.get("quota-available-bytes", ""), p.get("quota-used-bytes", "")
            check(r.status_code == 207 and avail.isdigit() and used.isdigit(),
                  "RFC 4331 quota-available-bytes and quota-used-bytes are non-negative integers",
                  f"{r.status_code} {p}")
            if used.isdigit():
                check(int(used) >= 20 * MiB, "quota-used-bytes counts the 20 MiB file", used)
    else:
        print("skip quota properties (--no-quota)")

    with step("lock"):
        path = f"{top}/låst.txt"
        cl.upload_fileobj(io.BytesIO(b"versjon 1\n"), path)
        r = raw("LOCK", path, headers={"Depth": "0", "Timeout": "Second-600", "Content-Type": "application/xml"},
                content=LOCKINFO)
        token = r.headers.get("lock-token", "").strip()
        check(r.status_code == 200 and token.startswith("<") and token.endswith(">"),
              "LOCK an existing file: 200 with a Lock-Token", f"{r.status_code} {token!r}")
        check(b"lockdiscovery" in r.content and b"activelock" in r.content, "LOCK answers with lockdiscovery")
        r = raw("PUT", path, content=b"uten token\n")
        check(r.status_code == 423, "PUT without the lock token is 423 Locked", str(r.status_code))
        r = raw("PUT", path, content=b"versjon 2\n", headers={"If": f"({token})"})
        check(r.status_code in (200, 201, 204), "PUT with the lock token in If succeeds", str(r.status_code))
        r = raw("PROPFIND", path, headers={"Depth": "0", "Content-Type": "application/xml"},
                content=b'<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:lockdiscovery/></d:prop></d:propfind>')
        check(r.status_code == 207 and token.strip("<>").encode() in r.content, "PROPFIND lockdiscovery shows the token")
        r = raw("UNLOCK", path, headers={"Lock-Token": token})
        check(r.status_code == 204, "UNLOCK with the token is 204", str(r.status_code))
        r = raw("PUT", path, content=b"versjon 3\n")
        check(r.status_code in (200, 201, 204), "PUT after UNLOCK succeeds", str(r.status_code))
        check(raw("GET", path).content == b"versjon 3\n", "the file has the last version")
        r = raw("LOCK", f"{top}/ny-låst.txt", headers={"Depth": "0", "Content-Type": "application/xml"}, content=LOCKINFO)
        token = r.headers.get("lock-token", "").strip()
        check(r.status_code in (200, 201) and token, "LOCK of an unmapped name (lock-null) gives a token", str(r.status_code))
        if token:
            raw("UNLOCK", f"{top}/ny-låst.txt", headers={"Lock-Token": token})

    with step("clean up"):
        cl.remove(top)
        check(not exists(top), "remove the test folder")


def tenancy_tests(base, data):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from get_app_password import app_password, read_credentials

    base = base.rstrip("/")
    creds = read_credentials(data)
    per = ("per.elev@nordvik.test", app_password(base, data, "per.elev@nordvik.test", "client_test per"))
    lars = ("lars.laerer@nordvik.test", app_password(base, data, "lars.laerer@nordvik.test", "client_test lars"))
    # A fresh connection per probe: a server may close a kept-alive
    # connection after refusing a request without reading its body, and the
    # probes are about the answers, not about connection reuse.
    http = httpx.Client(timeout=60, limits=httpx.Limits(max_keepalive_connections=0))

    def req(auth, method, path, **kw):
        return http.request(method, base + path, auth=auth, **kw)

    with step("authentication"):
        r = req(None, "PROPFIND", "/dav/files/lars.laerer@nordvik.test/", headers={"Depth": "0"})
        check(r.status_code == 401 and "basic" in r.headers.get("www-authenticate", "").lower(),
              "no credentials: 401 with a Basic challenge", f"{r.status_code} {r.headers.get('www-authenticate')!r}")
        r = req(("lars.laerer@nordvik.test", creds["lars.laerer@nordvik.test"][0]), "PROPFIND",
                "/dav/files/lars.laerer@nordvik.test/", headers={"Depth": "0"})
        check(r.status_code == 401, "the account password is refused for WebDAV (app passwords only)", str(r.status_code))
        r = req(("lars.laerer@nordvik.test", "feil-passord-1234"), "PROPFIND", "/dav/files/lars.laerer@nordvik.test/",
                headers={"Depth": "0"})
        check(r.status_code == 401, "a wrong password is 401", str(r.status_code))
        r = req(per, "PROPFIND", "/dav/files/per.elev@nordvik.test/", headers={"Depth": "1"})
        check(r.status_code == 207, "per reads his own drive with his app password (207)", str(r.status_code))
        r = req(lars, "PROPFIND", "/dav/files/lars.laerer@nordvik.test/", headers={"Depth": "0"})
        check(r.status_code == 207, "lars reads his own drive (207)", str(r.status_code))

    def same(auth, who, hidden, missing):
        probes = [
            ("PROPFIND Depth 0", "PROPFIND", "", {"Depth": "0"}, None),
            ("PROPFIND Depth 1", "PROPFIND", "", {"Depth": "1", "Content-Type": "application/xml"}, PROPFIND_ALL),
            ("GET", "GET", "", {}, None),
            ("GET of a file", "GET", "Dokumenter/plan.txt", {}, None),
            ("PROPFIND of a file", "PROPFIND", "plan.txt", {"Depth": "0"}, None),
            ("PUT", "PUT", "inntrenger.txt", {}, b"x"),
            ("MKCOL", "MKCOL", "inntrenger/", {}, None),
            ("DELETE", "DELETE", "plan.txt", {}, None),
            ("LOCK", "LOCK", "plan.txt", {"Content-Type": "application/xml"}, LOCKINFO),
        ]
        for name, method, sub, headers, body in probes:
            with step(f"{who}: {name}"):
                a = req(auth, method, f"/dav/files/{hidden}/{sub}", headers=headers, content=body)
                b = req(auth, method, f"/dav/files/{missing}/{sub}", headers=headers, content=body)
                sa = (a.status_code, a.headers.get("content-type"), a.content)
                sb = (b.status_code, b.headers.get("content-type"), b.content)
                check(sa == sb and a.status_code >= 400,
                      f"{who}: {name} on /dav/files/{hidden}/{sub} answers exactly like a nonexistent login",
                      f"{sa[0]} {sa[1]!r} {sa[2][:200]!r} vs {sb[0]} {sb[1]!r} {sb[2][:200]!r}")

    same(per, "per (pupil) probing sara in sorvik", "sara.elev@sorvik.test", "nobody.here@nordvik.test")
    same(per, "per probing sara, other-tenant nonexistent", "sara.elev@sorvik.test", "nobody.here@sorvik.test")
    same(lars, "lars (teacher) probing his pupil per", "per.elev@nordvik.test", "nobody.here@nordvik.test")
    same(lars, "lars probing sara in sorvik", "sara.elev@sorvik.test", "nobody.here@nordvik.test")
    with step("per's drive is untouched"):
        r = req(per, "PROPFIND", "/dav/files/per.elev@nordvik.test/inntrenger.txt", headers={"Depth": "0"})
        check(r.status_code == 404, "lars's probes left nothing in per's drive", str(r.status_code))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url")
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("--no-quota", action="store_true", help="skip the RFC 4331 quota properties")
    ap.add_argument("--tenancy", nargs=2, metavar=("BASE", "DATA_DIR"), help="add the Suveren demo checks")
    a = ap.parse_args()
    url = a.url if a.url.endswith("/") else a.url + "/"
    user_tests(url, a.user, a.password, quota=not a.no_quota)
    if a.tenancy:
        with step("tenancy checks"):
            tenancy_tests(*a.tenancy)
    print(f"{failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
