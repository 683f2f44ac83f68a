//! Languages of the UI: Norwegian bokmål, Swedish and English, chosen by a
//! cookie the language selector sets, else by `Accept-Language`, else
//! bokmål. Every string is in `i18n/<lang>/<area>.ftl` (Fluent); templates ask
//! [`Tr::get`] by message id, so a missing translation shows its id in
//! tests instead of silently falling back.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use suveren_service::ServiceError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Nb,
    Sv,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Nb, Lang::Sv, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Nb => "nb",
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// The language's own name, for the selector.
    pub fn native(self) -> &'static str {
        match self {
            Lang::Nb => "Norsk (bokmål)",
            Lang::Sv => "Svenska",
            Lang::En => "English",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nb" | "nb-no" | "no" | "nn" | "nn-no" | "no-no" => Some(Lang::Nb),
            "sv" | "sv-se" | "sv-fi" => Some(Lang::Sv),
            "en" | "en-gb" | "en-us" => Some(Lang::En),
            other => other.split('-').next().filter(|p| *p != other).and_then(Lang::parse),
        }
    }

    /// The best match of an `Accept-Language` header, by its q-values.
    pub fn from_accept(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("").trim();
            let q = it.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            if let Some(l) = Lang::parse(tag) {
                if best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, l));
                }
            }
        }
        best.map(|(_, l)| l)
    }
}

/// The translation files of each language, one per area of the UI, so
/// that pages can be added without touching each other's files.
macro_rules! ftl {
    ($lang:literal) => {
        [
            include_str!(concat!("../i18n/", $lang, "/core.ftl")),
            include_str!(concat!("../i18n/", $lang, "/drive.ftl")),
            include_str!(concat!("../i18n/", $lang, "/lockbox.ftl")),
            include_str!(concat!("../i18n/", $lang, "/settings.ftl")),
            include_str!(concat!("../i18n/", $lang, "/directory.ftl")),
            include_str!(concat!("../i18n/", $lang, "/admin.ftl")),
            include_str!(concat!("../i18n/", $lang, "/principal.ftl")),
            include_str!(concat!("../i18n/", $lang, "/tenant.ftl")),
            include_str!(concat!("../i18n/", $lang, "/operator.ftl")),
            include_str!(concat!("../i18n/", $lang, "/policy.ftl")),
        ]
    };
}

const SOURCES: [(Lang, [&str; 10]); 3] = [(Lang::Nb, ftl!("nb")), (Lang::Sv, ftl!("sv")), (Lang::En, ftl!("en"))];

type Bundle = FluentBundle<FluentResource>;

fn bundles() -> &'static [(Lang, Bundle); 3] {
    static B: OnceLock<[(Lang, Bundle); 3]> = OnceLock::new();
    B.get_or_init(|| {
        SOURCES.map(|(lang, files)| {
            let id: unic_langid::LanguageIdentifier = lang.code().parse().expect("language tag");
            let mut b = FluentBundle::new_concurrent(vec![id]);
            // No Unicode isolation marks around arguments: they would show
            // up in plain-text contexts (titles, attribute values).
            b.set_use_isolating(false);
            for src in files {
                let res = FluentResource::try_new(src.to_string())
                    .unwrap_or_else(|(_, errs)| panic!("{} translations do not parse: {errs:?}", lang.code()));
                b.add_resource(res).unwrap_or_else(|e| panic!("{} translations repeat a message: {e:?}", lang.code()));
            }
            (lang, b)
        })
    })
}

fn bundle(lang: Lang) -> &'static Bundle {
    &bundles().iter().find(|(l, _)| *l == lang).expect("every language has a bundle").1
}

/// Every message id of a language, for the completeness test.
pub fn message_ids(lang: Lang) -> Vec<String> {
    let files = SOURCES.iter().find(|(l, _)| *l == lang).expect("source").1;
    files
        .iter()
        .flat_map(|src| src.lines())
        .filter(|l| !l.starts_with(' ') && !l.starts_with('#') && !l.starts_with('-'))
        .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_string()))
        .filter(|id| !id.is_empty())
        .collect()
}

/// The translator a page renders with.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Tr { lang }
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// A message without arguments; its id if missing (tests catch that).
    pub fn get(&self, id: &str) -> String {
        self.args(id, &[])
    }

    /// A message with named arguments (strings or numbers).
    pub fn args(&self, id: &str, args: &[(&str, Arg)]) -> String {
        let b = bundle(self.lang);
        let Some(msg) = b.get_message(id).and_then(|m| m.value()) else {
            return id.to_string();
        };
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            match v {
                Arg::S(s) => fa.set(*k, FluentValue::from(s.clone())),
                Arg::N(n) => fa.set(*k, FluentValue::from(*n)),
            }
        }
        let mut errs = Vec::new();
        let out = b.format_pattern(msg, if args.is_empty() { None } else { Some(&fa) }, &mut errs);
        if !errs.is_empty() {
            tracing::warn!(id, lang = self.lang.code(), ?errs, "translation");
        }
        out.into_owned()
    }

    /// A refusal of the policy engine (or a service) in the reader's
    /// language: its message id in `policy.ftl` with its arguments. A
    /// refusal whose id has no message falls back to its English sentence.
    pub fn denial(&self, d: &suveren_policy::Denial) -> String {
        if bundle(self.lang).get_message(d.code).is_none() {
            tracing::warn!(code = d.code, lang = self.lang.code(), "refusal without a translation");
            return d.message.clone();
        }
        let args: Vec<(&str, Arg)> = d.args.iter().map(|(k, v)| (*k, Arg::S(v.clone()))).collect();
        self.args(d.code, &args)
    }

    /// A sentence a service wrote (the text of an invalid input, a
    /// conflict, a failed sign-in, an unavailable key) in the reader's
    /// language, when it is one of `suveren_service::messages`; any other
    /// text as it was written.
    pub fn said(&self, text: &str) -> String {
        let Some((id, args)) = suveren_service::messages::identify(text) else {
            return text.to_string();
        };
        if id == "err-name-invalid" && args.iter().all(|(_, v)| v.is_empty()) {
            return self.get("drive-err-name-empty");
        }
        if bundle(self.lang).get_message(id).is_none() {
            tracing::warn!(id, lang = self.lang.code(), "service message without a translation");
            return text.to_string();
        }
        let args: Vec<(&str, Arg)> = args.into_iter().map(|(k, v)| (k, Arg::S(v))).collect();
        self.args(id, &args)
    }

    /// Why a drive write's own precondition stopped it.
    pub fn conflict(&self, c: &suveren_store::drive::DriveConflict) -> String {
        use suveren_store::drive::DriveConflict as C;
        let name = |p: &str| {
            let base = p.rsplit(['/', '\\']).next().unwrap_or(p);
            Arg::S(if base.is_empty() { p.to_string() } else { base.to_string() })
        };
        match c {
            C::NoParent(p) => self.args("drive-err-no-parent", &[("folder", Arg::S(p.clone()))]),
            C::ParentNotFolder(p) => self.args("drive-err-not-folder", &[("name", name(p))]),
            C::Exists(p) => self.args("drive-err-exists", &[("name", name(p))]),
            C::Missing(p) => self.args("drive-err-missing", &[("name", name(p))]),
            C::IsFolder(p) => self.args("drive-err-is-folder", &[("name", name(p))]),
            C::Precondition(p) => self.args("drive-err-changed", &[("name", name(p))]),
            C::Quota { needed, available } => self.args(
                "drive-err-quota",
                &[("needed", Arg::S(self.bytes(*needed))), ("available", Arg::S(self.bytes(*available)))],
            ),
            C::IntoItself => self.get("drive-err-into-itself"),
            C::RestoreParent(p) => self.args("drive-err-restore-parent", &[("name", name(p))]),
            #[allow(unreachable_patterns)]
            other => other.to_string(),
        }
    }

    /// The words of any service error a person can act on, in the
    /// reader's language (a refusal without the "Not allowed" around it);
    /// `None` for failures of the server itself, which say nothing useful.
    pub fn error(&self, e: &ServiceError) -> Option<String> {
        Some(match e {
            ServiceError::NotFound => self.get("error-not-found"),
            ServiceError::Denied(d) => self.denial(d),
            ServiceError::Unauthenticated(m)
            | ServiceError::Invalid(m)
            | ServiceError::Conflict(m)
            | ServiceError::Unavailable(m) => self.said(m),
            ServiceError::MfaRequired => self.get("signin-err-mfa"),
            ServiceError::Throttled(d) => {
                let n = d.as_secs().max(1);
                self.args("signin-err-throttled", &[("n", Arg::N(n as f64)), ("seconds", Arg::S(self.number(n)))])
            }
            ServiceError::Drive(c) => self.conflict(c),
            _ => return None,
        })
    }

    /// `1 234` / `1 234` / `1,234`: numbers as the language writes them.
    pub fn number(&self, n: u64) -> String {
        let digits = n.to_string();
        let sep = match self.lang {
            Lang::En => ",",
            _ => "\u{a0}",
        };
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(sep);
            }
            out.push(c);
        }
        out
    }

    /// Sizes in the language's words and separators.
    pub fn bytes(&self, n: u64) -> String {
        const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
        if n < 1024 {
            return format!("{} B", self.number(n));
        }
        let mut v = n as f64;
        let mut u = 0;
        while v >= 1024.0 && u < UNITS.len() - 1 {
            v /= 1024.0;
            u += 1;
        }
        let s = format!("{v:.1}");
        let s = if self.lang == Lang::En { s } else { s.replace('.', ",") };
        format!("{s} {}", UNITS[u])
    }

    /// A date and time as the language writes it (the server's UTC).
    pub fn datetime(&self, unix_ms: i64) -> String {
        let Ok(t) = time::OffsetDateTime::from_unix_timestamp(unix_ms.div_euclid(1000)) else {
            return String::new();
        };
        let (d, m, y, hh, mm) = (t.day(), u8::from(t.month()), t.year(), t.hour(), t.minute());
        match self.lang {
            Lang::Nb => format!("{d:02}.{m:02}.{y} kl. {hh:02}.{mm:02}"),
            Lang::Sv => format!("{y}-{m:02}-{d:02} kl. {hh:02}.{mm:02}"),
            Lang::En => format!("{d} {} {y}, {hh:02}:{mm:02}", EN_MONTHS[usize::from(m) - 1]),
        }
    }
}

const EN_MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A message argument.
#[derive(Debug, Clone)]
pub enum Arg {
    S(String),
    N(f64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_message() {
        let en = message_ids(Lang::En);
        assert!(en.len() > 20);
        for l in [Lang::Nb, Lang::Sv] {
            let ids = message_ids(l);
            let missing: Vec<_> = en.iter().filter(|id| !ids.contains(id)).collect();
            let extra: Vec<_> = ids.iter().filter(|id| !en.contains(id)).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{}: missing {missing:?}, extra {extra:?}", l.code());
        }
        // And every one of them formats without error.
        for l in Lang::ALL {
            for id in &en {
                assert_ne!(Tr::new(l).get(id), "", "{id} in {}", l.code());
            }
        }
    }

    #[test]
    fn accept_language_picks_by_quality() {
        assert_eq!(Lang::from_accept("sv-SE,sv;q=0.9,en;q=0.8"), Some(Lang::Sv));
        assert_eq!(Lang::from_accept("de-DE, en;q=0.5, nb;q=0.7"), Some(Lang::Nb));
        assert_eq!(Lang::from_accept("nn-NO"), Some(Lang::Nb));
        assert_eq!(Lang::from_accept("fr, de"), None);
    }

    #[test]
    fn numbers_sizes_and_dates_follow_the_language() {
        assert_eq!(Tr::new(Lang::En).number(1234567), "1,234,567");
        assert_eq!(Tr::new(Lang::Nb).number(1234567), "1\u{a0}234\u{a0}567");
        assert_eq!(Tr::new(Lang::Sv).bytes(1536), "1,5 KB");
        assert_eq!(Tr::new(Lang::En).bytes(1536), "1.5 KB");
        let t = 1_795_000_000_000; // 18 Nov 2026 11:06:40 UTC
        assert_eq!(Tr::new(Lang::Nb).datetime(t), "18.11.2026 kl. 11.06");
        assert_eq!(Tr::new(Lang::Sv).datetime(t), "2026-11-18 kl. 11.06");
        assert_eq!(Tr::new(Lang::En).datetime(t), "18 Nov 2026, 11:06");
    }
}
