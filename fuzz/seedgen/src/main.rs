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
/// (`.route("METHOD", "/path", ...)`, `.route_limited(...)` and
/// `.route_streaming(...)` inside `fn api()`), less the password sign-in,
/// exactly as the http_api target builds it.
fn routes() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/api/src/lib.rs");
    let text = std::fs::read_to_string(&src).expect("crates/api/src/lib.rs");
    let start = text.find("pub fn api()").unwrap_or_else(|| panic!("no `pub fn api()` in {}", src.display()));
    let body = &text[start..];
    let body = &body[..body.find("\n}\n").unwrap_or(body.len())];
    let mut out = Vec::new();
    for part in body.split(".route").skip(1) {
        let part = part.strip_prefix("_limited").or_else(|| part.strip_prefix("_streaming")).unwrap_or(part);
        let Some(args) = part.trim_start().strip_prefix('(') else { continue };
        let lits: Vec<&str> = args.split('"').skip(1).step_by(2).take(2).collect();
        if lits.len() == 2 {
            out.push((lits[0].to_string(), lits[1].to_string()));
        }
    }
    out.retain(|(m, p)| !(m == "POST" && p == "/api/v1/auth/login"));
    assert!(out.len() > 20, "route table not found in {}", src.display());
    assert!(out.len() <= 256, "byte 0 of http_api addresses at most 256 routes, the table has {}", out.len());
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
/// BODY starts with `Name: value` header lines ended by an empty line.
const HDR: u8 = 0x80;
/// The demo's teachers' team drive (Lars is a member).
const TEACHERS: &str = "d-nordvik-skole-laerere";

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

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
        ("session-basic-app", http(&r, "GET", "/api/v1/auth/session", BASIC | CT_NONE, 0, "", "", "", "$app", b"")),
        // The lockbox.
        ("lockbox-file", http(&r, "POST", "/api/v1/lockbox/requests", ANNA, 0, "", "", "", "",
            br#"{"tenant":"nordvik","scope":{"drive_of":"siri.saksbehandler@nordvik.test"},"actions":["list","read"],"reason":"support","case_ref":"SAK-1","minutes":60}"#)),
        ("lockbox-file-folder", http(&r, "POST", "/api/v1/lockbox/requests", ANNA, 0, "", "", "", "",
            "{\"tenant\":\"nordvik\",\"scope\":{\"folder\":\"/dav/drives/barnevern/../Saker\"},\"actions\":[\"read\"],\"reason\":\"å\",\"case_ref\":\"x\",\"minutes\":4294967295}".as_bytes())),
        ("lockbox-list", http(&r, "GET", "/api/v1/lockbox/requests", LARS | CT_NONE, 0, "", "", "", "", b"")),
        ("lockbox-approve", http(&r, "POST", "/api/v1/lockbox/requests/{id}/approve", ANNA, 0, "0123456789abcdef0123456789abcdef", "", "", "",
            br#"{"note":"checked","withhold_notice":"investigation"}"#)),
        ("lockbox-revoke", http(&r, "POST", "/api/v1/lockbox/requests/{id}/revoke", ANNA, 0, "..", "", "", "", br#"{"note":""}"#)),
        ("lockbox-settings", http(&r, "PUT", "/api/v1/tenants/{tenant}/lockbox-settings", ANNA, 0, "nordvik", "", "", "",
            br#"{"approvers":["oda.godkjenner@nordvik.test"],"required":1,"max_minutes":240,"pending_minutes":720,"notify_users":true}"#)),
        // Keys, legal holds, GDPR.
        ("keys-unlock", http(&r, "POST", "/api/v1/tenants/{tenant}/keys/unlock", ANNA, 0, "nordvik", "", "", "", br#"{"passphrase":"fjord ferje fyrlykt"}"#)),
        ("keys-provider", http(&r, "PUT", "/api/v1/tenants/{tenant}/keys/provider", ANNA, 0, "nordvik", "", "", "", br#"{"provider":"passphrase","passphrase":"x"}"#)),
        ("hold-folder", http(&r, "POST", "/api/v1/tenants/{tenant}/legal-holds", ANNA, 0, "nordvik", "", "", "",
            br#"{"scope":{"folder":{"drive":"barnevern","path":"/Saker"}},"reason":"tilsyn","case_ref":"2026/117"}"#)),
        ("hold-principal", http(&r, "POST", "/api/v1/tenants/{tenant}/legal-holds", ANNA, 0, "nordvik", "", "", "",
            br#"{"scope":{"principal":"per.elev@nordvik.test"},"reason":"x","case_ref":"y"}"#)),
        ("erase-dry-run", http(&r, "POST", "/api/v1/tenants/{tenant}/principals/{login}/erase", ANNA | CT_NONE, 0, "nordvik", "per.elev@nordvik.test", "dry_run=true", "", b"")),
        ("export-me", http(&r, "GET", "/api/v1/me/export", LARS | CT_NONE, 0, "", "", "", "", b"")),
        // The drive.
        ("drives", http(&r, "GET", "/api/v1/drives", LARS | CT_NONE, 0, "", "", "", "", b"")),
        ("drives-basic", http(&r, "GET", "/api/v1/drives", BASIC | CT_NONE, 0, "", "", "", "$app", b"")),
        ("drive-create", http(&r, "POST", "/api/v1/tenants/{tenant}/drives", ANNA, 0, "nordvik", "", "", "",
            r#"{"name":"Kor","slug":"kor","level":1,"members":[{"group":"Lærere Nordvik skole","role":"editor"},{"principal":"lars.laerer@nordvik.test","role":"owner"}],"quota":1000000}"#.as_bytes())),
        ("drive-patch", http(&r, "PATCH", "/api/v1/tenants/{tenant}/drives/{drive}", ANNA, 0, "nordvik", TEACHERS, "", "", r#"{"name":"Lærere","level":2,"quota":null}"#.as_bytes())),
        ("items", http(&r, "GET", "/api/v1/drives/{drive}/items", LARS | CT_NONE, 0, TEACHERS, "", "path=/Planer", "", b"")),
        ("items-personal", http(&r, "GET", "/api/v1/drives/{drive}/items", LARS | CT_NONE, 0, "$drive", "", "", "", b"")),
        ("items-traversal", http(&r, "GET", "/api/v1/drives/{drive}/items", LARS | CT_NONE | RAW, 0, "$drive", "", "path=/../%2e%2e/x", "", b"")),
        ("items-delete", http(&r, "DELETE", "/api/v1/drives/{drive}/items", LARS | CT_NONE, 0, "$drive", "", "path=/Undervisning/Plan 8A uke 48.txt", "", b"")),
        ("content-range", http(&r, "GET", "/api/v1/drives/{drive}/content", LARS | CT_NONE | HDR, 0, "$drive", "", "path=/Foreldremøte.md", "",
            b"Range: bytes=2-9\nIf-None-Match: \"x\"\n\n")),
        ("content-upload", http(&r, "PUT", "/api/v1/drives/{drive}/content", LARS | CT_NONE | HDR, 0, TEACHERS, "", "path=/Planer/ny.txt", "",
            b"Content-Type: text/plain\nIf-None-Match: *\n\nhei og hopp\n")),
        ("content-upload-if-match", http(&r, "PUT", "/api/v1/drives/{drive}/content", LARS | CT_NONE | HDR, 0, "$drive", "", "path=/Foreldremøte.md", "",
            b"If-Match: \"stale\", W/\"x\"\n\nny\n")),
        ("folder", http(&r, "POST", "/api/v1/drives/{drive}/folders", LARS, 0, TEACHERS, "", "", "", br#"{"path":"/Planer/2027"}"#)),
        ("move", http(&r, "POST", "/api/v1/drives/{drive}/move", LARS, 0, "$drive", "", "", "", r#"{"from":"/Foreldremøte.md","to":"/Arkiv/Foreldremøte.md","overwrite":true}"#.as_bytes())),
        ("copy-to-drive", http(&r, "POST", "/api/v1/drives/{drive}/copy", LARS, 0, "$drive", "", "", "",
            br#"{"from":"/Undervisning","to":"/Undervisning kopi","to_drive":"d-nordvik-skole-laerere","declassify":false}"#)),
        ("level", http(&r, "PUT", "/api/v1/drives/{drive}/level", LARS, 0, TEACHERS, "", "", "", br#"{"path":"/Vurdering","level":2}"#)),
        ("trash", http(&r, "GET", "/api/v1/drives/{drive}/trash", LARS | CT_NONE, 0, "$drive", "", "", "", b"")),
        ("trash-restore", http(&r, "POST", "/api/v1/drives/{drive}/trash/{id}/restore", LARS | CT_NONE, 0, "$drive", "1", "", "", b"")),
        ("trash-purge", http(&r, "DELETE", "/api/v1/drives/{drive}/trash/{id}", LARS | CT_NONE, 0, TEACHERS, "t-0", "", "", b"")),
        ("versions", http(&r, "GET", "/api/v1/drives/{drive}/versions", LARS | CT_NONE, 0, "$drive", "", "path=/Foreldremøte.md", "", b"")),
        ("version-restore", http(&r, "POST", "/api/v1/drives/{drive}/versions/{id}/restore", LARS | CT_NONE, 0, "$drive", "-1", "path=/Foreldremøte.md", "", b"")),
        ("changes", http(&r, "GET", "/api/v1/drives/{drive}/changes", LARS | CT_NONE, 0, TEACHERS, "", "since=0&limit=3", "", b"")),
        ("search-files", http(&r, "GET", "/api/v1/search/files", LARS | CT_NONE, 0, "", "", "q=plan uke&limit=5", "", b"")),
        // tus resumable uploads.
        ("tus-options", http(&r, "OPTIONS", "/api/v1/uploads", CT_NONE, 0, "", "", "", "", b"")),
        ("tus-create", http(&r, "POST", "/api/v1/uploads", LARS | CT_NONE | HDR, 0, "", "", "", "", format!("Tus-Resumable: 1.0.0\nUpload-Length: 11\nUpload-Metadata: drive {},path {},filetype {}\n\n", b64(TEACHERS), b64("/Planer/tus.txt"), b64("text/plain")).as_bytes())),
        ("tus-head", http(&r, "GET", "/api/v1/uploads/{id}", LARS | CT_NONE, 6, "u-0123", "", "", "", b"")),
        ("tus-patch", http(&r, "PATCH", "/api/v1/uploads/{id}", LARS | CT_NONE | HDR, 0, "u-0123", "", "", "",
            b"Tus-Resumable: 1.0.0\nUpload-Offset: 0\nContent-Type: application/offset+octet-stream\n\nhello world")),
        ("tus-delete", http(&r, "DELETE", "/api/v1/uploads/{id}", LARS | CT_NONE | HDR, 0, "u-0123", "", "", "", b"Tus-Resumable: 1.0.0\n\n")),
        // Shares and links.
        ("shares", http(&r, "GET", "/api/v1/drives/{drive}/shares", LARS | CT_NONE, 0, "$drive", "", "", "", b"")),
        ("share-principal", http(&r, "POST", "/api/v1/drives/{drive}/shares", LARS, 0, TEACHERS, "", "", "",
            br#"{"path":"/Planer","principal":"siri.saksbehandler@nordvik.test","role":"viewer"}"#)),
        ("share-link", http(&r, "POST", "/api/v1/drives/{drive}/shares", LARS, 0, "$drive", "", "", "",
            br#"{"path":"/Undervisning","link":"view","password":"hemmelig","expires":4102444800}"#)),
        ("my-shares", http(&r, "GET", "/api/v1/me/shares", LARS | CT_NONE, 0, "", "", "", "", b"")),
        ("shared-with-me", http(&r, "GET", "/api/v1/me/shared-with-me", LARS | CT_NONE, 0, "", "", "", "", b"")),
        ("share-revoke", http(&r, "DELETE", "/api/v1/shares/{id}", LARS | CT_NONE, 0, "s-0123", "", "", "", b"")),
        ("link", http(&r, "GET", "/api/v1/links/{token}", CT_NONE, 0, "$link", "", "", "", b"")),
        ("link-password", http(&r, "GET", "/api/v1/links/{token}", CT_NONE | HDR, 0, "$link", "", "", "", b"X-Link-Password: feil\n\n")),
        ("link-content-range", http(&r, "GET", "/api/v1/links/{token}/content", CT_NONE | HDR, 0, "$link", "", "", "", b"Range: bytes=-5\n\n")),
        ("link-upload-view", http(&r, "GET", "/api/v1/links/{token}", CT_NONE, 0, "$upload", "", "", "", b"")),
        ("link-upload", http(&r, "PUT", "/api/v1/links/{token}/files/{name}", CT_NONE, 0, "$upload", "innlevering.txt", "", "", b"Min tekst.\n")),
        ("link-upload-traversal", http(&r, "PUT", "/api/v1/links/{token}/files/{name}", CT_NONE | RAW, 0, "$upload", "..%2f..%2fx", "", "", b"x")),
    ];
    for (name, data) in seeds {
        o.put("http_api", name, &data);
    }
}

/// One dav_request input; see fuzz/fuzz_targets/dav_request.rs for the
/// layout. `method` indexes METHODS there (12.. take `token`), `place` is
/// byte 1 (drive, caller, flags), `headers` pairs a HEADERS index with
/// the field (no field may contain NUL: it ends the field).
fn dav(
    method: u8,
    place: u8,
    token: Option<&str>,
    path: impl AsRef<[u8]>,
    headers: &[(u16, &[u8])],
    body: &[u8],
) -> Vec<u8> {
    let mask = headers.iter().fold(0u16, |m, (i, _)| m | 1 << i);
    let mut v = vec![method, place];
    v.extend_from_slice(&mask.to_le_bytes());
    v.extend_from_slice(path.as_ref());
    v.push(0);
    if let Some(t) = token {
        v.extend_from_slice(t.as_bytes());
        v.push(0);
    }
    let mut sorted = headers.to_vec();
    sorted.sort_by_key(|(i, _)| *i);
    for (_, f) in sorted {
        v.extend_from_slice(f);
        v.push(0);
    }
    v.extend_from_slice(body);
    v
}

// dav_request METHODS.
const OPTIONS: u8 = 0;
const PROPFIND: u8 = 1;
const PROPPATCH: u8 = 2;
const MKCOL: u8 = 3;
const GET: u8 = 4;
const HEAD: u8 = 5;
const PUT: u8 = 6;
const COPY: u8 = 7;
const MOVE: u8 = 8;
const DELETE: u8 = 9;
const LOCK: u8 = 10;
const UNLOCK: u8 = 11;
const TOKEN: u8 = 12;
// Byte 1: drives (bits 0-2), callers (bits 3-4), flags.
const D_LARS: u8 = 0;
const D_TEACHERS: u8 = 1;
const D_SIRI: u8 = 2;
const D_BARNEVERN: u8 = 3;
const D_ANNA: u8 = 4;
const D_ERIK: u8 = 5;
const D_NOBODY: u8 = 6;
const D_RAW: u8 = 7;
const C_SIRI: u8 = 1 << 3;
const C_NONE: u8 = 2 << 3;
const C_MALFORMED: u8 = 3 << 3;
const P_RAW: u8 = 0x20;
const P_AT: u8 = 0x40;
const P_LONG: u8 = 0x80;
// HEADERS indices.
const H_DEPTH: u16 = 0;
const H_DEST: u16 = 1;
const H_OVERWRITE: u16 = 2;
const H_IF: u16 = 3;
const H_LOCK_TOKEN: u16 = 4;
const H_TIMEOUT: u16 = 5;
const H_RANGE: u16 = 6;
const H_CONTENT_RANGE: u16 = 7;
const H_IF_MATCH: u16 = 8;
const H_IF_NONE_MATCH: u16 = 9;
const H_CT: u16 = 10;
const H_LITMUS: u16 = 11;

fn dav_request(o: &mut Out) {
    const XML: &[u8] = b"application/xml; charset=utf-8";
    let allprop = br#"<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>"#;
    let props = br#"<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:Z="urn:fuzz"><D:prop><D:getetag/><D:getcontentlength/><D:lockdiscovery/><D:supportedlock/><D:quota-available-bytes/><D:quota-used-bytes/><Z:farge/></D:prop></D:propfind>"#;
    let propname = br#"<?xml version="1.0"?><propfind xmlns="DAV:"><propname/></propfind>"#;
    let lock_owner = br#"<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner><D:href>mailto:lars.laerer@nordvik.test</D:href></D:owner></D:lockinfo>"#;
    let lock_shared = br#"<?xml version="1.0"?><lockinfo xmlns="DAV:"><lockscope><shared/></lockscope><locktype><write/></locktype><owner>Lars</owner></lockinfo>"#;
    let proppatch = r#"<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:fuzz"><D:set><D:prop><Z:farge>blå</Z:farge><Z:tre><Z:gren a="1">x</Z:gren></Z:tre></D:prop></D:set><D:remove><D:prop><Z:borte/></D:prop></D:remove></D:propertyupdate>"#.as_bytes();
    let proppatch_live = br#"<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:getetag>"x"</D:getetag><D:displayname>Nytt navn</D:displayname></D:prop></D:set></D:propertyupdate>"#;
    let lars_url = "http://localhost/dav/files/lars.laerer@nordvik.test/Foreldrem%C3%B8te.md";
    let if_list = format!(r#"<{lars_url}> (<$L> ["$E"]) (Not <DAV:no-lock>)"#);
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        ("propfind-depth1-allprop", dav(PROPFIND, D_LARS, None, "/", &[(H_DEPTH, b"1"), (H_CT, XML)], allprop)),
        (
            "propfind-infinity-props",
            dav(PROPFIND, D_TEACHERS, None, "/", &[(H_DEPTH, b"infinity"), (H_CT, XML)], props),
        ),
        (
            "propfind-infinity-litmus",
            dav(PROPFIND, D_LARS, None, "/", &[(H_DEPTH, b"infinity"), (H_LITMUS, b"props: 3 (propfind_d0)")], allprop),
        ),
        ("propfind-propname", dav(PROPFIND, D_LARS | P_AT, None, "/Undervisning/", &[(H_DEPTH, b"0")], propname)),
        ("propfind-empty-body", dav(PROPFIND, D_SIRI | C_SIRI, None, "/", &[(H_DEPTH, b"1")], b"")),
        ("propfind-siri-barnevern", dav(PROPFIND, D_BARNEVERN | C_SIRI, None, "/Saker", &[(H_DEPTH, b"1")], allprop)),
        ("propfind-foreign", dav(PROPFIND, D_SIRI, None, "/Notater.txt", &[(H_DEPTH, b"0")], allprop)),
        ("propfind-foreign-team", dav(PROPFIND, D_BARNEVERN, None, "/", &[(H_DEPTH, b"infinity")], b"")),
        (
            "propfind-other-tenant",
            dav(PROPFIND, D_ERIK | P_AT, None, "/Budsjett 2027.csv", &[(H_DEPTH, b"0")], allprop),
        ),
        ("propfind-nobody", dav(PROPFIND, D_NOBODY, None, "/", &[(H_DEPTH, b"1")], b"")),
        (
            "propfind-bad-xml",
            dav(
                PROPFIND,
                D_LARS,
                None,
                "/",
                &[(H_DEPTH, b"1"), (H_CT, XML)],
                b"<D:propfind xmlns:D=\"DAV:\"><D:prop><D:getetag",
            ),
        ),
        ("propfind-anonymous", dav(PROPFIND, D_LARS | C_NONE, None, "/", &[(H_DEPTH, b"1")], b"")),
        ("options-malformed-auth", dav(OPTIONS, D_TEACHERS | C_MALFORMED, None, "/", &[], b"")),
        ("options", dav(OPTIONS, D_TEACHERS, None, "/", &[], b"")),
        (
            "put",
            dav(
                PUT,
                D_LARS,
                None,
                "/Notat.txt",
                &[(H_CT, b"text/plain; charset=utf-8")],
                "Notat fra møtet.\n".as_bytes(),
            ),
        ),
        (
            "put-if-none-match",
            dav(PUT, D_TEACHERS, None, "/Planer/Ny plan.txt", &[(H_IF_NONE_MATCH, b"*")], b"ny plan\n"),
        ),
        ("put-if-match-etag", dav(PUT, D_LARS, None, "/Notat.txt", &[(H_IF_MATCH, b"$E")], b"andre utgave\n")),
        ("put-content-range", dav(PUT, D_LARS, None, "/Notat.txt", &[(H_CONTENT_RANGE, b"bytes 0-3/10")], b"abcd")),
        ("put-long-name", dav(PUT, D_LARS | P_LONG, None, "/n", &[], b"x")),
        ("put-no-parent", dav(PUT, D_LARS, None, "/finnes/ikke/fil.txt", &[], b"x")),
        ("mkcol", dav(MKCOL, D_LARS, None, "/Ny mappe", &[], b"")),
        ("mkcol-team-body", dav(MKCOL, D_TEACHERS, None, "/Planer/2027/", &[(H_CT, XML)], b"<x/>")),
        (
            "lock-owner",
            dav(
                LOCK,
                D_LARS,
                None,
                "/Foreldremøte.md",
                &[(H_DEPTH, b"0"), (H_TIMEOUT, b"Second-600"), (H_CT, XML)],
                lock_owner,
            ),
        ),
        (
            "lock-shared-infinity",
            dav(
                LOCK,
                D_TEACHERS,
                None,
                "/Planer",
                &[(H_DEPTH, b"infinity"), (H_TIMEOUT, b"Infinite, Second-4100000000")],
                lock_shared,
            ),
        ),
        (
            "lock-refresh",
            dav(LOCK, D_LARS, None, "/Foreldremøte.md", &[(H_IF, b"(<$L>)"), (H_TIMEOUT, b"Second-60")], b""),
        ),
        ("lock-new-file", dav(LOCK, D_LARS, None, "/Låst.txt", &[(H_TIMEOUT, b"Second-30")], lock_owner)),
        ("put-with-lock", dav(PUT, D_LARS, None, "/Foreldremøte.md", &[(H_IF, b"(<$L>)")], b"# Endret\n")),
        ("put-if-list", dav(PUT, D_LARS, None, "/Foreldremøte.md", &[(H_IF, if_list.as_bytes())], b"# Endret igjen\n")),
        ("unlock", dav(UNLOCK, D_LARS, None, "/Foreldremøte.md", &[(H_LOCK_TOKEN, b"<$L>")], b"")),
        (
            "unlock-siri-foreign-token",
            dav(UNLOCK, D_SIRI | C_SIRI, None, "/Notater.txt", &[(H_LOCK_TOKEN, b"<$L>")], b""),
        ),
        ("copy", dav(COPY, D_LARS, None, "/Foreldremøte.md", &[(H_DEST, b"1/Kopi.md"), (H_OVERWRITE, b"F")], b"")),
        (
            "copy-absolute-depth0",
            dav(
                COPY,
                D_LARS,
                None,
                "/Undervisning",
                &[(H_DEST, b"0/Undervisning 2"), (H_DEPTH, b"0"), (H_OVERWRITE, b"T")],
                b"",
            ),
        ),
        (
            "move-to-team",
            dav(MOVE, D_LARS, None, "/Undervisning/Plan 8A uke 48.txt", &[(H_DEST, b"2/Planer/Plan 8A.txt")], b""),
        ),
        ("move-to-foreign", dav(MOVE, D_LARS, None, "/Kopi.md", &[(H_DEST, b"3/Saker/x.md")], b"")),
        ("move-to-nobody", dav(MOVE, D_TEACHERS, None, "/Vurdering", &[(H_DEST, b"4/Vurdering")], b"")),
        (
            "move-raw-dest",
            dav(
                MOVE,
                D_LARS,
                None,
                "/Kopi.md",
                &[(H_DEST, b"5http://other.example/dav/files/lars.laerer@nordvik.test/x")],
                b"",
            ),
        ),
        ("proppatch-set-remove", dav(PROPPATCH, D_LARS, None, "/Foreldremøte.md", &[(H_CT, XML)], proppatch)),
        ("proppatch-live", dav(PROPPATCH, D_TEACHERS, None, "/Planer", &[(H_CT, XML)], proppatch_live)),
        ("get-range", dav(GET, D_LARS, None, "/Foreldremøte.md", &[(H_RANGE, b"bytes=2-9")], b"")),
        (
            "get-multirange",
            dav(
                GET,
                D_TEACHERS,
                None,
                "/Vurdering/Kriterier.txt",
                &[(H_RANGE, b"bytes=0-1,5-,-3"), (H_IF_NONE_MATCH, b"$E")],
                b"",
            ),
        ),
        (
            "get-siri",
            dav(GET, D_BARNEVERN | C_SIRI, None, "/Maler/Undersøkelsesplan.txt", &[(H_RANGE, b"bytes=-10")], b""),
        ),
        ("head-folder", dav(HEAD, D_LARS, None, "/Undervisning/", &[], b"")),
        ("delete", dav(DELETE, D_LARS, None, "/Kopi.md", &[(H_DEPTH, b"infinity")], b"")),
        ("dotdot-raw", dav(GET, D_LARS | P_RAW, None, "/../anna.admin@nordvik.test/IT-rutiner.md", &[], b"")),
        ("encoded-slash-raw", dav(PUT, D_LARS | P_RAW, None, "/a%2fb.txt", &[], b"x")),
        ("nul-raw", dav(PROPFIND, D_ANNA | P_RAW, None, "/x%00y", &[(H_DEPTH, b"0")], b"")),
        (
            "raw-dav-path",
            dav(PROPFIND, D_RAW | P_RAW, None, "files/lars.laerer@nordvik.test/Undervisning/", &[(H_DEPTH, b"1")], b""),
        ),
        ("raw-dav-root", dav(OPTIONS, D_RAW, None, "", &[], b"")),
        ("method-token", dav(TOKEN, D_LARS, Some("SEARCH"), "/", &[(H_CT, XML)], b"<x/>")),
        ("method-token-report", dav(TOKEN | 0x10, D_TEACHERS, Some("REPORT"), "/", &[(H_DEPTH, b"0")], b"")),
        // Regression seeds: these reproduced findings (5xx or a panic in
        // dav_server) when the target was written; see fuzz/README.md.
        ("bug-path-not-utf8", dav(GET, D_LARS, None, b"/x\xb6y", &[], b"")),
        ("bug-if-unterminated", dav(PUT, D_LARS, None, "/Foreldremøte.md", &[(H_IF, b"(<x")], b"hei")),
        ("bug-etag-lone-quote", dav(PUT, D_LARS, None, "/Notat.txt", &[(H_IF_NONE_MATCH, b"\"")], b"hei")),
        ("bug-copy-to-drive-root", dav(COPY, D_LARS, None, "/Foreldremøte.md", &[(H_DEST, b"1")], b"")),
    ];
    for (name, data) in seeds {
        o.put("dav_request", name, &data);
    }
}

/// The web page table in registration order, read from `fn pages()` in the
/// web crate's source (`.route("METHOD", "/path", ...)`).
fn web_routes() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/web/src/lib.rs");
    let text = std::fs::read_to_string(&src).expect("crates/web/src/lib.rs");
    let body = text.split("fn pages() -> Pages").nth(1).expect("fn pages()");
    let body = body.split("\n}\n").next().unwrap_or(body);
    let mut out = Vec::new();
    for part in body.split(".route(").skip(1) {
        let lits: Vec<&str> = part.split('"').collect();
        if lits.len() >= 4 {
            out.push((lits[1].to_string(), lits[3].to_string()));
        }
    }
    assert!(out.len() > 10, "page table not found in {}", src.display());
    out
}

/// One web_form input; see fuzz/fuzz_targets/web_form.rs for the layout.
fn web(routes: &[(String, String)], method: &str, path: &str, flags: u8, p1: &str, query: &str, body: &[u8]) -> Vec<u8> {
    let idx = routes
        .iter()
        .position(|(m, p)| m == method && p == path)
        .unwrap_or_else(|| panic!("no page {method} {path}"));
    let mut v = vec![idx as u8, flags];
    for f in [p1.as_bytes(), query.as_bytes()] {
        v.extend_from_slice(f);
        v.push(0);
    }
    v.extend_from_slice(body);
    v
}

fn web_form(o: &mut Out) {
    let r = web_routes();
    // Flags: 1 Lars, 2 Anna; 4 real CSRF field; 8 our Origin; 16 another
    // site's; content type in bits 5-6 (0 form, 1 multipart, 2 none).
    const LARS_W: u8 = 1;
    const ANNA_W: u8 = 2;
    const CSRF: u8 = 4;
    const SAME: u8 = 8;
    const EVIL: u8 = 16;
    const MULTI: u8 = 1 << 5;
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        ("front", web(&r, "GET", "/", 0, "", "expired=1&next=//evil.example/", b"")),
        ("signin-wrong", web(&r, "POST", "/signin", SAME, "", "", b"login=lars.laerer%40nordvik.test&password=x&next=%2Fhome")),
        ("signin-evil", web(&r, "POST", "/signin", EVIL, "", "", b"login=a&password=b")),
        ("language", web(&r, "GET", "/language", 0, "", "l=sv&back=/drive", b"")),
        ("home", web(&r, "GET", "/home", LARS_W, "", "", b"")),
        ("folder", web(&r, "GET", "/drive/{drive}", LARS_W, "$drive", "path=/Undervisning", b"")),
        ("folder-traversal", web(&r, "GET", "/drive/{drive}", LARS_W, "$drive", "path=/../%2e%2e", b"")),
        ("download", web(&r, "GET", "/drive/{drive}/file", LARS_W, "$drive", "path=/Foreldremøte.md", b"")),
        ("mkdir", web(&r, "POST", "/drive/{drive}/mkdir", LARS_W | CSRF | SAME, "$drive", "", "path=%2F&name=Ny+mappe".as_bytes())),
        ("upload-multipart", web(&r, "POST", "/drive/{drive}/upload", LARS_W | CSRF | SAME | MULTI, "$drive", "path=/", b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhei\r\n--x--\r\n")),
        ("move", web(&r, "POST", "/drive/{drive}/move", LARS_W | CSRF | SAME, "$drive", "", b"path=%2FForeldrem%C3%B8te.md&name=..")),
        ("share", web(&r, "POST", "/drive/{drive}/share", LARS_W | CSRF | SAME, "$drive", "path=/", b"kind=link&mode=view&expires=2099-13-40&password=x")),
        ("search", web(&r, "GET", "/drive/search", LARS_W, "", "q=plan", b"")),
        ("lockbox-file", web(&r, "POST", "/lockbox/request", ANNA_W | CSRF | SAME, "", "",
            b"tenant=nordvik&scope=drive_of&target=siri.saksbehandler%40nordvik.test&actions=list&actions=read&reason=r&case_ref=c&minutes=99999")),
        ("lockbox-approve", web(&r, "POST", "/lockbox/{id}/approve", ANNA_W | CSRF | SAME, "0123456789abcdef", "", b"note=&withhold=x")),
        ("settings-app-password", web(&r, "POST", "/settings/app-passwords", LARS_W | CSRF | SAME, "", "", b"label=%00%FF")),
        ("directory", web(&r, "GET", "/directory", LARS_W, "", "q=sara", b"")),
        ("admin-import", web(&r, "POST", "/admin/import", ANNA_W | CSRF | SAME, "", "", b"dry_run=on&csv=login%2Cname%0Ax%2Cy")),
        ("admin-barrier", web(&r, "POST", "/admin/barriers", ANNA_W | CSRF | SAME, "", "", b"kind=only_with&a=x&b=")),
        ("audit", web(&r, "GET", "/audit", ANNA_W, "", "tenant=sorvik&from=-1&to=99999999999999999999", b"")),
        ("admin-principal", web(&r, "GET", "/admin/principals/{id}", ANNA_W, "lars.laerer@nordvik.test", "", b"")),
        ("admin-principal-edit", web(&r, "POST", "/admin/principals/{id}/edit", ANNA_W | CSRF | SAME, "lars.laerer@nordvik.test", "",
            b"name=Lars+L%C3%A6rer&email=x&org_unit=%2F..&groups=employees&groups=&roles=auditor&attributes=a%3D%0A%3Db")),
        ("admin-principal-delete", web(&r, "POST", "/admin/principals/{id}/delete", ANNA_W | CSRF | SAME, "lars.laerer@nordvik.test", "", b"confirm=LARS")),
        ("admin-principal-erase", web(&r, "POST", "/admin/principals/{id}/erase", ANNA_W | CSRF | SAME, "lars.laerer@nordvik.test", "", b"confirm=&dry_run=1")),
        ("admin-principal-export", web(&r, "GET", "/admin/principals/{id}/export", ANNA_W, "no-such-id", "", b"")),
        ("admin-policy-level", web(&r, "POST", "/admin/policy/level", ANNA_W | CSRF | SAME, "", "",
            b"level=9&name=&colour=%23zz&sentence=&external=maybe&guests=on&links=on")),
        ("admin-policy-retention", web(&r, "POST", "/admin/policy/retention", ANNA_W | CSRF | SAME, "", "",
            b"level=1&file_min_days=400&file_max_days=365&version_max_days=-1&trash_days=x")),
        ("admin-keys-provider", web(&r, "POST", "/admin/policy/keys/provider", ANNA_W | CSRF | SAME, "", "", b"provider=passphrase&passphrase=a&confirm=b")),
        ("operator-tenant", web(&r, "POST", "/operator/tenants", ANNA_W | CSRF | SAME, "", "", b"id=Bad+Slug&name=&domain=..&preset=x&quota=-1")),
        ("federation-consent", web(&r, "POST", "/admin/federation/{id}/consent", ANNA_W | CSRF | SAME, "0123", "", b"consent=2")),
        ("settings-export", web(&r, "GET", "/settings/export", LARS_W, "", "", b"")),
        ("drive-copy", web(&r, "POST", "/drive/{drive}/copy", LARS_W | CSRF | SAME, "$drive", "",
            "path=%2FForeldrem%C3%B8te.md&to_drive=&to=%2F..&name=%00&declassify=maybe".as_bytes())),
        ("drive-level", web(&r, "POST", "/drive/{drive}/level", LARS_W | CSRF | SAME, "$drive", "", b"path=%2F&level=99&declassify=on")),
        ("drive-share-revoke", web(&r, "POST", "/drive/{drive}/share/revoke", LARS_W | CSRF | SAME, "$drive", "", b"id=&path=%2F")),
        ("drive-trash-purge", web(&r, "POST", "/drive/{drive}/trash/purge", LARS_W | CSRF | SAME, "$drive", "", b"id=-1&confirm=x")),
        ("drive-trash-empty", web(&r, "POST", "/drive/{drive}/trash/empty", LARS_W | CSRF | SAME, "$drive", "", b"confirm=")),
        ("link-page", web(&r, "GET", "/l/{token}", 0, "AAAA%2F..", "", b"")),
        ("link-unlock", web(&r, "POST", "/l/{token}", SAME, "0123456789abcdef0123456789abcdef", "", b"password=%FF")),
        ("link-upload", web(&r, "POST", "/l/{token}/upload", SAME | MULTI, "0123456789abcdef", "",
            b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../a.txt\"\r\n\r\nhei\r\n--x--\r\n")),
        ("admin-drives", web(&r, "POST", "/admin/drives", ANNA_W | CSRF | SAME, "", "", b"name=&slug=Bad+Slug&group=nobody&level=7&quota_gib=-1")),
        ("admin-drives-members", web(&r, "POST", "/admin/drives/members", ANNA_W | CSRF | SAME, "", "", b"drive=d-barnevern&op=add&kind=person&who=anna.admin%40nordvik.test&role=owner")),
        // Regression seeds: found when the target was written (a 422 as
        // axum's plain text; a 500 for a download naming a folder).
        ("bug-form-missing-field", web(&r, "POST", "/admin/barriers", ANNA_W | CSRF | SAME, "", "", b"kind=block")),
        ("bug-download-folder", web(&r, "GET", "/drive/{drive}/file", LARS_W, "$drive", "p%F6ath=/Foreldrem%C3%B8te.md", b"")),
    ];
    for (name, data) in seeds {
        o.put("web_form", name, &data);
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
    dav_request(&mut o);
    login_body(&mut o);
    web_form(&mut o);
    audit_verify(&mut o);
    csv_import(&mut o);
    search_query(&mut o);
    config_toml(&mut o);
    println!("wrote {} seeds ({} bytes) under {}", o.written, o.bytes, o.root.display());
}
