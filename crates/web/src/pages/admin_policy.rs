//! The tenant's own rules (`/admin/policy`): the classification scheme
//! (each level's name, colour, sentence and flags, presets), retention per
//! level, and the tenant's key (provider, rotation).
//!
//! Every change is the REST API's operation under its action: a level's
//! edit, a preset and a retention change are `set_scheme`
//! (`classification.manage`, `PUT /api/v1/tenants/{t}/classification`);
//! the key forms are `start_key_rotation` and `set_key_provider`
//! (`key.manage`). The service validates (a scheme must stay monotone,
//! retention bounds) and the gate decides; a refusal is shown next to the
//! form it came from, with the service's reason, and nothing is saved.
//! The page only ever works on the signed-in administrator's own tenant.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use suveren_api::AppState;
use suveren_domain::{ClassificationScheme, ExternalSharing, Level, MailOutside};
use suveren_policy::Action;
use suveren_service::keys::{KeyStatus, ProviderKind};
use suveren_service::{Ctx, ServiceError};

use super::{redirect, render, service_error, Chrome};
use crate::extract::{Form, Query};
use crate::i18n::{Arg, Tr};
use crate::Page;

const PRESETS: [&str; 3] = ["default", "norway", "sweden"];

/// One choice of a `<select>`.
pub struct Opt {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

/// The values of a level's edit form: the stored level, or what was
/// submitted when the service refused it.
pub struct LevelForm {
    pub name: String,
    pub colour: String,
    pub description: String,
    pub external: Vec<Opt>,
    pub guests: bool,
    pub links: bool,
    pub mail: Vec<Opt>,
    pub mfa: bool,
}

/// The values of a level's retention form (empty: the rank's default).
pub struct RetentionForm {
    pub min: String,
    pub max: String,
    pub versions: String,
    pub trash: String,
}

pub struct LevelView {
    pub rank: u8,
    pub name: String,
    /// The colour in words and its code, e.g. "Green (#2e7d32)".
    pub colour_text: String,
    /// A swatch as an SVG data URL (the CSP allows `data:` images, not
    /// inline styles); none when the stored colour is not `#rrggbb`.
    pub swatch: Option<String>,
    pub description: String,
    pub external: String,
    pub guests: String,
    pub links: String,
    pub mail: String,
    pub mfa: String,
    pub edit_label: String,
    pub form: LevelForm,
    pub level_error: Option<String>,
    pub ret_min: String,
    pub ret_max: String,
    pub ret_versions: String,
    pub ret_trash: String,
    pub ret_label: String,
    pub ret_hint: String,
    pub ret_form: RetentionForm,
    pub retention_error: Option<String>,
}

pub struct RotationView {
    pub started: String,
    pub progress: String,
}

pub struct KeysView {
    pub provider: String,
    pub locked: bool,
    pub rotation: Option<RotationView>,
    pub rotated: String,
    pub providers: Vec<Opt>,
}

/// A message for one section: success (status) or refusal (alert).
pub struct Flash {
    pub section: &'static str,
    pub text: String,
    pub error: bool,
}

#[derive(Template)]
#[template(path = "admin_policy.html")]
struct PolicyPage {
    c: Chrome,
    intro: String,
    preset: String,
    levels: Vec<LevelView>,
    presets: Vec<Opt>,
    keys: KeysView,
    flash: Option<Flash>,
}

impl PolicyPage {
    fn flash_in(&self, section: &str) -> Option<&Flash> {
        self.flash.as_ref().filter(|f| f.section == section)
    }
}

/// What a refused form brings back to the page.
enum Refusal {
    Level(u8, String, LevelInput),
    Retention(u8, String, RetentionInput),
    Section(&'static str, String),
}

#[derive(Deserialize, Default)]
pub struct PolicyQuery {
    #[serde(default)]
    ok: String,
}

fn ctx_for(page: &Page, action: Action) -> Ctx {
    Ctx { action, ..page.ctx.clone() }
}

fn tenant_of(page: &Page) -> String {
    page.ctx.actor.tenant().to_string()
}

fn yes_no(tr: Tr, b: bool) -> String {
    tr.get(if b { "admin-yes" } else { "admin-no" })
}

fn external_value(e: ExternalSharing) -> &'static str {
    match e {
        ExternalSharing::Any => "any",
        ExternalSharing::FederatedOnly => "federated_only",
        ExternalSharing::None => "none",
    }
}

fn external_label(tr: Tr, v: &str) -> String {
    tr.get(match v {
        "any" => "admin-ext-any",
        "federated_only" => "admin-ext-federated",
        _ => "admin-ext-none",
    })
}

fn mail_value(m: MailOutside) -> &'static str {
    match m {
        MailOutside::Allow => "allow",
        MailOutside::WarnConfirm => "warn_confirm",
        MailOutside::Block => "block",
    }
}

fn mail_label(tr: Tr, v: &str) -> String {
    tr.get(match v {
        "allow" => "admin-mail-allow",
        "warn_confirm" => "admin-mail-warn",
        _ => "admin-mail-block",
    })
}

fn options(values: &[&'static str], chosen: &str, label: impl Fn(&str) -> String) -> Vec<Opt> {
    values.iter().map(|v| Opt { value: v, label: label(v), selected: *v == chosen }).collect()
}

/// `#rrggbb` as (r, g, b).
fn hex_rgb(c: &str) -> Option<(u8, u8, u8)> {
    let h = c.trim().strip_prefix('#')?;
    if h.len() != 6 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let p = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some((p(0)?, p(2)?, p(4)?))
}

/// The colour's name, so that nobody has to tell colours apart to know
/// which one a level has (WCAG 1.4.1): the hue family by HSL.
fn colour_key(r: u8, g: u8, b: u8) -> &'static str {
    let (r, g, b) = (f64::from(r) / 255.0, f64::from(g) / 255.0, f64::from(b) / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let l = (max + min) / 2.0;
    let d = max - min;
    let s = if d == 0.0 { 0.0 } else { d / (1.0 - (2.0 * l - 1.0).abs()) };
    if l < 0.12 {
        return "black";
    }
    if l > 0.92 {
        return "white";
    }
    if s < 0.15 {
        return "grey";
    }
    let h = if max == r {
        60.0 * (((g - b) / d).rem_euclid(6.0))
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    match h {
        h if !(15.0..345.0).contains(&h) => "red",
        h if h < 35.0 => {
            if l < 0.35 {
                "brown"
            } else {
                "orange"
            }
        }
        h if h < 70.0 => "yellow",
        h if h < 165.0 => "green",
        h if h < 195.0 => "cyan",
        h if h < 255.0 => "blue",
        h if h < 290.0 => "purple",
        _ => "pink",
    }
}

fn colour_text(tr: Tr, colour: &str) -> (String, Option<String>) {
    match hex_rgb(colour) {
        Some((r, g, b)) => {
            let name = tr.get(&format!("tenant-colour-{}", colour_key(r, g, b)));
            let hex = format!("#{r:02x}{g:02x}{b:02x}");
            let svg = format!(
                "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='24' height='24'%3E\
                 %3Crect x='0.5' y='0.5' width='23' height='23' fill='%23{r:02x}{g:02x}{b:02x}' stroke='%23000'/%3E%3C/svg%3E"
            );
            (tr.args("tenant-colour", &[("name", Arg::S(name)), ("code", Arg::S(hex))]), Some(svg))
        }
        None => (colour.to_string(), None),
    }
}

fn days(tr: Tr, d: Option<u32>, none: &str) -> String {
    match d {
        Some(d) => tr.args("tenant-days", &[("days", Arg::N(f64::from(d)))]),
        None => tr.get(none),
    }
}

fn opt_str(d: Option<u32>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn level_view(tr: Tr, l: &Level) -> LevelView {
    let (colour_text, swatch) = colour_text(tr, &l.colour);
    let ext = external_value(l.external_sharing);
    let mail = mail_value(l.mail_outside);
    let rules = l.retention_rules();
    let stored = l.retention.unwrap_or_default();
    let named = |id: &str| tr.args(id, &[("rank", Arg::N(f64::from(l.rank))), ("name", Arg::S(l.name.clone()))]);
    LevelView {
        rank: l.rank,
        name: l.name.clone(),
        colour_text,
        swatch,
        description: l.description.clone(),
        external: external_label(tr, ext),
        guests: yes_no(tr, l.guests),
        links: yes_no(tr, l.public_links),
        mail: mail_label(tr, mail),
        mfa: yes_no(tr, l.mfa),
        edit_label: named("tenant-level-edit"),
        form: LevelForm {
            name: l.name.clone(),
            colour: hex_rgb(&l.colour).map(|(r, g, b)| format!("#{r:02x}{g:02x}{b:02x}")).unwrap_or_default(),
            description: l.description.clone(),
            external: options(&["any", "federated_only", "none"], ext, |v| external_label(tr, v)),
            guests: l.guests,
            links: l.public_links,
            mail: options(&["allow", "warn_confirm", "block"], mail, |v| mail_label(tr, v)),
            mfa: l.mfa,
        },
        level_error: None,
        ret_min: days(tr, rules.file_min_days, "tenant-ret-no-min"),
        ret_max: days(tr, rules.file_max_days, "tenant-ret-no-max"),
        ret_versions: days(tr, Some(rules.version_max_days), ""),
        ret_trash: days(tr, Some(rules.trash_days), ""),
        ret_label: named("tenant-ret-edit"),
        ret_hint: tr.args(
            "tenant-ret-defaults",
            &[
                ("versions", Arg::N(f64::from(l.version_keep().days))),
                ("trash", Arg::N(f64::from(suveren_domain::classification::DEFAULT_TRASH_DAYS))),
            ],
        ),
        ret_form: RetentionForm {
            min: opt_str(stored.file_min_days),
            max: opt_str(stored.file_max_days),
            versions: opt_str(stored.version_max_days),
            trash: opt_str(stored.trash_days),
        },
        retention_error: None,
    }
}

fn provider_label(tr: Tr, p: &str) -> String {
    tr.get(&format!("admin-key-provider-{p}"))
}

fn keys_view(tr: Tr, k: &KeyStatus) -> KeysView {
    let mut kinds = vec![ProviderKind::MasterKeyFile.as_str(), ProviderKind::Passphrase.as_str()];
    if k.pkcs11_available || k.provider == ProviderKind::Pkcs11 {
        kinds.push(ProviderKind::Pkcs11.as_str());
    }
    KeysView {
        provider: provider_label(tr, k.provider.as_str()),
        locked: k.locked,
        rotation: k.rotation.as_ref().map(|r| RotationView {
            started: tr.args(
                "tenant-rotation-started",
                &[("by", Arg::S(r.by.clone())), ("at", Arg::S(tr.datetime(r.started)))],
            ),
            progress: tr.args(
                "tenant-rotation-progress",
                &[
                    ("pass", Arg::N(f64::from(r.pass))),
                    ("checked", Arg::S(tr.number(r.checked))),
                    ("rewrapped", Arg::S(tr.number(r.rewrapped + r.reencrypted))),
                    ("unreadable", Arg::S(tr.number(r.unreadable))),
                ],
            ),
        }),
        rotated: match k.rotated {
            Some(t) => tr.args("tenant-rotated-at", &[("at", Arg::S(tr.datetime(t)))]),
            None => tr.get("tenant-rotated-never"),
        },
        providers: options(&kinds, k.provider.as_str(), |v| provider_label(tr, v)),
    }
}

/// `GET /admin/policy`.
pub async fn index(State(s): State<AppState>, page: Page, Query(q): Query<PolicyQuery>) -> Response {
    let section = match q.ok.as_str() {
        "level" | "preset" => "scheme",
        "retention" => "retention",
        "rotation" | "provider" => "keys",
        _ => "",
    };
    let flash = (!section.is_empty()).then(|| Flash {
        section,
        text: page.tr.get(&format!("tenant-ok-{}", q.ok)),
        error: false,
    });
    show(&s, &page, flash, None).await
}

/// The page; a refused form comes back with its reason and its values.
async fn show(s: &AppState, page: &Page, flash: Option<Flash>, refusal: Option<Refusal>) -> Response {
    let tr = page.tr;
    let tenant = tenant_of(page);
    // The gate first: classification.manage is the tenant administrator's
    // (role, second factor); a refusal is the page with its reason.
    let scheme = match s.app.get_scheme(&ctx_for(page, Action::ClassificationManage), &tenant).await {
        Ok(v) => v,
        Err(e) => return service_error(tr, e),
    };
    let key = match s.app.key_status(&ctx_for(page, Action::KeyManage), &tenant).await {
        Ok(k) => k,
        Err(e) => return service_error(tr, e),
    };
    let name = s.app.snapshot().dir.tenants.get(&tenant).map(|t| t.name.clone()).unwrap_or_else(|| tenant.clone());
    let mut levels: Vec<LevelView> = scheme.levels.iter().map(|l| level_view(tr, l)).collect();
    let mut flash = flash;
    let refused = refusal.is_some();
    match refusal {
        Some(Refusal::Level(rank, text, inp)) => {
            if let Some(v) = levels.iter_mut().find(|v| v.rank == rank) {
                v.form = LevelForm {
                    external: options(&["any", "federated_only", "none"], &inp.external_sharing, |x| {
                        external_label(tr, x)
                    }),
                    mail: options(&["allow", "warn_confirm", "block"], &inp.mail_outside, |x| mail_label(tr, x)),
                    guests: inp.guests.is_some(),
                    links: inp.public_links.is_some(),
                    mfa: inp.mfa.is_some(),
                    name: inp.name,
                    colour: inp.colour,
                    description: inp.description,
                };
                v.level_error = Some(text);
            } else {
                flash = Some(Flash { section: "scheme", text, error: true });
            }
        }
        Some(Refusal::Retention(rank, text, inp)) => {
            if let Some(v) = levels.iter_mut().find(|v| v.rank == rank) {
                v.ret_form = RetentionForm {
                    min: inp.file_min_days,
                    max: inp.file_max_days,
                    versions: inp.version_max_days,
                    trash: inp.trash_days,
                };
                v.retention_error = Some(text);
            } else {
                flash = Some(Flash { section: "retention", text, error: true });
            }
        }
        Some(Refusal::Section(section, text)) => flash = Some(Flash { section, text, error: true }),
        None => {}
    }
    let preset_name = |p: &str| tr.get(&format!("tenant-preset-{p}"));
    let preset = if PRESETS.contains(&scheme.preset.as_str()) {
        tr.args("tenant-preset-current", &[("preset", Arg::S(preset_name(&scheme.preset)))])
    } else {
        tr.get("tenant-preset-custom")
    };
    let mut r = render(&PolicyPage {
        c: Chrome::new(page, tr.get("tenant-title"), "/admin"),
        intro: tr.args("tenant-intro", &[("tenant", Arg::S(name))]),
        preset,
        levels,
        presets: options(&PRESETS, &scheme.preset, preset_name),
        keys: keys_view(tr, &key),
        flash,
    });
    if refused && r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

/// A refused form: the page again, with the service's reason next to the
/// form. The gate's refusals keep their error page (whoever may not change
/// the rules may not see them either, and the refusal is audited once);
/// so do internal errors.
async fn refuse(s: &AppState, page: &Page, e: ServiceError, make: impl FnOnce(String) -> Refusal) -> Response {
    let text = match e {
        ServiceError::Invalid(m) | ServiceError::Conflict(m) | ServiceError::Unavailable(m) => page.tr.said(&m),
        other => return service_error(page.tr, other),
    };
    let text = page.tr.args("tenant-refused", &[("reason", Arg::S(text))]);
    show(s, page, None, Some(make(text))).await
}

/// The stored scheme with one change applied, saved through the service
/// (which validates the whole scheme and asks the gate).
async fn save_scheme(
    s: &AppState,
    page: &Page,
    rank: Option<u8>,
    change: impl FnOnce(&mut ClassificationScheme) -> Result<(), ServiceError>,
) -> Result<(), ServiceError> {
    let tenant = tenant_of(page);
    let mut scheme = s.app.get_scheme(&page.ctx, &tenant).await?;
    if let Some(rank) = rank {
        if scheme.level(rank).is_none() {
            return Err(ServiceError::invalid(page.tr.args("tenant-no-level", &[("rank", Arg::N(f64::from(rank)))])));
        }
    }
    change(&mut scheme)?;
    s.app.set_scheme(&page.ctx, &tenant, &scheme).await.map(|_| ())
}

#[derive(Deserialize, Clone)]
pub struct LevelInput {
    #[serde(default)]
    csrf: String,
    rank: u8,
    #[serde(default)]
    name: String,
    #[serde(default)]
    colour: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    external_sharing: String,
    #[serde(default)]
    guests: Option<String>,
    #[serde(default)]
    public_links: Option<String>,
    #[serde(default)]
    mail_outside: String,
    #[serde(default)]
    mfa: Option<String>,
}

/// `POST /admin/policy/level`: one level's name, colour, sentence and flags.
pub async fn save_level(State(s): State<AppState>, page: Page, Form(f): Form<LevelInput>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let tr = page.tr;
    let external = match f.external_sharing.as_str() {
        "any" => Some(ExternalSharing::Any),
        "federated_only" => Some(ExternalSharing::FederatedOnly),
        "none" => Some(ExternalSharing::None),
        _ => None,
    };
    let mail = match f.mail_outside.as_str() {
        "allow" => Some(MailOutside::Allow),
        "warn_confirm" => Some(MailOutside::WarnConfirm),
        "block" => Some(MailOutside::Block),
        _ => None,
    };
    let rank = f.rank;
    let (Some(external), Some(mail)) = (external, mail) else {
        let e = ServiceError::invalid(tr.get("tenant-bad-choice"));
        return refuse(&s, &page, e, |t| Refusal::Level(rank, t, f)).await;
    };
    let inp = f.clone();
    let res = save_scheme(&s, &page, Some(rank), |scheme| {
        let l = &mut scheme.levels[usize::from(rank)];
        l.name = inp.name.trim().to_string();
        l.colour = inp.colour.trim().to_string();
        l.description = inp.description.trim().to_string();
        l.external_sharing = external;
        l.guests = inp.guests.is_some();
        l.public_links = inp.public_links.is_some();
        l.mail_outside = mail;
        l.mfa = inp.mfa.is_some();
        Ok(())
    })
    .await;
    match res {
        Ok(()) => redirect("/admin/policy?ok=level#scheme"),
        Err(e) => refuse(&s, &page, e, |t| Refusal::Level(rank, t, f)).await,
    }
}

#[derive(Deserialize)]
pub struct PresetInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    preset: String,
}

/// `POST /admin/policy/preset`: the preset's names, colours, sentences and
/// flags; each level keeps its retention and version settings.
pub async fn apply_preset(State(s): State<AppState>, page: Page, Form(f): Form<PresetInput>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let Some(mut preset) = ClassificationScheme::preset(&f.preset) else {
        let e = ServiceError::invalid(page.tr.get("tenant-bad-choice"));
        return refuse(&s, &page, e, |t| Refusal::Section("preset", t)).await;
    };
    let res = save_scheme(&s, &page, None, |scheme| {
        for l in &mut preset.levels {
            if let Some(old) = scheme.level(l.rank) {
                l.retention = old.retention;
                l.versions = old.versions;
            }
        }
        *scheme = preset;
        Ok(())
    })
    .await;
    match res {
        Ok(()) => redirect("/admin/policy?ok=preset#scheme"),
        Err(e) => refuse(&s, &page, e, |t| Refusal::Section("preset", t)).await,
    }
}

#[derive(Deserialize)]
pub struct RetentionInput {
    #[serde(default)]
    csrf: String,
    rank: u8,
    #[serde(default)]
    file_min_days: String,
    #[serde(default)]
    file_max_days: String,
    #[serde(default)]
    version_max_days: String,
    #[serde(default)]
    trash_days: String,
}

/// `POST /admin/policy/retention`: one level's retention; an empty field
/// takes the rank's default.
pub async fn save_retention(State(s): State<AppState>, page: Page, Form(f): Form<RetentionInput>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let tr = page.tr;
    let rank = f.rank;
    let num = |v: &str| -> Result<Option<u32>, ()> {
        let v = v.trim();
        if v.is_empty() {
            Ok(None)
        } else {
            v.parse::<u32>().map(Some).map_err(|_| ())
        }
    };
    let parsed = (|| {
        Ok::<_, ()>(suveren_domain::classification::Retention {
            file_min_days: num(&f.file_min_days)?,
            file_max_days: num(&f.file_max_days)?,
            version_max_days: num(&f.version_max_days)?,
            trash_days: num(&f.trash_days)?,
        })
    })();
    let Ok(retention) = parsed else {
        let e = ServiceError::invalid(tr.get("tenant-bad-days"));
        return refuse(&s, &page, e, |t| Refusal::Retention(rank, t, f)).await;
    };
    let res = save_scheme(&s, &page, Some(rank), |scheme| {
        let l = &mut scheme.levels[usize::from(rank)];
        l.retention = (retention != Default::default()).then_some(retention);
        Ok(())
    })
    .await;
    match res {
        Ok(()) => redirect("/admin/policy?ok=retention#retention"),
        Err(e) => refuse(&s, &page, e, |t| Refusal::Retention(rank, t, f)).await,
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /admin/policy/keys/rotate`: starts an online KEK rotation.
pub async fn rotate(State(s): State<AppState>, page: Page, Form(f): Form<CsrfOnly>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    match s.app.start_key_rotation(&page.ctx, &tenant_of(&page)).await {
        Ok(_) => redirect("/admin/policy?ok=rotation#keys"),
        Err(e) => refuse(&s, &page, e, |t| Refusal::Section("keys", t)).await,
    }
}

#[derive(Deserialize)]
pub struct ProviderInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    passphrase: String,
    #[serde(default)]
    passphrase_confirm: String,
}

/// `POST /admin/policy/keys/provider`: moves the KEK to another provider;
/// a passphrase is typed twice.
pub async fn set_provider(State(s): State<AppState>, page: Page, Form(f): Form<ProviderInput>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let tr = page.tr;
    let Some(kind) = ProviderKind::parse(&f.provider) else {
        let e = ServiceError::invalid(tr.get("tenant-bad-choice"));
        return refuse(&s, &page, e, |t| Refusal::Section("keys", t)).await;
    };
    let passphrase = if kind == ProviderKind::Passphrase {
        if f.passphrase != f.passphrase_confirm {
            let e = ServiceError::invalid(tr.get("tenant-passphrase-mismatch"));
            return refuse(&s, &page, e, |t| Refusal::Section("keys", t)).await;
        }
        Some(f.passphrase.as_str())
    } else {
        None
    };
    match s.app.set_key_provider(&page.ctx, &tenant_of(&page), kind, passphrase).await {
        Ok(_) => redirect("/admin/policy?ok=provider#keys"),
        Err(e) => refuse(&s, &page, e, |t| Refusal::Section("keys", t)).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_named() {
        let name = |c: &str| {
            let (r, g, b) = hex_rgb(c).unwrap();
            colour_key(r, g, b)
        };
        assert_eq!(name("#2e7d32"), "green");
        assert_eq!(name("#f9a825"), "yellow");
        assert_eq!(name("#ef6c00"), "orange");
        assert_eq!(name("#c62828"), "red");
        assert_eq!(name("#1565c0"), "blue");
        assert_eq!(name("#000000"), "black");
        assert_eq!(name("#ffffff"), "white");
        assert_eq!(name("#808080"), "grey");
        assert!(hex_rgb("red; x").is_none() && hex_rgb("#12345").is_none());
    }
}
