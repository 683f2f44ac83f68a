#!/usr/bin/env python3
"""Prints a fresh app password for a demo account of a running `suveren serve --demo`.

Usage: get_app_password.py BASE_URL DATA_DIR LOGIN [LABEL]

Reads the account's password (and TOTP secret, if it has one) from
DATA_DIR/demo-credentials.tsv, signs in (POST /api/v1/auth/login), creates an
app password (POST /api/v1/me/app-passwords) and prints it on stdout, alone.
WebDAV clients use it with HTTP Basic authentication. Standard library only.
"""
import base64, hashlib, hmac, http.cookiejar, json, struct, sys, time, urllib.error, urllib.request


def totp(secret_b32, t):
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    h = hmac.new(key, struct.pack(">Q", int(t // 30)), hashlib.sha1).digest()
    o = h[-1] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def read_credentials(data):
    """login -> (password, totp_secret) from DATA_DIR/demo-credentials.tsv."""
    creds = {}
    with open(f"{data}/demo-credentials.tsv", encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 2:
                creds[fields[0]] = (fields[1], fields[4] if len(fields) > 4 else "")
    return creds


def app_password(base, data, login, label=None):
    """Signs LOGIN in and returns a new app password; raises RuntimeError."""
    base = base.rstrip("/")
    label = label or "dav-test-%d" % time.time_ns()
    creds = read_credentials(data)
    if login not in creds:
        raise RuntimeError(f"{login} is not in {data}/demo-credentials.tsv")
    password, secret = creds[login]
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post(path, body):
        req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json"})
        try:
            with opener.open(req, timeout=30) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    # A TOTP code may be refused once used (replay protection) when another
    # sign-in of the same account used it in this 30 s window: then wait for
    # the next window and try again.
    for _ in range(3):
        body = {"login": login, "password": password}
        if secret:
            body["totp"] = totp(secret, time.time())
        status, raw = post("/api/v1/auth/login", body)
        if status == 200 or not secret:
            break
        time.sleep(31 - time.time() % 30)
    if status != 200:
        raise RuntimeError(f"sign-in of {login} gave {status}: {raw[:300]!r}")

    status, raw = post("/api/v1/me/app-passwords", {"label": label})
    try:
        pw = json.loads(raw).get("password")
    except (ValueError, AttributeError):
        pw = None
    if status not in (200, 201) or not isinstance(pw, str) or not pw:
        raise RuntimeError(f"creating an app password for {login} gave {status}: {raw[:300]!r}")
    return pw


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    try:
        print(app_password(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) == 5 else None))
    except (RuntimeError, OSError) as e:
        sys.exit(f"get_app_password: {e}")


if __name__ == "__main__":
    main()
