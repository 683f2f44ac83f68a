//! Configuration and scheme decoders:
//!
//! * the server's configuration (`crates/suveren/src/config.rs`, included
//!   here by path since it lives in the binary crate): a TOML file and
//!   `SUVEREN_*` environment variables merged and validated by
//!   `config::merged` and `config::build`, which must answer a config or a
//!   list of errors;
//! * a tenant's classification scheme as TOML and as JSON (the body of
//!   `PUT /api/v1/tenants/{tenant}/classification`), then `.validate()`;
//! * a segment filter as JSON (part of `POST .../segments`).
//!
//! Byte 0 (modulo 5) picks the decoder; the rest is the text. In mode 1
//! each line `KEY=VALUE` is an environment variable (KEY gets the
//! `SUVEREN_` prefix). JSON decodes that succeed must survive a round trip.
#![no_main]

#[allow(dead_code)]
#[path = "../../crates/suveren/src/config.rs"]
mod config;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use suveren_domain::{ClassificationScheme, SegmentFilter};

/// `client_secret_file` makes `build` read a file; the fuzzer's paths are
/// replaced by this one (mode 0600), so no input reads /proc or a device.
fn secret_file() -> &'static str {
    static P: OnceLock<String> = OnceLock::new();
    P.get_or_init(|| {
        use std::os::unix::fs::PermissionsExt;
        let p = suveren_fuzz::scratch_dir("config").join("client-secret");
        std::fs::write(&p, "fuzz-secret\n").expect("secret file");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        p.display().to_string()
    })
}

fn tame(t: &mut toml::Table) {
    if let Some(toml::Value::Table(oidc)) = t.get_mut("oidc") {
        for (_, v) in oidc.iter_mut() {
            if let toml::Value::Table(c) = v {
                if let Some(f) = c.get_mut("client_secret_file") {
                    if f.is_str() {
                        *f = toml::Value::String(secret_file().to_string());
                    }
                }
            }
        }
    }
}

fn build(mut t: toml::Table) {
    tame(&mut t);
    match config::build(&t) {
        Ok(c) => {
            let _ = format!("{c:?}");
        }
        Err(errors) => assert!(!errors.is_empty(), "a refused configuration names at least one error"),
    }
}

fn roundtrip<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(v: &T) {
    let s = serde_json::to_string(v).expect("serialise");
    let back: T = serde_json::from_str(&s).expect("decode what was encoded");
    assert_eq!(&back, v, "JSON round trip changed the value");
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 5 {
        0 => {
            let Ok(text) = std::str::from_utf8(rest) else { return };
            if let Ok(t) = text.parse::<toml::Table>() {
                build(t);
            }
        }
        1 => {
            let text = String::from_utf8_lossy(rest);
            let env: Vec<(String, String)> = text
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (format!("SUVEREN_{k}"), v.to_string()))
                .collect();
            let o = config::Overrides::default();
            match config::merged(None, env.into_iter(), &o) {
                Ok(t) => build(t),
                Err(e) => assert!(!e.is_empty()),
            }
        }
        2 => {
            let Ok(text) = std::str::from_utf8(rest) else { return };
            if let Ok(s) = toml::from_str::<ClassificationScheme>(text) {
                let _ = s.validate().map_err(|e| e.to_string());
            }
        }
        3 => {
            if let Ok(s) = serde_json::from_slice::<ClassificationScheme>(rest) {
                let _ = s.validate().map_err(|e| e.to_string());
                roundtrip(&s);
            }
        }
        _ => {
            if let Ok(f) = serde_json::from_slice::<SegmentFilter>(rest) {
                roundtrip(&f);
            }
        }
    }
});
