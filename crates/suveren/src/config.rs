//! Configuration: a TOML file, then `SUVEREN_*` environment variables, then
//! command-line flags, each overriding the one before.
//!
//! Every key is declared (with its documentation) in [`KEYS`]; unknown keys
//! are errors, and all errors are collected and reported together with the
//! offending key, so an operator fixes a file in one round.
//! Secrets may come from `*_file` keys; such files are refused when other
//! users can read them.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::{Table, Value};

/// Every configuration key, with what it means.
pub const KEYS: &[(&str, &str)] = &[
    ("listen", "Address to listen on. Default 127.0.0.1:8080 (loopback only)."),
    ("data", "Data folder: database, blobs, keys. Default ./suveren-data."),
    ("public_url", "The URL users reach Suveren at; used for OIDC redirects. Default http://LISTEN."),
    ("trusted_proxies", "Reverse proxies whose X-Forwarded-For is believed (list of IPs)."),
    ("log_format", "text or json. Default text."),
    ("log_level", "tracing filter, e.g. info or suveren=debug. Default info."),
    ("session.idle_minutes", "Sign out after this long without a request. Default 30."),
    ("session.absolute_hours", "Sign out this long after sign-in, whatever happens. Default 12."),
    (
        "session.cookie_secure",
        "auto, true or false. auto: Secure unless listening on loopback without TLS. false is refused off loopback.",
    ),
    ("audit.checkpoint_interval", "Sign an audit checkpoint every N records per tenant. Default 100."),
    ("drive.personal_quota_mb", "Quota of each principal's personal drive, MiB (0: unlimited). Default 51200."),
    ("drive.team_quota_mb", "Quota of a new team drive, MiB (0: unlimited; admins set each drive's). Default 512000."),
    ("signin.pair_failures", "Failed sign-ins from one address to one account before that pair is locked. Default 5."),
    ("signin.pair_lock_minutes", "How long such a pair stays locked. Default 15."),
    (
        "signin.source_failures",
        "Failed sign-ins from one address (any account) per 10 minutes before it is throttled. Default 30.",
    ),
    (
        "keys.pkcs11.module",
        "PKCS#11 library of the HSM that may wrap tenant keys, e.g. /usr/lib/softhsm/libsofthsm2.so.",
    ),
    ("keys.pkcs11.token_label", "Label of the HSM token holding the wrapping key."),
    ("keys.pkcs11.pin", "User PIN of the token (prefer pin_file)."),
    ("keys.pkcs11.pin_file", "File holding the PIN; must not be readable by others."),
    (
        "keys.pkcs11.key_label",
        "Label of the AES wrapping key; created in the token if missing. Default suveren-kek-wrap.",
    ),
    (
        "store.database_url",
        "postgres://USER@HOST:PORT/DB: run on a shared PostgreSQL database (several nodes). Unset: SQLite in the data folder.",
    ),
    ("store.database_url_file", "File holding the database URL (it may carry a password); must not be readable by others."),
    ("store.max_connections", "Connections this node opens to PostgreSQL. Default 16."),
    (
        "blobs.delete_grace_hours",
        "Keep a blob this long after nothing refers to it, so backups of database and bucket taken one after the other match. Default 0; 24 for PostgreSQL + S3.",
    ),
    ("blobs.s3.endpoint", "S3-compatible endpoint, e.g. http://127.0.0.1:3900 (Garage). Unset: the blobs folder in the data folder."),
    ("blobs.s3.bucket", "Bucket holding the (encrypted) file contents."),
    ("blobs.s3.region", "Region name the server expects. Default garage."),
    ("blobs.s3.access_key_id", "Access key id."),
    ("blobs.s3.secret_access_key", "Secret key (prefer secret_access_key_file)."),
    ("blobs.s3.secret_access_key_file", "File holding the secret key; must not be readable by others."),
    ("blobs.s3.prefix", "Key prefix inside the bucket (several installations in one bucket). Default none."),
    ("blobs.s3.allow_http", "Allow a plain-http endpoint. Default: only for loopback endpoints."),
    ("node.name", "This node's name in job leases and logs. Default HOSTNAME-RANDOM."),
    ("oidc.TENANT.issuer", "The tenant's OpenID provider (issuer URL)."),
    ("oidc.TENANT.client_id", "Client id registered at the provider."),
    ("oidc.TENANT.client_secret", "Client secret (prefer client_secret_file)."),
    ("oidc.TENANT.client_secret_file", "File holding the client secret; must not be readable by others."),
    ("oidc.TENANT.login_claim", "ID-token claim holding the login: email (default), preferred_username, sub, ..."),
    ("oidc.TENANT.redirect_url", "Callback URL. Default PUBLIC_URL/api/v1/auth/oidc/callback."),
    ("oidc.TENANT.assume_mfa", "The provider enforces a second factor itself. Default false."),
];

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data: PathBuf,
    pub public_url: String,
    pub trusted_proxies: Vec<IpAddr>,
    pub log_json: bool,
    pub log_level: String,
    pub cookie_secure: bool,
    pub settings: suveren_service::Settings,
    /// The HSM that tenants may choose to wrap their key (`keys.pkcs11`).
    pub pkcs11: Option<suveren_blob::Pkcs11Config>,
    /// Shared database and bucket (`store`, `blobs`, `node`).
    pub backends: suveren_service::cluster::Backends,
}

/// `SUVEREN_*` variables read by the CLI itself, not server configuration.
const CLI_ONLY: &[&str] = &["CONFIG", "PASSWORD", "TOKEN", "SERVER", "TOTP", "LOGIN", "NEW_PASSWORD", "KEY_PASSPHRASE"];

/// Flags given on the command line (they win).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data: Option<PathBuf>,
}

fn set_path(t: &mut Table, path: &[String], v: Value) {
    let (last, parents) = path.split_last().expect("non-empty key");
    let mut cur = t;
    for p in parents {
        let e = cur.entry(p.clone()).or_insert_with(|| Value::Table(Table::new()));
        if !e.is_table() {
            *e = Value::Table(Table::new());
        }
        cur = e.as_table_mut().expect("table");
    }
    cur.insert(last.clone(), v);
}

/// Parses an environment value as TOML where it can (numbers, booleans,
/// lists), as a plain string otherwise.
fn env_value(s: &str) -> Value {
    match format!("v = {s}").parse::<Table>() {
        Ok(mut t) => t.remove("v").unwrap_or_else(|| Value::String(s.into())),
        Err(_) => Value::String(s.into()),
    }
}

/// Merges file, environment and flags into one table.
pub fn merged(
    file: Option<&Path>,
    env: impl Iterator<Item = (String, String)>,
    o: &Overrides,
) -> Result<Table, Vec<String>> {
    let mut t = Table::new();
    if let Some(f) = file {
        let text = std::fs::read_to_string(f).map_err(|e| vec![format!("{}: cannot read: {e}", f.display())])?;
        t = text.parse::<Table>().map_err(|e| vec![format!("{}: {e}", f.display())])?;
    }
    for (k, v) in env {
        let Some(rest) = k.strip_prefix("SUVEREN_") else {
            continue;
        };
        if CLI_ONLY.contains(&rest) {
            continue; // CLI inputs, not server configuration
        }
        if rest.starts_with("TEST_") {
            continue; // the test harnesses' own settings (SUVEREN_TEST_PG, ...)
        }
        let path: Vec<String> = rest.split("__").map(|p| p.to_lowercase()).collect();
        set_path(&mut t, &path, env_value(&v));
    }
    if let Some(l) = &o.listen {
        t.insert("listen".into(), Value::String(l.clone()));
    }
    if let Some(d) = &o.data {
        t.insert("data".into(), Value::String(d.display().to_string()));
    }
    Ok(t)
}

/// Reads a secret file, refusing it when group or others may read it.
pub fn read_secret_file(path: &Path) -> Result<String, String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(format!("{} is readable by other users (mode {:o}); chmod 600 it", path.display(), mode & 0o777));
    }
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

struct Reader<'a> {
    errors: &'a mut Vec<String>,
}

impl Reader<'_> {
    fn str(&mut self, t: &Table, prefix: &str, key: &str) -> Option<String> {
        match t.get(key) {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                self.errors.push(format!("`{prefix}{key}`: expected a string, found {}", other.type_str()));
                None
            }
        }
    }
    fn int(&mut self, t: &Table, prefix: &str, key: &str, min: i64, max: i64) -> Option<i64> {
        match t.get(key) {
            None => None,
            Some(Value::Integer(i)) if (min..=max).contains(i) => Some(*i),
            Some(Value::Integer(i)) => {
                self.errors.push(format!("`{prefix}{key}`: {i} is outside {min}..={max}"));
                None
            }
            Some(other) => {
                self.errors.push(format!("`{prefix}{key}`: expected an integer, found {}", other.type_str()));
                None
            }
        }
    }
    fn bool(&mut self, t: &Table, prefix: &str, key: &str) -> Option<bool> {
        match t.get(key) {
            None => None,
            Some(Value::Boolean(b)) => Some(*b),
            Some(other) => {
                self.errors.push(format!("`{prefix}{key}`: expected true or false, found {}", other.type_str()));
                None
            }
        }
    }
    fn table<'t>(&mut self, t: &'t Table, prefix: &str, key: &str) -> Option<&'t Table> {
        match t.get(key) {
            None => None,
            Some(Value::Table(x)) => Some(x),
            Some(other) => {
                self.errors.push(format!("`{prefix}{key}`: expected a table, found {}", other.type_str()));
                None
            }
        }
    }
    fn unknown(&mut self, t: &Table, prefix: &str, known: &[&str]) {
        for k in t.keys() {
            if !known.contains(&k.as_str()) {
                self.errors.push(format!("`{prefix}{k}`: unknown key (see `suveren config keys`)"));
            }
        }
    }
}

/// Validates the merged table into a [`Config`], or every error found.
pub fn build(t: &Table) -> Result<Config, Vec<String>> {
    let mut errors = Vec::new();
    let mut r = Reader { errors: &mut errors };
    r.unknown(
        t,
        "",
        &[
            "listen",
            "data",
            "public_url",
            "trusted_proxies",
            "log_format",
            "log_level",
            "session",
            "audit",
            "drive",
            "signin",
            "oidc",
            "keys",
            "store",
            "blobs",
            "node",
        ],
    );
    let listen_s = r.str(t, "", "listen").unwrap_or_else(|| "127.0.0.1:8080".into());
    let listen: Option<SocketAddr> = match listen_s.parse() {
        Ok(a) => Some(a),
        Err(_) => {
            r.errors.push(format!("`listen`: `{listen_s}` is not an address like 127.0.0.1:8080"));
            None
        }
    };
    let data = PathBuf::from(r.str(t, "", "data").unwrap_or_else(|| "./suveren-data".into()));
    let public_url = r.str(t, "", "public_url").unwrap_or_else(|| format!("http://{listen_s}"));
    if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
        r.errors.push(format!("`public_url`: `{public_url}` must start with http:// or https://"));
    }
    let mut trusted_proxies = Vec::new();
    match t.get("trusted_proxies") {
        None => {}
        Some(Value::Array(a)) => {
            for v in a {
                match v.as_str().and_then(|s| s.parse().ok()) {
                    Some(ip) => trusted_proxies.push(ip),
                    None => r.errors.push(format!("`trusted_proxies`: `{v}` is not an IP address")),
                }
            }
        }
        Some(_) => r.errors.push("`trusted_proxies`: expected a list of IP addresses".into()),
    }
    let log_format = r.str(t, "", "log_format").unwrap_or_else(|| "text".into());
    if log_format != "text" && log_format != "json" {
        r.errors.push(format!("`log_format`: `{log_format}` is neither text nor json"));
    }
    let log_level = r.str(t, "", "log_level").unwrap_or_else(|| "info".into());

    let mut settings = suveren_service::Settings::default();
    let mut cookie_secure_s = "auto".to_string();
    if let Some(s) = r.table(t, "", "session") {
        r.unknown(s, "session.", &["idle_minutes", "absolute_hours", "cookie_secure"]);
        if let Some(m) = r.int(s, "session.", "idle_minutes", 1, 24 * 60) {
            settings.session_idle = Duration::from_secs(m as u64 * 60);
        }
        if let Some(h) = r.int(s, "session.", "absolute_hours", 1, 24 * 30) {
            settings.session_absolute = Duration::from_secs(h as u64 * 3600);
        }
        match s.get("cookie_secure") {
            None => {}
            Some(Value::Boolean(b)) => cookie_secure_s = b.to_string(),
            Some(Value::String(x)) if ["auto", "true", "false"].contains(&x.as_str()) => cookie_secure_s = x.clone(),
            Some(v) => r.errors.push(format!("`session.cookie_secure`: `{v}` is not auto, true or false")),
        }
    }
    let loopback = listen.is_some_and(|l| l.ip().is_loopback());
    let plain_http = public_url.starts_with("http://");
    let cookie_secure = match cookie_secure_s.as_str() {
        "true" => true,
        "false" if !loopback => {
            r.errors.push("`session.cookie_secure`: false is only allowed when listening on loopback".into());
            true
        }
        "false" => false,
        _ => !(loopback && plain_http),
    };
    if let Some(a) = r.table(t, "", "audit") {
        r.unknown(a, "audit.", &["checkpoint_interval"]);
        if let Some(n) = r.int(a, "audit.", "checkpoint_interval", 1, 1_000_000) {
            settings.checkpoint_interval = n as u64;
        }
    }
    if let Some(d) = r.table(t, "", "drive") {
        r.unknown(d, "drive.", &["personal_quota_mb", "team_quota_mb"]);
        let mb = |n: i64| (n > 0).then(|| n as u64 * 1024 * 1024);
        if let Some(n) = r.int(d, "drive.", "personal_quota_mb", 0, 1 << 30) {
            settings.personal_quota = mb(n);
        }
        if let Some(n) = r.int(d, "drive.", "team_quota_mb", 0, 1 << 30) {
            settings.team_quota = mb(n);
        }
    }
    if let Some(s) = r.table(t, "", "signin") {
        r.unknown(s, "signin.", &["pair_failures", "pair_lock_minutes", "source_failures"]);
        if let Some(n) = r.int(s, "signin.", "pair_failures", 1, 1000) {
            settings.throttle.pair_failures = n as u32;
        }
        if let Some(n) = r.int(s, "signin.", "pair_lock_minutes", 1, 24 * 60) {
            settings.throttle.pair_lock = Duration::from_secs(n as u64 * 60);
        }
        if let Some(n) = r.int(s, "signin.", "source_failures", 1, 100_000) {
            settings.throttle.source_failures_per_window = n as u32;
        }
    }
    if let Some(o) = r.table(t, "", "oidc") {
        for (tenant, v) in o {
            let prefix = format!("oidc.{tenant}.");
            let Some(c) = v.as_table() else {
                r.errors.push(format!("`oidc.{tenant}`: expected a table"));
                continue;
            };
            r.unknown(
                c,
                &prefix,
                &[
                    "issuer",
                    "client_id",
                    "client_secret",
                    "client_secret_file",
                    "login_claim",
                    "redirect_url",
                    "assume_mfa",
                ],
            );
            let issuer = r.str(c, &prefix, "issuer");
            let client_id = r.str(c, &prefix, "client_id");
            if issuer.is_none() {
                r.errors.push(format!("`{prefix}issuer`: missing"));
            }
            if client_id.is_none() {
                r.errors.push(format!("`{prefix}client_id`: missing"));
            }
            let mut secret = r.str(c, &prefix, "client_secret");
            if let Some(f) = r.str(c, &prefix, "client_secret_file") {
                match read_secret_file(Path::new(&f)) {
                    Ok(s) => secret = Some(s),
                    Err(e) => r.errors.push(format!("`{prefix}client_secret_file`: {e}")),
                }
            }
            let redirect = r
                .str(c, &prefix, "redirect_url")
                .unwrap_or_else(|| format!("{}/api/v1/auth/oidc/callback", public_url.trim_end_matches('/')));
            let login_claim = r.str(c, &prefix, "login_claim").unwrap_or_else(|| "email".into());
            let assume_mfa = r.bool(c, &prefix, "assume_mfa").unwrap_or(false);
            if let (Some(issuer), Some(client_id)) = (issuer, client_id) {
                settings.oidc.push(suveren_service::OidcSettings {
                    tenant: tenant.clone(),
                    issuer,
                    client_id,
                    client_secret: secret,
                    redirect_url: redirect,
                    login_claim,
                    assume_mfa,
                });
            }
        }
    }
    let mut pkcs11 = None;
    if let Some(k) = r.table(t, "", "keys") {
        r.unknown(k, "keys.", &["pkcs11"]);
        if let Some(p) = r.table(k, "keys.", "pkcs11") {
            r.unknown(p, "keys.pkcs11.", &["module", "token_label", "pin", "pin_file", "key_label"]);
            let module = r.str(p, "keys.pkcs11.", "module");
            let token_label = r.str(p, "keys.pkcs11.", "token_label");
            let mut pin = r.str(p, "keys.pkcs11.", "pin");
            if let Some(f) = r.str(p, "keys.pkcs11.", "pin_file") {
                match read_secret_file(Path::new(&f)) {
                    Ok(s) => pin = Some(s),
                    Err(e) => r.errors.push(format!("`keys.pkcs11.pin_file`: {e}")),
                }
            }
            for (name, v) in
                [("module", module.is_none()), ("token_label", token_label.is_none()), ("pin", pin.is_none())]
            {
                if v {
                    r.errors.push(format!("`keys.pkcs11.{name}`: missing"));
                }
            }
            let key_label = r.str(p, "keys.pkcs11.", "key_label").unwrap_or_else(|| "suveren-kek-wrap".into());
            if let (Some(module), Some(token_label), Some(pin)) = (module, token_label, pin) {
                pkcs11 =
                    Some(suveren_blob::Pkcs11Config { module: module.into(), token_label, pin: pin.into(), key_label });
            }
        }
    }
    let mut grace = None;
    let backends = backends(&mut r, t, &mut grace);
    if let Some(g) = grace {
        settings.blob_delete_grace = g;
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Config {
        backends,
        pkcs11,
        listen: listen.expect("checked"),
        data,
        public_url,
        trusted_proxies,
        log_json: log_format == "json",
        log_level,
        cookie_secure,
        settings,
    })
}

/// `store`, `blobs` and `node`: where a node keeps what it shares.
fn backends(r: &mut Reader<'_>, t: &Table, grace: &mut Option<Duration>) -> suveren_service::cluster::Backends {
    let mut b = suveren_service::cluster::Backends::default();
    if let Some(s) = r.table(t, "", "store") {
        r.unknown(s, "store.", &["database_url", "database_url_file", "max_connections"]);
        b.database_url = r.str(s, "store.", "database_url");
        if let Some(f) = r.str(s, "store.", "database_url_file") {
            match read_secret_file(Path::new(&f)) {
                Ok(u) => b.database_url = Some(u.trim().to_string()),
                Err(e) => r.errors.push(format!("`store.database_url_file`: {e}")),
            }
        }
        if let Some(u) = &b.database_url {
            if !(u.starts_with("postgres://") || u.starts_with("postgresql://")) {
                r.errors.push("`store.database_url`: expected a postgres:// URL".into());
            }
        }
        b.max_connections = r.int(s, "store.", "max_connections", 2, 1000).map(|n| n as u32);
    }
    if let Some(bl) = r.table(t, "", "blobs") {
        r.unknown(bl, "blobs.", &["s3", "delete_grace_hours"]);
        if let Some(h) = r.int(bl, "blobs.", "delete_grace_hours", 0, 24 * 365) {
            *grace = Some(Duration::from_secs(h as u64 * 3600));
        }
        if let Some(s) = r.table(bl, "blobs.", "s3") {
            let p = "blobs.s3.";
            r.unknown(
                s,
                p,
                &[
                    "endpoint",
                    "bucket",
                    "region",
                    "access_key_id",
                    "secret_access_key",
                    "secret_access_key_file",
                    "prefix",
                    "allow_http",
                ],
            );
            let endpoint = r.str(s, p, "endpoint");
            let bucket = r.str(s, p, "bucket");
            let key_id = r.str(s, p, "access_key_id");
            let mut secret = r.str(s, p, "secret_access_key");
            if let Some(f) = r.str(s, p, "secret_access_key_file") {
                match read_secret_file(Path::new(&f)) {
                    Ok(x) => secret = Some(x.trim().to_string()),
                    Err(e) => r.errors.push(format!("`blobs.s3.secret_access_key_file`: {e}")),
                }
            }
            for (name, missing) in [
                ("endpoint", endpoint.is_none()),
                ("bucket", bucket.is_none()),
                ("access_key_id", key_id.is_none()),
                ("secret_access_key", secret.is_none()),
            ] {
                if missing {
                    r.errors.push(format!("`blobs.s3.{name}`: missing"));
                }
            }
            let region = r.str(s, p, "region").unwrap_or_else(|| "garage".into());
            let prefix = r.str(s, p, "prefix");
            let allow_http = r.bool(s, p, "allow_http");
            if let (Some(endpoint), Some(bucket), Some(key_id), Some(secret)) = (endpoint, bucket, key_id, secret) {
                let plain = endpoint.starts_with("http://");
                let loopback = plain_http_loopback(&endpoint);
                let allow_http = allow_http.unwrap_or(loopback);
                if !(endpoint.starts_with("https://") || plain) {
                    r.errors.push(format!("`blobs.s3.endpoint`: `{endpoint}` must start with http:// or https://"));
                } else if plain && !allow_http {
                    r.errors.push(format!(
                        "`blobs.s3.endpoint`: `{endpoint}` is plain http off loopback; use https or set blobs.s3.allow_http = true"
                    ));
                }
                b.s3 = Some(suveren_blob::S3Config {
                    endpoint,
                    bucket,
                    region,
                    access_key_id: key_id,
                    secret_access_key: secret,
                    prefix,
                    allow_http,
                });
            }
        }
    }
    if let Some(n) = r.table(t, "", "node") {
        r.unknown(n, "node.", &["name"]);
        b.node = r.str(n, "node.", "name");
    }
    b
}

/// Whether an http:// URL names a loopback host.
fn plain_http_loopback(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else { return false };
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(s: &str) -> Table {
        s.parse().unwrap()
    }

    #[test]
    fn test_harness_variables_are_not_configuration() {
        let env = [
            ("SUVEREN_TEST_PG".to_string(), "postgres://x".to_string()),
            ("SUVEREN_LISTEN".into(), "127.0.0.1:9".into()),
        ];
        let t = merged(None, env.into_iter(), &Overrides::default()).unwrap();
        assert!(!t.contains_key("test_pg"), "{t:?}");
        assert!(build(&t).is_ok(), "a test variable in the environment does not stop the server");
    }

    #[test]
    fn shared_backends_are_checked_and_every_mistake_named() {
        let c = build(&table("")).unwrap();
        assert!(c.backends.database_url.is_none() && c.backends.s3.is_none(), "embedded by default");
        let errs = build(&table(
            "[store]\ndatabase_url = \"mysql://x\"\nmax_connections = 1\n[blobs]\ndelete_grace_hours = -1\n\
             [blobs.s3]\nendpoint = \"http://s3.example.org\"\nbucket = \"b\"\nbuckit = 1\n[node]\nnam = \"a\"",
        ))
        .unwrap_err();
        for needle in [
            "`store.database_url`: expected a postgres:// URL",
            "`store.max_connections`",
            "`blobs.delete_grace_hours`",
            "`blobs.s3.buckit`: unknown key",
            "`blobs.s3.access_key_id`: missing",
            "`blobs.s3.secret_access_key`: missing",
            "`node.nam`: unknown key",
        ] {
            assert!(errs.iter().any(|e| e.contains(needle)), "{needle} not in {errs:?}");
        }
        // Plain http is refused off loopback unless allowed, accepted on loopback.
        let s3 = |endpoint: &str, extra: &str| {
            format!(
                "[blobs.s3]\nendpoint = \"{endpoint}\"\nbucket = \"b\"\naccess_key_id = \"k\"\nsecret_access_key = \"s\"\n{extra}"
            )
        };
        let errs = build(&table(&s3("http://s3.example.org", ""))).unwrap_err();
        assert!(errs.iter().any(|e| e.contains("plain http off loopback")), "{errs:?}");
        let c = build(&table(&s3("http://127.0.0.1:3900", ""))).unwrap();
        let b = c.backends.s3.unwrap();
        assert!(b.allow_http && b.region == "garage" && b.prefix.is_none());
        assert!(build(&table(&s3("http://s3.example.org", "allow_http = true"))).is_ok());
        let c = build(&table("[store]\ndatabase_url = \"postgres://u@db/suveren\"\n[blobs]\ndelete_grace_hours = 24"))
            .unwrap();
        assert_eq!(c.backends.database_url.as_deref(), Some("postgres://u@db/suveren"));
        assert_eq!(c.settings.blob_delete_grace, Duration::from_secs(24 * 3600));
    }

    #[test]
    fn precedence_is_file_then_env_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "listen = \"127.0.0.1:1000\"\ndata = \"/from/file\"\n[session]\nidle_minutes = 5\n")
            .unwrap();
        let env = vec![
            ("SUVEREN_LISTEN".to_string(), "127.0.0.1:2000".to_string()),
            ("SUVEREN_SESSION__IDLE_MINUTES".into(), "7".into()),
            ("HOME".into(), "/x".into()),
        ];
        let t = merged(Some(&f), env.clone().into_iter(), &Overrides::default()).unwrap();
        let c = build(&t).unwrap();
        assert_eq!(c.listen.port(), 2000, "env beats file");
        assert_eq!(c.data, PathBuf::from("/from/file"));
        assert_eq!(c.settings.session_idle, Duration::from_secs(7 * 60));
        let o = Overrides { listen: Some("127.0.0.1:3000".into()), data: None };
        let c = build(&merged(Some(&f), env.into_iter(), &o).unwrap()).unwrap();
        assert_eq!(c.listen.port(), 3000, "flag beats env");
    }

    #[test]
    fn all_errors_are_reported_at_once_with_their_keys() {
        let t = table("listen = 5\nbogus = 1\n[session]\nidle_minutes = \"ten\"\ncookie_secure = \"maybe\"\n[oidc.nordvik]\nclient_id = \"x\"\n");
        let errs = build(&t).unwrap_err();
        let all = errs.join("\n");
        for key in ["`listen`", "`bogus`", "`session.idle_minutes`", "`session.cookie_secure`", "`oidc.nordvik.issuer`"]
        {
            assert!(all.contains(key), "missing {key} in:\n{all}");
        }
        assert!(errs.len() >= 5);
    }

    #[test]
    fn world_readable_secrets_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("secret");
        std::fs::write(&f, "s3cret\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let t = table(&format!(
            "[oidc.nordvik]\nissuer = \"http://127.0.0.1:1\"\nclient_id = \"x\"\nclient_secret_file = \"{}\"\n",
            f.display()
        ));
        let errs = build(&t).unwrap_err();
        assert!(errs[0].contains("client_secret_file") && errs[0].contains("readable"), "{errs:?}");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        let c = build(&t).unwrap();
        assert_eq!(c.settings.oidc[0].client_secret.as_deref(), Some("s3cret"));
    }

    #[test]
    fn insecure_cookies_only_on_loopback() {
        let c = build(&table("")).unwrap();
        assert!(!c.cookie_secure, "loopback over plain http: auto is off");
        let c = build(&table("listen = \"0.0.0.0:8080\"")).unwrap();
        assert!(c.cookie_secure);
        assert!(build(&table("listen = \"0.0.0.0:8080\"\n[session]\ncookie_secure = false")).is_err());
    }

    #[test]
    fn pkcs11_keys_need_module_token_and_a_private_pin() {
        assert!(build(&table("")).unwrap().pkcs11.is_none());
        let errs = build(&table("[keys.pkcs11]\nmodule = \"/m.so\"\nkey_lable = \"x\"")).unwrap_err();
        for want in
            ["keys.pkcs11.key_lable`: unknown", "keys.pkcs11.token_label`: missing", "keys.pkcs11.pin`: missing"]
        {
            assert!(errs.iter().any(|e| e.contains(want)), "{want} not in {errs:?}");
        }
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let pin = dir.path().join("pin");
        std::fs::write(&pin, "1234\n").unwrap();
        std::fs::set_permissions(&pin, std::fs::Permissions::from_mode(0o600)).unwrap();
        let t = table(&format!(
            "[keys.pkcs11]\nmodule = \"/usr/lib/softhsm/libsofthsm2.so\"\ntoken_label = \"suveren\"\npin_file = \"{}\"\n",
            pin.display()
        ));
        let p = build(&t).unwrap().pkcs11.unwrap();
        assert_eq!(
            (p.token_label.as_str(), p.pin.as_str(), p.key_label.as_str()),
            ("suveren", "1234", "suveren-kek-wrap")
        );
        assert!(!format!("{p:?}").contains("1234"), "the PIN is never printed");
        std::fs::set_permissions(&pin, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(build(&t).unwrap_err()[0].contains("pin_file"));
    }
}
