#!/usr/bin/env python3
"""Black-box check of the demo contract against a running `suveren serve --demo`.

Usage: demo_contract.py BASE_URL DATA_DIR

Uses only the Python standard library (urllib, http.cookiejar, hmac), so it
runs anywhere CI has Python. Exits non-zero on the first broken promise.
"""
import base64, os, sys

sys.path.insert(0, os.path.dirname(__file__))
import demo_contract_lib as lib  # noqa: E402

lib.setup(sys.argv[1], sys.argv[2])
check, Session, creds = lib.check, lib.Session, lib.creds


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

lib.finish()
