//! The services' own sentences that are not refusals of the policy engine
//! (a wrong password, a name a drive cannot hold, a decision that raced
//! another): each has a message id and an English template, `{name}`
//! marking an argument, as [`suveren_policy::MESSAGES`] has for refusals.
//!
//! The services build these sentences only from the constants below (with
//! [`fill`] where they take arguments), and carry them in
//! [`crate::ServiceError`]'s text variants, so the REST API answers exactly
//! these English words. A client that shows another language — the web
//! UI's `Tr::said` — recovers the id and its arguments with [`identify`],
//! which is exact: the catalogue is the only source of these sentences.
//! Anything not catalogued stays as the service wrote it.

// Signing in.
pub const WRONG_PASSWORD: &str = "Wrong login or password.";
pub const WRONG_TOTP: &str = "Wrong or already used authenticator code.";
pub const WRONG_RECOVERY: &str = "Wrong or already used recovery code.";
// Settings: authenticator enrolment, app passwords.
pub const ENROL_FIRST: &str = "Start enrolment first.";
pub const TOTP_MISMATCH: &str = "That code does not match; check the time on your phone and try again.";
pub const APP_PASSWORD_LIMIT: &str = "You have 50 app passwords; revoke one first.";
// Drive names and paths.
pub const NAME_INVALID: &str = "`{name}` is not a valid name";
pub const NAME_CHARS: &str = "names cannot contain control characters, `/` or `\\`";
pub const NAME_TOO_LONG: &str = "names are limited to 255 bytes";
pub const PATH_TOO_LONG: &str = "paths are limited to 4096 bytes";
pub const ROOT_DELETE: &str = "the root of a drive cannot be deleted";
pub const ROOT_MOVE: &str = "the root of a drive cannot be moved or replaced";
// Tenant keys.
pub const KEY_LOCKED: &str = "{tenant}'s key is locked; a tenant administrator must unlock it";
pub const KEY_HSM: &str = "{tenant}'s key is held by a hardware security module this server is not configured for; the operator must configure keys.pkcs11";
pub const KEY_PROVIDER_DOWN: &str = "{tenant}'s key provider is unavailable: {problem}";
pub const KEY_WRONG_PASSPHRASE: &str = "That passphrase does not unlock {tenant}'s key.";
pub const KEY_NONE: &str = "The tenant has no key yet; there is nothing to unlock.";
pub const KEY_STALE: &str = "The tenant's key changed at the same time; try again.";
// Decisions that raced another.
pub const LOCKBOX_STALE: &str = "The request changed while you decided; look at it again.";
pub const HOLD_STALE: &str = "The hold changed meanwhile; look again.";

/// Every catalogued sentence: its message id and English template.
pub const MESSAGES: &[(&str, &str)] = &[
    ("err-wrong-password", WRONG_PASSWORD),
    ("err-wrong-totp", WRONG_TOTP),
    ("err-wrong-recovery", WRONG_RECOVERY),
    ("err-enrol-first", ENROL_FIRST),
    ("err-totp-mismatch", TOTP_MISMATCH),
    ("err-app-password-limit", APP_PASSWORD_LIMIT),
    ("err-name-invalid", NAME_INVALID),
    ("err-name-chars", NAME_CHARS),
    ("err-name-too-long", NAME_TOO_LONG),
    ("err-path-too-long", PATH_TOO_LONG),
    ("err-root-delete", ROOT_DELETE),
    ("err-root-move", ROOT_MOVE),
    ("err-storage-full", crate::drive::STORAGE_FULL),
    ("err-key-locked", KEY_LOCKED),
    ("err-key-hsm", KEY_HSM),
    ("err-key-provider-down", KEY_PROVIDER_DOWN),
    ("err-key-wrong-passphrase", KEY_WRONG_PASSPHRASE),
    ("err-key-none", KEY_NONE),
    ("err-key-stale", KEY_STALE),
    ("err-lockbox-stale", LOCKBOX_STALE),
    ("err-hold-stale", HOLD_STALE),
];

/// `template` with each `{name}` replaced by its argument.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('}') else { break };
        let name = &rest[i + 1..i + j];
        match args.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => out.push_str(v),
            None => out.push_str(&rest[i..=i + j]),
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

/// A template's literal pieces around its arguments: `lits.len() ==
/// names.len() + 1`.
fn pieces(template: &'static str) -> (Vec<&'static str>, Vec<&'static str>) {
    let (mut lits, mut names) = (Vec::new(), Vec::new());
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        lits.push(&rest[..i]);
        names.push(&rest[i + 1..i + j]);
        rest = &rest[i + j + 1..];
    }
    lits.push(rest);
    (lits, names)
}

/// The arguments that make `template` read `text`, if it does.
fn matches(template: &'static str, text: &str) -> Option<Vec<(&'static str, String)>> {
    let (lits, names) = pieces(template);
    let mut rest = text.strip_prefix(lits[0])?;
    let mut args = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let next = lits[i + 1];
        let value = if i + 1 == names.len() {
            let v = rest.strip_suffix(next)?;
            rest = "";
            v
        } else {
            let at = rest.find(next).filter(|_| !next.is_empty())?;
            let v = &rest[..at];
            rest = &rest[at + next.len()..];
            v
        };
        args.push((*name, value.to_string()));
    }
    rest.is_empty().then_some(args)
}

/// The message id and arguments of a sentence the services wrote from
/// this catalogue; `None` for any other text.
pub fn identify(text: &str) -> Option<(&'static str, Vec<(&'static str, String)>)> {
    MESSAGES.iter().find_map(|&(id, template)| matches(template, text).map(|args| (id, args)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sentence_is_found_again_with_its_arguments() {
        let mut ids: Vec<&str> = MESSAGES.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), MESSAGES.len(), "message ids repeat");
        for &(id, template) in MESSAGES {
            let (_, names) = pieces(template);
            let args: Vec<(&str, String)> = names.iter().map(|n| (*n, format!("Nordvik {n}'s; x"))).collect();
            let refs: Vec<(&str, &str)> = args.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let text = fill(template, &refs);
            let (found, got) = identify(&text).unwrap_or_else(|| panic!("{id} is not found in {text:?}"));
            assert_eq!(found, id, "{text:?}");
            let got: Vec<(&str, String)> = got.into_iter().collect();
            assert_eq!(got, args.iter().map(|(n, v)| (*n, v.clone())).collect::<Vec<_>>(), "{id}");
        }
    }

    #[test]
    fn other_text_is_not_identified() {
        assert_eq!(identify("Wrong login or password"), None);
        assert_eq!(identify("something else entirely"), None);
        assert_eq!(identify(""), None);
        let (id, args) = identify("`` is not a valid name").unwrap();
        assert_eq!((id, args), ("err-name-invalid", vec![("name", String::new())]));
        let (id, args) = identify("Nordvik kommune's key is locked; a tenant administrator must unlock it").unwrap();
        assert_eq!((id, args), ("err-key-locked", vec![("tenant", "Nordvik kommune".to_string())]));
    }
}
