//! Writes the curated seed corpus of every fuzz target into `fuzz/corpus/`
//! (or the folder given as the only argument). Deterministic: running it
//! again rewrites the same files. Files the fuzzer added are left alone.
//!
//! `cargo run --manifest-path fuzz/seedgen/Cargo.toml`

use std::path::{Path, PathBuf};

use suveren_audit::{seal, write_line, AuditKey, Draft, ExportLine, Outcome, GENESIS_HASH};

/// Same bytes as `suveren_fuzz::seed_audit_key` (fuzz/src/lib.rs).
fn seed_audit_key() -> AuditKey {
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let sk = ed25519_dalek::SigningKey::from_bytes(&[0x5e; 32]);
    let pem = sk.to_pkcs8_pem(Default::default()).expect("PKCS#8 encoding");
    AuditKey::from_pkcs8_pem(&pem).expect("seed audit key")
}

struct Out {
    root: PathBuf,
    written: usize,
    bytes: usize,
}

impl Out {
    fn put(&mut self, target: &str, name: &str, data: &[u8]) {
        let dir = self.root.join(target);
        std::fs::create_dir_all(&dir).expect("corpus folder");
        std::fs::write(dir.join(name), data).expect("seed file");
        self.written += 1;
        self.bytes += data.len();
    }
}

/// The route table in registration order, read from the API crate's source
/// (`.route("METHOD", "/path", ...)` and `.route_limited(...)`), less the
/// password sign-in, exactly as the http_api target builds it.
fn routes() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/api/src/lib.rs");
    let text = std::fs::read_to_string(&src).expect("crates/api/src/lib.rs");
    let mut out = Vec::new();
    for part in text.split(".route").skip(1) {
        let part = part.strip_prefix("_limited").unwrap_or(part);
        let Some(args) = part.strip_prefix('(') else { continue };
        let lits: Vec<&str> = args.split('"').skip(1).step_by(2).take(2).collect();
        if lits.len() == 2 {
            out.push((lits[0].to_string(), lits[1].to_string()));
        }
    }
    out.retain(|(m, p)| !(m == "POST" && p == "/api/v1/auth/login"));
    assert!(out.len() > 20, "route table not found in {}", src.display());
    out
}

/// One http_api input; see fuzz/fuzz_targets/http_api.rs for the layout.
#[allow(clippy::too_many_arguments)]
fn http(
    routes: &[(String, String)],
    method: &str,
    path: &str,
    flags: u8,
    method_override: u8,
    p1: &str,
    p2: &str,
    query: &str,
    cred: &str,
    body: &[u8],
) -> Vec<u8> {
    let idx =
        routes.iter().position(|(m, p)| m == method && p == path).unwrap_or_else(|| panic!("no route {method} {path}"));
    let mut v = vec![idx as u8, flags, method_override];
    for f in [p1.as_bytes(), p2.as_bytes(), query.as_bytes(), cred.as_bytes()] {
        v.extend_from_slice(f);
        v.push(0);
    }
    v.extend_from_slice(body);
    v
}

const LARS: u8 = 1;
const COOKIE: u8 = 2;
const BASIC: u8 = 3;
const ANNA: u8 = 0x40;
const RAW: u8 = 0x20;
const CT_NONE: u8 = 1 << 2;
const CT_CSV: u8 = 2 << 2;
const CT_TEXT: u8 = 4 << 2;

fn http_api(o: &mut Out) {
    let r = routes();
    let scheme = serde_json::to_vec(&suveren_domain::ClassificationScheme::norway()).expect("scheme JSON");
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        ("healthz", http(&r, "GET", "/healthz", CT_NONE, 0, "", "", "", "", b"")),
        ("openapi", http(&r, "GET", "/api/v1/openapi.json", CT_NONE, 0, "", "", "", "", b"")),
        ("healthz-delete", http(&r, "GET", "/healthz", CT_NONE, 5, "", "", "", "", b"")),
        ("session-lars", http(&r, "GET", "/api/v1/auth/session", LARS | CT_NONE, 0, "", "", "", "", b"")),
        ("session-bad-cookie", http(&r, "GET", "/api/v1/auth/session", COOKIE | CT_NONE, 0, "", "", "", "3q2-7w==;x", b"")),
        ("session-basic", http(&r, "GET", "/api/v1/auth/session", BASIC | CT_NONE, 0, "", "", "", "sv_abcdefgh_0123456789abcdef", b"")),
        ("search", http(&r, "GET", "/api/v1/directory/search", LARS | CT_NONE, 0, "", "", "q=lars&limit=5", "", b"")),
        ("search-raw", http(&r, "GET", "/api/v1/directory/search", LARS | CT_NONE | RAW, 0, "", "", "q=%C3%B8yst+h&cursor=MTA&limit=-1", "", b"")),
        ("person", http(&r, "GET", "/api/v1/directory/people/{login}", LARS | CT_NONE, 0, "anna.admin@nordvik.test", "", "", "", b"")),
        ("person-raw", http(&r, "GET", "/api/v1/directory/people/{login}", LARS | CT_NONE | RAW, 0, "%ff%2e%2e/x", "", "", "", b"")),
        ("app-password", http(&r, "POST", "/api/v1/me/app-passwords", LARS, 0, "", "", "", "", br#"{"label":"Telefon"}"#)),
        ("app-password-revoke", http(&r, "DELETE", "/api/v1/me/app-passwords/{id}", LARS | CT_NONE, 0, "0123abcd", "", "", "", b"")),
        ("totp-confirm", http(&r, "POST", "/api/v1/me/totp/confirm", LARS, 0, "", "", "", "", br#"{"code":"123 456"}"#)),
        ("oidc-start", http(&r, "GET", "/api/v1/auth/oidc/{tenant}/start", CT_NONE, 0, "nordvik", "", "", "", b"")),
        ("oidc-callback", http(&r, "GET", "/api/v1/auth/oidc/callback", CT_NONE, 0, "", "", "code=abc&state=def", "", b"")),
        ("oidc-callback-error", http(&r, "GET", "/api/v1/auth/oidc/callback", CT_NONE, 0, "", "", "error=access_denied&error_description=nei", "", b"")),
        ("tenant-view-anna", http(&r, "GET", "/api/v1/tenants/{tenant}", ANNA | CT_NONE, 0, "nordvik", "", "", "", b"")),
        ("principals-page", http(&r, "GET", "/api/v1/tenants/{tenant}/principals", ANNA | CT_NONE, 0, "nordvik", "", "offset=10&limit=3", "", b"")),
        ("principal-create", http(&r, "POST", "/api/v1/tenants/{tenant}/principals", ANNA, 0, "nordvik", "", "", "",
            br#"{"login":"kari.nordmann","name":"Kari Nordmann","kind":"employee","org_unit":"Skole/Nordvik skole","groups":[],"attributes":{"stilling":"lektor"},"roles":[]}"#)),
        ("principal-patch", http(&r, "PATCH", "/api/v1/tenants/{tenant}/principals/{login}", ANNA, 0, "nordvik", "ingrid.hansen@nordvik.test", "", "",
            br#"{"name":"Ingrid H.","groups":[],"disabled":false}"#)),
        ("principal-patch-lars", http(&r, "PATCH", "/api/v1/tenants/{tenant}/principals/{login}", LARS, 0, "nordvik", "lars.laerer@nordvik.test", "", "", br#"{"roles":["tenant_admin"]}"#)),
        ("org-unit", http(&r, "POST", "/api/v1/tenants/{tenant}/org-units", ANNA, 0, "nordvik", "", "", "", br#"{"path":"Skole/Nordvik skole/10B"}"#)),
        ("org-unit-delete", http(&r, "DELETE", "/api/v1/tenants/{tenant}/org-units", ANNA | CT_NONE, 0, "nordvik", "", "path=Skole/Nordvik skole/10B", "", b"")),
        ("group", http(&r, "POST", "/api/v1/tenants/{tenant}/groups", ANNA, 0, "nordvik", "", "", "", br#"{"name":"fagforening"}"#)),
        ("segment", http(&r, "POST", "/api/v1/tenants/{tenant}/segments", ANNA, 0, "nordvik", "", "", "",
            br#"{"name":"laerere","filter":{"kinds":["employee"],"org_unit":"Skole/Nordvik skole","attributes":{"stilling":"lektor"}}}"#)),
        ("barrier", http(&r, "POST", "/api/v1/tenants/{tenant}/barriers", ANNA, 0, "nordvik", "", "", "", br#"{"rule":"block","a":"employees","b":"nordvik-school-pupils"}"#)),
        ("barrier-only-with", http(&r, "POST", "/api/v1/tenants/{tenant}/barriers", ANNA, 0, "nordvik", "", "", "", br#"{"rule":"only-with","a":"employees","with":["nordvik-school"]}"#)),
        ("classification", http(&r, "PUT", "/api/v1/tenants/{tenant}/classification", ANNA, 0, "nordvik", "", "", "", &scheme)),
        ("classification-preset", http(&r, "PUT", "/api/v1/tenants/{tenant}/classification", ANNA, 0, "nordvik", "", "", "", br#"{"use_preset":"sweden"}"#)),
        ("consent", http(&r, "POST", "/api/v1/tenants/{tenant}/federation/{id}/consent", ANNA, 0, "nordvik", "nordvik-sorvik-employees", "", "", br#"{"consent":true}"#)),
        ("import-dry-run", http(&r, "POST", "/api/v1/tenants/{tenant}/import", ANNA | CT_CSV, 0, "nordvik", "", "dry_run=true", "",
            b"login,name,email,kind,org_unit,groups,roles,attributes\nkari.nordmann,Kari Nordmann,,employee,Skole/Nordvik skole,laerere;kor,,stilling=lektor\n")),
        ("import-bad-utf8", http(&r, "POST", "/api/v1/tenants/{tenant}/import", LARS | CT_TEXT, 0, "nordvik", "", "", "", b"login,name\n\xff\xfe,x\n")),
        ("audit-page", http(&r, "GET", "/api/v1/tenants/{tenant}/audit", ANNA | CT_NONE, 0, "nordvik", "", "after=3&limit=2", "", b"")),
        ("tenant-create", http(&r, "POST", "/api/v1/tenants", LARS, 0, "", "", "", "", br#"{"id":"austvik","name":"Austvik kommune","domain":"austvik.test","preset":"norway","quota_bytes":1000}"#)),
        ("tenant-patch", http(&r, "PATCH", "/api/v1/tenants/{tenant}", LARS, 0, "sorvik", "", "", "", br#"{"suspended":true,"quota_bytes":null}"#)),
        ("federation", http(&r, "POST", "/api/v1/federation", LARS, 0, "", "", "", "", br#"{"tenant_a":"nordvik","segment_a":"employees","tenant_b":"sorvik","segment_b":"employees"}"#)),
        ("json-syntax-error", http(&r, "POST", "/api/v1/tenants/{tenant}/groups", ANNA, 0, "nordvik", "", "", "", br#"{"name":"#)),
    ];
    for (name, data) in seeds {
        o.put("http_api", name, &data);
    }
}

fn login_body(o: &mut Out) {
    // Byte 0: bit 0 sends Lars's session along, bit 1 the charset parameter.
    let long = format!(r#"{{"login":"{}","password":"p"}}"#, "a".repeat(330));
    let seeds: [(&str, u8, &[u8]); 8] = [
        ("unknown", 0, br#"{"login":"nobody@nordvik.test","password":"correct horse battery staple"}"#),
        ("known-wrong", 1, br#"{"login":" Lars.Laerer@nordvik.test ","password":"x"}"#),
        ("totp", 2, br#"{"login":"anna.admin@nordvik.test","password":"x","totp":"123456"}"#),
        ("recovery", 3, br#"{"login":"anna.admin@nordvik.test","password":"x","recovery_code":"abcd-efgh-ijkl"}"#),
        ("unknown-field", 0, br#"{"login":"a","password":"b","remember":true}"#),
        ("wrong-type", 0, br#"{"login":1,"password":null}"#),
        ("too-long", 1, long.as_bytes()),
        ("not-json", 0, b"login=a&password=b"),
    ];
    for (name, variant, body) in seeds {
        o.put("login_body", name, &with_mode(variant, body));
    }
}

fn export(key: &AuditKey, tenant: &str, drafts: usize, every: u64, genesis_checkpoint: bool) -> Vec<u8> {
    let mut out = Vec::new();
    write_line(&mut out, &key.export_header(tenant, "2026-03-01T09:00:00Z")).expect("header");
    if genesis_checkpoint {
        write_line(&mut out, &ExportLine::Checkpoint(key.checkpoint(tenant, 0, GENESIS_HASH, "2026-03-01T08:00:00Z")))
            .expect("cp");
    }
    let mut prev: Option<(u64, String)> = None;
    for i in 0..drafts {
        let d = Draft {
            tenant: tenant.into(),
            time: format!("2026-03-01T08:{:02}:00.000Z", i),
            actor: if i == 0 { "system".into() } else { "anna.admin@nordvik.test".into() },
            acting_under: None,
            action: ["tenant.create", "principal.create", "directory.search", "auth.login"][i % 4].into(),
            resource: format!("principal:p{i}@{tenant}.test"),
            decision: if i % 3 == 2 { Outcome::Deny } else { Outcome::Allow },
            reason: (i % 3 == 2).then(|| "visibility: not discoverable".to_string()),
            client: (i > 0).then(|| "127.0.0.1".to_string()),
        };
        let rec = seal(prev.as_ref().map(|(s, h)| (*s, h.as_str())), d);
        prev = Some((rec.seq, rec.hash.clone()));
        let (seq, hash) = (rec.seq, rec.hash.clone());
        write_line(&mut out, &ExportLine::Record(rec)).expect("record");
        if seq % every == 0 || i + 1 == drafts {
            write_line(&mut out, &ExportLine::Checkpoint(key.checkpoint(tenant, seq, &hash, "2026-03-01T09:00:00Z")))
                .expect("cp");
        }
    }
    out
}

fn with_mode(mode: u8, data: &[u8]) -> Vec<u8> {
    let mut v = vec![mode];
    v.extend_from_slice(data);
    v
}

fn audit_verify(o: &mut Out) {
    let key = seed_audit_key();
    let header_only = export(&key, "nordvik", 0, 1, false);
    let three = export(&key, "nordvik", 3, 2, false);
    let five = export(&key, "sorvik", 5, 2, true);
    o.put("audit_verify", "trusted-header-only", &with_mode(1, &header_only));
    o.put("audit_verify", "trusted-three", &with_mode(1, &three));
    o.put("audit_verify", "trusted-five-genesis", &with_mode(1, &five));
    o.put("audit_verify", "untrusted-three", &with_mode(0, &three));
    let tampered = String::from_utf8(three.clone()).expect("utf-8").replacen("\"allow\"", "\"deny\"", 1);
    o.put("audit_verify", "untrusted-tampered", &with_mode(0, tampered.as_bytes()));
    let mut given = key.public_key_b64().into_bytes();
    given.push(b'\n');
    given.extend_from_slice(&three);
    o.put("audit_verify", "given-key-three", &with_mode(2, &given));
    o.put("audit_verify", "honest-fields", b"\x03\x01nordvik\x002026-03-01T08:00:00Z\x00anna.admin@nordvik.test\x00principal.create\x00principal:kari\x00127.0.0.1\x002026-03-01T08:01:00Z\x00system\x00auth.login\x00account:x\x00wrong password");
    o.put(
        "audit_verify",
        "honest-unicode",
        "\x03\x00S\u{f8}rvik\u{2028}\x00\u{1f600}\x00\"\\\n\x00a\tb\x00\u{0}x\x00".as_bytes(),
    );
}

fn csv_import(o: &mut Out) {
    let seeds: [(&str, &str); 7] = [
        ("staff", "login,name,email,kind,org_unit,groups\nkari.nordmann,Kari Nordmann,kari@nordvik.test,employee,Administrasjon,ledere;kor\nola.elev,Ola Elev,,pupil,Skole/Nordvik skole/9A,\n"),
        ("roles-attributes", "name,login,kind,roles,attributes,org_unit,groups,email\nSiv Admin,siv.admin,employee,tenant_admin;auditor,stilling=rektor;rom=101,Administrasjon,,\n"),
        ("existing", "login,name,kind,org_unit\nlars.laerer@nordvik.test,Lars Lærer,employee,Skole/Nordvik skole\nerik.ansatt@sorvik.test,Erik,employee,\n"),
        ("errors", "login,name,kind,roles,attributes,groups\nBAD LOGIN,,robot,operator_admin,novalue,\"Bad Group!\"\nx,x,guest,,,;;\nx,x,guest,,,\n"),
        ("quoted", "\"login\",\"name\",\"kind\",\"org_unit\"\n\"a.b\",\"Surname, First \"\"Nick\"\"\",\"employee\",\"/Skole//Ny skole/\"\n"),
        ("ragged", "login,name,kind\na,b\nc,d,employee,extra\n"),
        ("no-header", "\n"),
    ];
    for (name, text) in seeds {
        o.put("csv_import", name, text.as_bytes());
    }
}

fn search_query(o: &mut Out) {
    let seeds: [(&str, &[u8]); 7] = [
        ("prefix", b"\x02lar"),
        ("typo", b"\x01bjrn hauge"),
        ("nordic", "\x02Øberg Sæther å".as_bytes()),
        ("login", b"\x01anna.admin@nordvik.test"),
        ("extra-name", "\x01Ærlig Ødegård-Åsen\x00aerlig odeg".as_bytes()),
        ("combining", "\x03Jose\u{301} I\u{307}stanbul \u{1c5}".as_bytes()),
        ("many-terms", b"\x02a b c d e f g h i j k l"),
    ];
    for (name, data) in seeds {
        o.put("search_query", name, data);
    }
}

fn config_toml(o: &mut Out) {
    let scheme_json = serde_json::to_string(&suveren_domain::ClassificationScheme::sweden()).expect("scheme JSON");
    let mut level = String::from("preset = \"custom\"\n");
    for (rank, name) in ["Open", "Internal"].iter().enumerate() {
        level.push_str(&format!(
            "[[levels]]\nrank = {rank}\nname = \"{name}\"\ncolour = \"#2e7d32\"\ndescription = \"d\"\nexternal_sharing = \"{}\"\nguests = true\npublic_links = {}\nmail_outside = \"allow\"\nmfa = false\n",
            if rank == 0 { "any" } else { "federated_only" },
            rank == 0
        ));
    }
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        ("server-full", with_mode(0, br#"listen = "0.0.0.0:8443"
data = "/var/lib/suveren"
public_url = "https://suveren.nordvik.kommune.no"
trusted_proxies = ["10.0.0.1", "::1"]
log_format = "json"
log_level = "suveren=debug,info"

[session]
idle_minutes = 30
absolute_hours = 12
cookie_secure = "auto"

[audit]
checkpoint_interval = 100

[signin]
pair_failures = 5
pair_lock_minutes = 15
source_failures = 30

[oidc.nordvik]
issuer = "https://idp.nordvik.test/realms/nordvik"
client_id = "suveren"
client_secret_file = "/etc/suveren/oidc-secret"
login_claim = "email"
assume_mfa = true
"#)),
        ("server-errors", with_mode(0, b"listen = \"nowhere\"\npublic_url = \"ftp://x\"\nunknown = 1\n[session]\ncookie_secure = false\nidle_minutes = 0\n[oidc]\nx = 1\n[oidc.y]\nclient_secret = 3\n")),
        ("env", with_mode(1, b"LISTEN=127.0.0.1:9000\nSESSION__IDLE_MINUTES=45\nOIDC__NORDVIK__ISSUER=https://idp.test\nOIDC__NORDVIK__CLIENT_ID=x\nTRUSTED_PROXIES=[\"127.0.0.1\"]\nPASSWORD=secret\nSIGNIN__PAIR_FAILURES=1\nv\n")),
        ("scheme-toml", with_mode(2, level.as_bytes())),
        ("scheme-json", with_mode(3, scheme_json.as_bytes())),
        ("scheme-json-bad-ranks", with_mode(3, br#"{"preset":"custom","levels":[{"rank":1,"name":"x","colour":"red","description":"","external_sharing":"none","guests":false,"public_links":false,"mail_outside":"block","mfa":true}]}"#)),
        ("segment-filter", with_mode(4, br#"{"kinds":["pupil","guest"],"org_unit":"nordvik:Skole","groups":["nordvik:8a"],"attributes":{"trinn":"8"}}"#)),
        ("segment-filter-unknown", with_mode(4, br#"{"kinds":["robot"],"extra":1}"#)),
    ];
    for (name, data) in seeds {
        o.put("config_toml", name, &data);
    }
}

fn main() {
    let root = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus"));
    let mut o = Out { root, written: 0, bytes: 0 };
    http_api(&mut o);
    login_body(&mut o);
    audit_verify(&mut o);
    csv_import(&mut o);
    search_query(&mut o);
    config_toml(&mut o);
    println!("wrote {} seeds ({} bytes) under {}", o.written, o.bytes, o.root.display());
}
