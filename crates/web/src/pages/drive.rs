//! Drive pages: the caller's drives, folders with their classification
//! banner, download, upload (multipart without JavaScript; `app.js` adds
//! drag and drop with per-file progress over the REST API), new folder,
//! rename, move and copy, classification (raise; lower for owners), trash
//! (restore, delete for good and empty, each behind a confirmation page),
//! versions, "shared with me", "shared by me", search and the share dialog
//! with the item's shares and links and their revocation. Every action is
//! the drive-service call the REST API makes; the gate decides and its
//! refusals are shown inline with their reason.

use crate::extract::{Form, Multipart, Path, Query};
use askama::Template;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use futures_util::TryStreamExt;
use serde::Deserialize;
use suveren_api::AppState;
use suveren_domain::{ExternalSharing, MailOutside};
use suveren_policy::Action;
use suveren_service::drive::{Drive, DriveKind, DriveSel, NewShare, Place, ShareView, TransferOpts, WriteOpts};
use suveren_service::{Ctx, ServiceError, Snapshot};
use suveren_store::drive::{Node, TrashEntry};

use super::{redirect, render, service_error, url_encode, Chrome};
use crate::i18n::{Arg, Tr};
use crate::Page;

// ---------------------------------------------------------------- helpers

fn ctx_as(page: &Page, action: Action) -> Ctx {
    Ctx { action, ..page.ctx.clone() }
}

fn folder_href(drive: &str, path: &str) -> String {
    if path == "/" {
        format!("/drive/{}", url_encode(drive))
    } else {
        format!("/drive/{}?path={}", url_encode(drive), url_encode(path))
    }
}

fn file_href(drive: &str, path: &str) -> String {
    format!("/drive/{}/file?path={}", url_encode(drive), url_encode(path))
}

fn sub_href(drive: &str, what: &str, path: &str) -> String {
    format!("/drive/{}/{what}?path={}", url_encode(drive), url_encode(path))
}

fn parent_of(path: &str) -> &str {
    suveren_store::drive::parent_of(path)
}

fn join(folder: &str, name: &str) -> String {
    if folder == "/" || folder.is_empty() {
        format!("/{name}")
    } else {
        format!("{}/{name}", folder.trim_end_matches('/'))
    }
}

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn clean(path: Option<&str>) -> String {
    suveren_service::drive::clean_path(path.unwrap_or("/")).unwrap_or_else(|_| "/".into())
}

fn level_name(snap: &Snapshot, tenant: &str, rank: u8) -> String {
    snap.dir
        .tenants
        .get(tenant)
        .and_then(|t| t.scheme.level(rank))
        .map(|l| l.name.clone())
        .unwrap_or_else(|| rank.to_string())
}

/// The reason of a refusal or failure, as a sentence for the page.
fn reason(tr: Tr, e: &ServiceError) -> String {
    use suveren_store::drive::DriveConflict as C;
    match e {
        ServiceError::Denied(d) => tr.denial(d),
        ServiceError::NotFound => tr.get("error-not-found"),
        ServiceError::Drive(C::TenantQuota { tenant, quota, needed, available }) => tr.args(
            "drive-err-tenant-quota",
            &[
                ("tenant", Arg::S(tenant.clone())),
                ("quota", Arg::S(tr.bytes(*quota))),
                ("needed", Arg::S(tr.bytes(*needed))),
                ("available", Arg::S(tr.bytes(*available))),
            ],
        ),
        ServiceError::Drive(c) => tr.conflict(c),
        ServiceError::Invalid(m)
        | ServiceError::Conflict(m)
        | ServiceError::Unavailable(m)
        | ServiceError::Unauthenticated(m) => tr.said(m),
        other => {
            tracing::error!(error = %other, "drive page");
            tr.get("error-title")
        }
    }
}

fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Denied(_) => StatusCode::FORBIDDEN,
        ServiceError::NotFound => StatusCode::NOT_FOUND,
        ServiceError::Drive(_) | ServiceError::Conflict(_) => StatusCode::CONFLICT,
        ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

fn with_status(mut r: Response, status: StatusCode) -> Response {
    *r.status_mut() = status;
    r
}

/// Messages after a successful form, by translation id (nothing else is
/// taken from the query string).
fn done_message(tr: Tr, done: Option<&str>) -> Option<String> {
    let id = match done? {
        "uploaded" => "drive-done-uploaded",
        "folder" => "drive-done-folder",
        "deleted" => "drive-done-deleted",
        "moved" => "drive-done-moved",
        "restored" => "drive-done-restored",
        "version" => "drive-done-version",
        "copied" => "drive-done-copied",
        "level" => "drive-done-level",
        "purged" => "drive-done-purged",
        "emptied" => "drive-done-emptied",
        "revoked" => "drive-done-revoked",
        _ => return None,
    };
    Some(tr.get(id))
}

// ---------------------------------------------------------------- banner

/// The classification banner: the level's name and one plain sentence of
/// what it allows, composed from the level's attributes.
pub struct Banner {
    pub rank: u8,
    pub text: String,
    pub hint: Option<String>,
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub fn banner(tr: Tr, snap: &Snapshot, d: &Drive, rank: u8) -> Banner {
    let tenant = snap.dir.tenants.get(&d.tenant);
    let org = tenant.map(|t| t.name.clone()).unwrap_or_default();
    let Some(level) = tenant.and_then(|t| t.scheme.level(rank)) else {
        return Banner { rank, text: rank.to_string(), hint: None };
    };
    let who = match d.kind {
        DriveKind::Personal => tr.get("drive-who-personal"),
        DriveKind::Team => {
            let names: Vec<String> = d
                .members
                .iter()
                .filter_map(|m| match (&m.principal, &m.group) {
                    (Some(p), _) => snap.dir.principals.get(p).map(|p| p.name.clone()),
                    (None, Some(g)) => snap.dir.groups.get(g).map(|g| g.name.clone()),
                    _ => None,
                })
                .collect();
            if names.is_empty() {
                tr.get("drive-who-team-none")
            } else {
                tr.args("drive-who-team", &[("members", Arg::S(names.join(", ")))])
            }
        }
    };
    let rules = level_rules(tr, level, &org);
    let text = tr.args(
        "drive-banner",
        &[("level", Arg::S(level.name.clone())), ("who", Arg::S(who)), ("rules", Arg::S(capitalise(&rules)))],
    );
    Banner { rank, text, hint: level.mfa.then(|| tr.get("drive-banner-mfa")) }
}

/// What a level allows, as one phrase list ("no sharing outside X, no
/// links, ..."), composed from the level's settings.
fn level_rules(tr: Tr, level: &suveren_domain::Level, org: &str) -> String {
    let o = [("org", Arg::S(org.to_string()))];
    let mut rules = vec![match level.external_sharing {
        ExternalSharing::Any => tr.args("drive-rule-share-any", &o),
        ExternalSharing::FederatedOnly => tr.args("drive-rule-share-federated", &o),
        ExternalSharing::None => tr.args("drive-rule-share-none", &o),
    }];
    if level.external_sharing != ExternalSharing::None {
        rules.push(tr.get(if level.guests { "drive-rule-guests" } else { "drive-rule-no-guests" }));
    }
    rules.push(tr.get(if level.public_links { "drive-rule-links" } else { "drive-rule-no-links" }));
    rules.push(tr.get(match level.mail_outside {
        MailOutside::Allow => "drive-rule-mail",
        MailOutside::WarnConfirm => "drive-rule-mail-warn",
        MailOutside::Block => "drive-rule-no-mail",
    }));
    rules.join(", ")
}

// ---------------------------------------------------------------- drives

pub struct DriveRow {
    pub href: String,
    pub name: String,
    pub kind: String,
    pub level: String,
    pub role: String,
}

#[derive(Template)]
#[template(path = "drive_index.html")]
struct DrivesPage {
    c: Chrome,
    drives: Vec<DriveRow>,
}

fn role_name(tr: Tr, r: suveren_policy::AccessRole) -> String {
    tr.get(match r {
        suveren_policy::AccessRole::Owner => "drive-role-owner",
        suveren_policy::AccessRole::Editor => "drive-role-editor",
        _ => "drive-role-viewer",
    })
}

/// `GET /drive`: the caller's drives with their level.
pub async fn index(State(s): State<AppState>, page: Page) -> Response {
    let tr = page.tr;
    let list = match s.app.my_drives(&page.ctx).await {
        Ok(l) => l,
        Err(e) => return service_error(tr, e),
    };
    let snap = s.app.snapshot();
    let drives = list
        .into_iter()
        .map(|(d, role)| DriveRow {
            href: folder_href(&d.id, "/"),
            name: match d.kind {
                DriveKind::Personal => tr.get("drive-personal"),
                DriveKind::Team => d.name.clone(),
            },
            kind: tr.get(match d.kind {
                DriveKind::Personal => "drive-kind-personal",
                DriveKind::Team => "drive-kind-team",
            }),
            level: level_name(&snap, &d.tenant, d.level),
            role: role_name(tr, role),
        })
        .collect();
    render(&DrivesPage { c: Chrome::new(&page, tr.get("drive-title"), "/drive"), drives })
}

// ---------------------------------------------------------------- folder

#[derive(Deserialize, Default)]
pub struct FolderQ {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

pub struct Crumb {
    pub href: String,
    pub name: String,
}

pub struct Row {
    pub name: String,
    pub href: String,
    pub dir: bool,
    pub size: String,
    pub modified: String,
    pub level: Option<String>,
    pub manage: String,
}

/// From this size on the browser uploads in resumable pieces (tus), so a
/// dropped connection on a school network costs one piece, not the file.
const RESUMABLE_FROM: u64 = 8 << 20;

#[derive(Template)]
#[template(path = "drive_folder.html")]
struct FolderPage {
    c: Chrome,
    banner: Banner,
    crumbs: Vec<Crumb>,
    rows: Vec<Row>,
    drive: String,
    path: String,
    done: Option<String>,
    error: Option<String>,
    api: String,
    /// Files at least this large go through the resumable (tus) upload.
    resumable_from: u64,
    trash: String,
}

fn drive_title(tr: Tr, d: &Drive) -> String {
    match d.kind {
        DriveKind::Personal => tr.get("drive-personal"),
        DriveKind::Team => d.name.clone(),
    }
}

fn crumbs(tr: Tr, d: &Drive, path: &str) -> Vec<Crumb> {
    let mut out = vec![Crumb { href: folder_href(&d.id, "/"), name: drive_title(tr, d) }];
    let mut cur = String::new();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        cur = format!("{cur}/{seg}");
        out.push(Crumb { href: folder_href(&d.id, &cur), name: seg.to_string() });
    }
    out
}

async fn place_of(s: &AppState, ctx: &Ctx, drive: &str) -> Result<Place, ServiceError> {
    s.app.place(ctx, DriveSel::Id(drive)).await
}

/// Renders a folder, with a message after a form (success or refusal).
async fn folder_view(
    s: &AppState,
    page: &Page,
    place: &Place,
    path: &str,
    done: Option<String>,
    error: Option<String>,
) -> Response {
    let tr = page.tr;
    let ctx = ctx_as(page, Action::ContentList);
    let (me, children) = match s.app.list(&ctx, place, path).await {
        Ok(l) => l,
        Err(e) => return service_error(tr, e),
    };
    let d = &place.drive;
    if !me.dir {
        return redirect(&sub_href(&d.id, "item", &me.path));
    }
    let snap = s.app.snapshot();
    let rows = children
        .iter()
        .map(|n: &Node| Row {
            name: n.name.clone(),
            href: if n.dir { folder_href(&d.id, &n.path) } else { file_href(&d.id, &n.path) },
            dir: n.dir,
            size: if n.dir { String::new() } else { tr.bytes(n.size) },
            modified: tr.datetime(n.modified),
            level: (n.level > me.level).then(|| level_name(&snap, &d.tenant, n.level)),
            manage: sub_href(&d.id, "item", &n.path),
        })
        .collect();
    let title = if me.path == "/" { drive_title(tr, d) } else { me.name.clone() };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    with_status(
        render(&FolderPage {
            c: Chrome::new(page, title, "/drive"),
            banner: banner(tr, &snap, d, me.level),
            crumbs: crumbs(tr, d, &me.path),
            rows,
            drive: d.id.clone(),
            path: me.path.clone(),
            done,
            error,
            api: format!("/api/v1/drives/{}/content", url_encode(&d.id)),
            resumable_from: RESUMABLE_FROM,
            trash: format!("/drive/{}/trash", url_encode(&d.id)),
        }),
        status,
    )
}

/// `GET /drive/{drive}?path=/x`: a folder with its banner.
pub async fn folder(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Query(q): Query<FolderQ>,
) -> Response {
    let place = match place_of(&s, &page.ctx, &drive).await {
        Ok(p) => p,
        Err(e) => return service_error(page.tr, e),
    };
    let done = done_message(page.tr, q.done.as_deref());
    folder_view(&s, &page, &place, &clean(q.path.as_deref()), done, None).await
}

/// Renders the folder with a refusal, or a plain error page when even the
/// folder cannot be shown.
async fn refused(s: &AppState, page: &Page, drive: &str, folder: &str, e: ServiceError) -> Response {
    let msg = reason(page.tr, &e);
    let status = status_of(&e);
    match place_of(s, &page.ctx, drive).await {
        Ok(place) => with_status(folder_view(s, page, &place, folder, None, Some(msg)).await, status),
        Err(e) => service_error(page.tr, e),
    }
}

// ---------------------------------------------------------------- download

#[derive(Deserialize, Default)]
pub struct PathQ {
    #[serde(default)]
    path: Option<String>,
}

fn disposition(name: &str) -> HeaderValue {
    const SET: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let enc = percent_encoding::utf8_percent_encode(name, SET);
    HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{enc}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// `GET /drive/{drive}/file?path=`: the file as a download, streamed.
pub async fn download(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Query(q): Query<PathQ>,
) -> Response {
    let tr = page.tr;
    let path = clean(q.path.as_deref());
    let place = match place_of(&s, &page.ctx, &drive).await {
        Ok(p) => p,
        Err(e) => return service_error(tr, e),
    };
    let r = match s.app.read(&page.ctx, &place, &path, None).await {
        Ok(r) => r,
        Err(e) => return service_error(tr, e),
    };
    let mut res = Response::new(Body::from_stream(r.body.map_err(|e| std::io::Error::other(e.to_string()))));
    let h = res.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(r.len));
    let ct = r.node.mime.clone().unwrap_or_else(|| "application/octet-stream".into());
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&ct).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CONTENT_DISPOSITION, disposition(&r.node.name));
    res
}

// ---------------------------------------------------------------- upload

/// `POST /drive/{drive}/upload`: multipart form (`csrf` first, then `path`,
/// then one or more `file` parts), each file streamed into the drive.
pub async fn upload(State(s): State<AppState>, page: Page, Path(drive): Path<String>, mut mp: Multipart) -> Response {
    let tr = page.tr;
    let token = match mp.next_field().await {
        Ok(Some(f)) if f.name() == Some("csrf") => f.text().await.unwrap_or_default(),
        _ => String::new(),
    };
    if let Some(r) = crate::check_csrf(&page, &token) {
        return r;
    }
    let place = match place_of(&s, &page.ctx, &drive).await {
        Ok(p) => p,
        Err(e) => return service_error(tr, e),
    };
    let mut folder = "/".to_string();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                let e = ServiceError::invalid(tr.get("drive-err-upload-broken"));
                return refused(&s, &page, &drive, &folder, e).await;
            }
        };
        let part = field.name().map(str::to_string);
        match part.as_deref() {
            Some("path") => folder = clean(field.text().await.ok().as_deref()),
            Some("file") => {
                let name = field.file_name().map(|n| base_name(n).to_string()).unwrap_or_default();
                if name.is_empty() {
                    continue;
                }
                let target = join(&folder, &name);
                let mime = field.content_type().map(str::to_string);
                let mut reader = tokio_util::io::StreamReader::new(Box::pin(field.map_err(std::io::Error::other)));
                let opts = WriteOpts { mime, ..Default::default() };
                if let Err(e) = s.app.write(&page.ctx, &place, &target, &mut reader, opts).await {
                    let e = match e {
                        ServiceError::Denied(_) | ServiceError::NotFound => e,
                        other => ServiceError::Conflict(tr.args(
                            "drive-err-file",
                            &[("name", Arg::S(name.clone())), ("reason", Arg::S(reason(tr, &other)))],
                        )),
                    };
                    return refused(&s, &page, &drive, &folder, e).await;
                }
            }
            _ => {}
        }
    }
    redirect(&format!("{}{}done=uploaded", folder_href(&drive, &folder), if folder == "/" { "?" } else { "&" }))
}

fn done_redirect(drive: &str, folder: &str, what: &str) -> Response {
    redirect(&format!("{}{}done={what}", folder_href(drive, folder), if folder == "/" { "?" } else { "&" }))
}

// ---------------------------------------------------------------- new folder, delete, move

#[derive(Deserialize)]
pub struct MkdirForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    name: String,
}

/// `POST /drive/{drive}/mkdir`.
pub async fn mkdir(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Form(f): Form<MkdirForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let folder = clean(Some(&f.path));
    let res = async {
        let place = place_of(&s, &page.ctx, &drive).await?;
        suveren_service::drive::check_name(f.name.trim())?;
        s.app.mkdir(&page.ctx, &place, &join(&folder, f.name.trim())).await
    }
    .await;
    match res {
        Ok(_) => done_redirect(&drive, &folder, "folder"),
        Err(e) => refused(&s, &page, &drive, &folder, e).await,
    }
}

#[derive(Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    path: String,
    /// Rename: the new name; copy: the copy's name.
    #[serde(default)]
    name: String,
    /// Move and copy: the destination folder.
    #[serde(default)]
    dest: String,
    /// Move and copy: another drive of the same organisation.
    #[serde(default)]
    to_drive: Option<String>,
    /// Move and copy: lower the content to the destination folder's level
    /// (owners; the gate decides).
    #[serde(default)]
    declassify: Option<String>,
}

/// `POST /drive/{drive}/delete`: to the trash.
pub async fn delete(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Form(f): Form<ItemForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let path = clean(Some(&f.path));
    let res = async {
        let place = place_of(&s, &page.ctx, &drive).await?;
        s.app.delete(&page.ctx, &place, &path).await
    }
    .await;
    match res {
        Ok(_) => done_redirect(&drive, parent_of(&path), "deleted"),
        Err(e) => item_view(&s, &page, &drive, &path, None, Some(reason(page.tr, &e)), status_of(&e)).await,
    }
}

/// Moves or copies `f.path` as the REST API's `move` and `copy` do (one
/// `App::transfer`): into `dest` (of `to_drive` when given) under `name`.
async fn transfer_form(s: &AppState, page: &Page, drive: &str, f: &ItemForm, copy: bool) -> Response {
    let path = clean(Some(&f.path));
    let name = if f.name.trim().is_empty() { base_name(&path).to_string() } else { f.name.trim().to_string() };
    let to_drive = f.to_drive.as_deref().map(str::trim).filter(|d| !d.is_empty()).unwrap_or(drive).to_string();
    let to = join(&clean(Some(&f.dest)), &name);
    let opts = TransferOpts { copy, overwrite: false, declassify: f.declassify.is_some() };
    let res = async {
        suveren_service::drive::check_name(&name)?;
        let src = place_of(s, &page.ctx, drive).await?;
        let dst = if to_drive == drive { src.clone() } else { place_of(s, &page.ctx, &to_drive).await? };
        s.app.transfer(&page.ctx, &src, &path, &dst, &to, opts).await
    }
    .await;
    match res {
        Ok(done) => done_redirect(&to_drive, parent_of(&done.node.path), if copy { "copied" } else { "moved" }),
        Err(e) => item_view(s, page, drive, &path, None, Some(reason(page.tr, &e)), status_of(&e)).await,
    }
}

/// `POST /drive/{drive}/move`: rename (`name`) or move into `dest`.
pub async fn move_item(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Form(mut f): Form<ItemForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    if !f.name.trim().is_empty() {
        // A rename: the same folder, a new name.
        f.dest = parent_of(&clean(Some(&f.path))).to_string();
        f.to_drive = None;
    }
    transfer_form(&s, &page, &drive, &f, false).await
}

/// `POST /drive/{drive}/copy`: a copy into `dest` (of `to_drive`), named
/// `name` (the same name when empty).
pub async fn copy_item(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Form(f): Form<ItemForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    transfer_form(&s, &page, &drive, &f, true).await
}

#[derive(Deserialize)]
pub struct LevelForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    level: String,
}

/// `POST /drive/{drive}/level`: raises an item's classification (anyone
/// who may edit it) or lowers it (owners, never below its folder), as
/// `PUT /api/v1/drives/{drive}/level`.
pub async fn set_level(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Form(f): Form<LevelForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let path = clean(Some(&f.path));
    let Ok(level) = f.level.trim().parse::<u8>() else {
        let msg = page.tr.get("drive-err-level");
        return item_view(&s, &page, &drive, &path, None, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let res = async {
        let place = place_of(&s, &page.ctx, &drive).await?;
        s.app.set_level(&page.ctx, &place, &path, level).await
    }
    .await;
    match res {
        Ok(_) => redirect(&format!("{}&done=level", sub_href(&drive, "item", &path))),
        Err(e) => item_view(&s, &page, &drive, &path, None, Some(reason(page.tr, &e)), status_of(&e)).await,
    }
}

// ---------------------------------------------------------------- item

/// One level of the organisation's scheme, as a choice on the item page.
pub struct LevelChoice {
    pub rank: u8,
    pub name: String,
    /// What the level allows, in words.
    pub rules: String,
    pub current: bool,
}

/// A drive a copy or move may go to.
pub struct DriveChoice {
    pub id: String,
    pub name: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "drive_item.html")]
struct ItemPage {
    c: Chrome,
    banner: Banner,
    crumbs: Vec<Crumb>,
    drive: String,
    path: String,
    name: String,
    dir: bool,
    size: String,
    modified: String,
    open: String,
    versions: String,
    share: String,
    done: Option<String>,
    error: Option<String>,
    /// The item's level by name.
    level: String,
    levels: Vec<LevelChoice>,
    /// Where copies and moves may go (the caller's drives of the same
    /// organisation, this one first); a choice only when more than one.
    targets: Vec<DriveChoice>,
    /// The folder holding the item (the copy's default destination).
    parent: String,
    /// A suggested name for a copy.
    copy_name: String,
}

/// "Plan (copy).txt": the suggested name of a copy.
fn copy_name(tr: Tr, name: &str, dir: bool) -> String {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if !dir && i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    format!("{}{ext}", tr.args("drive-copy-name", &[("name", Arg::S(stem.to_string()))]))
}

async fn item_view(
    s: &AppState,
    page: &Page,
    drive: &str,
    path: &str,
    done: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let tr = page.tr;
    let ctx = ctx_as(page, Action::ContentList);
    let (place, node) = match async {
        let place = place_of(s, &ctx, drive).await?;
        let node = s.app.stat(&ctx, &place, path).await?;
        Ok::<_, ServiceError>((place, node))
    }
    .await
    {
        Ok(x) => x,
        Err(e) => return service_error(tr, e),
    };
    let snap = s.app.snapshot();
    let d = &place.drive;
    let mut cr = crumbs(tr, d, parent_of(&node.path));
    if node.path == "/" {
        cr.truncate(1);
    }
    let tenant = snap.dir.tenants.get(&d.tenant);
    let org = tenant.map(|t| t.name.clone()).unwrap_or_default();
    let levels = tenant
        .map(|t| {
            t.scheme
                .levels
                .iter()
                .map(|l| LevelChoice {
                    rank: l.rank,
                    name: l.name.clone(),
                    rules: capitalise(&level_rules(tr, l, &org)),
                    current: l.rank == node.level,
                })
                .collect()
        })
        .unwrap_or_default();
    let mut targets = vec![DriveChoice { id: d.id.clone(), name: drive_title(tr, d), current: true }];
    if let Ok(mine) = s.app.my_drives(&page.ctx).await {
        for (o, role) in mine {
            if o.id != d.id && o.tenant == d.tenant && role != suveren_policy::AccessRole::Viewer {
                targets.push(DriveChoice { id: o.id.clone(), name: drive_title(tr, &o), current: false });
            }
        }
    }
    with_status(
        render(&ItemPage {
            c: Chrome::new(page, if node.path == "/" { drive_title(tr, d) } else { node.name.clone() }, "/drive"),
            banner: banner(tr, &snap, d, node.level),
            crumbs: cr,
            drive: d.id.clone(),
            path: node.path.clone(),
            name: node.name.clone(),
            dir: node.dir,
            size: tr.bytes(node.size),
            modified: tr.datetime(node.modified),
            open: if node.dir { folder_href(&d.id, &node.path) } else { file_href(&d.id, &node.path) },
            versions: sub_href(&d.id, "versions", &node.path),
            share: sub_href(&d.id, "share", &node.path),
            done,
            error,
            level: level_name(&snap, &d.tenant, node.level),
            levels,
            targets,
            parent: parent_of(&node.path).to_string(),
            copy_name: copy_name(tr, &node.name, node.dir),
        }),
        status,
    )
}

/// `GET /drive/{drive}/item?path=`: one item with rename, move, copy,
/// classification, delete, versions and share.
pub async fn item(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Query(q): Query<PathDoneQ>,
) -> Response {
    let path = clean(q.path.as_deref());
    let done = done_message(page.tr, q.done.as_deref());
    item_view(&s, &page, &drive, &path, done, None, StatusCode::OK).await
}

// ---------------------------------------------------------------- trash

pub struct TrashRow {
    pub id: String,
    pub path: String,
    pub deleted: String,
    pub by: String,
    pub size: String,
    /// The confirmation page for deleting it for good.
    pub confirm: String,
}

/// An entry the trash could not let go of, and why.
pub struct KeptLine {
    pub path: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "drive_trash.html")]
struct TrashPage {
    c: Chrome,
    banner: Banner,
    drive: String,
    back: String,
    rows: Vec<TrashRow>,
    /// The confirmation page for emptying the trash.
    empty: String,
    done: Option<String>,
    error: Option<String>,
    kept: Vec<KeptLine>,
}

#[derive(Deserialize, Default)]
pub struct DoneQ {
    #[serde(default)]
    done: Option<String>,
}

fn trash_href(drive: &str) -> String {
    format!("/drive/{}/trash", url_encode(drive))
}

fn trash_rows(tr: Tr, drive: &str, list: Vec<TrashEntry>) -> Vec<TrashRow> {
    list.into_iter()
        .map(|e| TrashRow {
            confirm: format!("{}/confirm?id={}", trash_href(drive), url_encode(&e.id)),
            id: e.id,
            path: e.path,
            deleted: tr.datetime(e.deleted),
            by: e.by,
            size: if e.dir { String::new() } else { tr.bytes(e.size) },
        })
        .collect()
}

/// What a trash page shows besides the list: a message after a form, a
/// refusal, and the entries kept by a hold or a minimum retention.
#[derive(Default)]
struct TrashNote {
    done: Option<String>,
    error: Option<String>,
    kept: Vec<KeptLine>,
    status: Option<StatusCode>,
}

async fn trash_view(s: &AppState, page: &Page, drive: &str, note: TrashNote) -> Response {
    let tr = page.tr;
    let ctx = ctx_as(page, Action::ContentList);
    let (place, list) = match async {
        let place = place_of(s, &ctx, drive).await?;
        let list = s.app.trash_list(&ctx, &place).await?;
        Ok::<_, ServiceError>((place, list))
    }
    .await
    {
        Ok(x) => x,
        Err(e) => return service_error(tr, e),
    };
    let snap = s.app.snapshot();
    let d = &place.drive;
    let status = note.status.unwrap_or(if note.error.is_some() { StatusCode::CONFLICT } else { StatusCode::OK });
    with_status(
        render(&TrashPage {
            c: Chrome::new(page, tr.args("drive-trash-title", &[("drive", Arg::S(drive_title(tr, d)))]), "/drive"),
            banner: banner(tr, &snap, d, d.level),
            drive: d.id.clone(),
            back: folder_href(&d.id, "/"),
            rows: trash_rows(tr, &d.id, list),
            empty: format!("{}/confirm?all=1", trash_href(&d.id)),
            done: note.done,
            error: note.error,
            kept: note.kept,
        }),
        status,
    )
}

/// `GET /drive/{drive}/trash`.
pub async fn trash(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Query(q): Query<DoneQ>,
) -> Response {
    let done = done_message(page.tr, q.done.as_deref());
    trash_view(&s, &page, &drive, TrashNote { done, ..Default::default() }).await
}

#[derive(Deserialize)]
pub struct RestoreForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
}

/// `POST /drive/{drive}/trash/restore`.
pub async fn restore(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Form(f): Form<RestoreForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let res = async {
        let place = place_of(&s, &page.ctx, &drive).await?;
        s.app.restore(&page.ctx, &place, &f.id).await
    }
    .await;
    match res {
        Ok(_) => redirect(&format!("{}?done=restored", trash_href(&drive))),
        Err(e) => {
            let note = TrashNote { error: Some(reason(page.tr, &e)), ..Default::default() };
            trash_view(&s, &page, &drive, note).await
        }
    }
}

#[derive(Template)]
#[template(path = "drive_trash_confirm.html")]
struct PurgePage {
    c: Chrome,
    banner: Banner,
    drive: String,
    back: String,
    /// Empty the whole trash (else: the one entry in `rows`).
    all: bool,
    rows: Vec<TrashRow>,
    /// "3 items, 1.2 MB in all".
    total: String,
}

#[derive(Deserialize, Default)]
pub struct ConfirmQ {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    all: Option<String>,
}

/// `GET /drive/{drive}/trash/confirm?id=` (one entry) or `?all=1` (the
/// whole trash): what would be deleted for good, and the button that does
/// it. The confirmation step before anything is lost.
pub async fn purge_confirm(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Query(q): Query<ConfirmQ>,
) -> Response {
    let tr = page.tr;
    let ctx = ctx_as(&page, Action::ContentList);
    let (place, list) = match async {
        let place = place_of(&s, &ctx, &drive).await?;
        let list = s.app.trash_list(&ctx, &place).await?;
        Ok::<_, ServiceError>((place, list))
    }
    .await
    {
        Ok(x) => x,
        Err(e) => return service_error(tr, e),
    };
    let all = q.all.is_some() || q.id.is_none();
    let list: Vec<TrashEntry> = match (&q.id, all) {
        (Some(id), false) => match list.into_iter().find(|e| &e.id == id) {
            Some(e) => vec![e],
            None => return service_error(tr, ServiceError::NotFound),
        },
        _ => list,
    };
    let bytes: u64 = list.iter().filter(|e| !e.dir).map(|e| e.size).sum();
    let total =
        tr.args("drive-purge-total", &[("count", Arg::N(list.len() as f64)), ("size", Arg::S(tr.bytes(bytes)))]);
    let d = &place.drive;
    let title = if all {
        tr.args("drive-empty-title", &[("drive", Arg::S(drive_title(tr, d)))])
    } else {
        tr.args("drive-purge-title", &[("name", Arg::S(base_name(&list[0].path).to_string()))])
    };
    let snap = s.app.snapshot();
    render(&PurgePage {
        c: Chrome::new(&page, title, "/drive"),
        banner: banner(tr, &snap, d, d.level),
        drive: d.id.clone(),
        back: trash_href(&d.id),
        all,
        rows: trash_rows(tr, &d.id, list),
        total,
    })
}

/// `POST /drive/{drive}/trash/purge`: one entry for good, as
/// `DELETE /api/v1/drives/{drive}/trash/{id}`; a legal hold or a minimum
/// retention refuses with its reason.
pub async fn purge(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Form(f): Form<RestoreForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let res = async {
        let place = place_of(&s, &page.ctx, &drive).await?;
        s.app.purge(&page.ctx, &place, &f.id).await
    }
    .await;
    match res {
        Ok(()) => redirect(&format!("{}?done=purged", trash_href(&drive))),
        Err(e) => {
            let note =
                TrashNote { error: Some(reason(page.tr, &e)), status: Some(status_of(&e)), ..Default::default() };
            trash_view(&s, &page, &drive, note).await
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /drive/{drive}/trash/empty`: every entry for good, one purge each
/// (the same call as the REST API's per entry). What a hold or a minimum
/// retention keeps stays, listed with its reason; any other refusal stops.
pub async fn empty_trash(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let tr = page.tr;
    let (place, list) = match async {
        let place = place_of(&s, &page.ctx, &drive).await?;
        let list = s.app.trash_list(&ctx_as(&page, Action::ContentList), &place).await?;
        Ok::<_, ServiceError>((place, list))
    }
    .await
    {
        Ok(x) => x,
        Err(e) => return service_error(tr, e),
    };
    let mut purged = 0u64;
    let mut kept = Vec::new();
    let mut stop = None;
    for e in list {
        match s.app.purge(&page.ctx, &place, &e.id).await {
            Ok(()) => purged += 1,
            // Gone meanwhile (restored or purged by someone else).
            Err(ServiceError::NotFound) => {}
            Err(ServiceError::Denied(d)) if d.rule == suveren_policy::Rule::Retention => {
                kept.push(KeptLine { path: e.path, reason: tr.denial(&d) })
            }
            Err(other) => {
                stop = Some(other);
                break;
            }
        }
    }
    if kept.is_empty() && stop.is_none() {
        return redirect(&format!("{}?done=emptied", trash_href(&drive)));
    }
    let done = (purged > 0).then(|| tr.args("drive-empty-partly", &[("count", Arg::N(purged as f64))]));
    let (error, status) = match stop {
        Some(e) => (reason(tr, &e), status_of(&e)),
        None => (tr.args("drive-empty-kept", &[("count", Arg::N(kept.len() as f64))]), StatusCode::CONFLICT),
    };
    trash_view(&s, &page, &drive, TrashNote { done, error: Some(error), kept, status: Some(status) }).await
}

// ---------------------------------------------------------------- versions

pub struct VersionRow {
    pub id: i64,
    pub modified: String,
    pub replaced: String,
    pub size: String,
    pub author: String,
}

#[derive(Template)]
#[template(path = "drive_versions.html")]
struct VersionsPage {
    c: Chrome,
    banner: Banner,
    drive: String,
    path: String,
    back: String,
    current: String,
    rows: Vec<VersionRow>,
    done: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct PathDoneQ {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

async fn versions_view(
    s: &AppState,
    page: &Page,
    drive: &str,
    path: &str,
    done: Option<String>,
    error: Option<String>,
) -> Response {
    let tr = page.tr;
    let ctx = ctx_as(page, Action::ContentList);
    let (place, node, list) = match async {
        let place = place_of(s, &ctx, drive).await?;
        let (node, list) = s.app.versions(&ctx, &place, path).await?;
        Ok::<_, ServiceError>((place, node, list))
    }
    .await
    {
        Ok(x) => x,
        Err(e) => return service_error(tr, e),
    };
    let snap = s.app.snapshot();
    let d = &place.drive;
    let rows = list
        .into_iter()
        .map(|v| VersionRow {
            id: v.id,
            modified: tr.datetime(v.modified),
            replaced: tr.datetime(v.replaced),
            size: tr.bytes(v.size),
            author: v.author.unwrap_or_default(),
        })
        .collect();
    let status = if error.is_some() { StatusCode::CONFLICT } else { StatusCode::OK };
    with_status(
        render(&VersionsPage {
            c: Chrome::new(page, tr.args("drive-versions-title", &[("name", Arg::S(node.name.clone()))]), "/drive"),
            banner: banner(tr, &snap, d, node.level),
            drive: d.id.clone(),
            path: node.path.clone(),
            back: sub_href(&d.id, "item", &node.path),
            current: tr.args(
                "drive-versions-current",
                &[("modified", Arg::S(tr.datetime(node.modified))), ("size", Arg::S(tr.bytes(node.size)))],
            ),
            rows,
            done,
            error,
        }),
        status,
    )
}

/// `GET /drive/{drive}/versions?path=`.
pub async fn versions(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Query(q): Query<PathDoneQ>,
) -> Response {
    let done = done_message(page.tr, q.done.as_deref());
    versions_view(&s, &page, &drive, &clean(q.path.as_deref()), done, None).await
}

#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    version: i64,
}

/// `POST /drive/{drive}/versions/restore`.
pub async fn restore_version(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Form(f): Form<VersionForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let path = clean(Some(&f.path));
    let res = async {
        let place = place_of(&s, &page.ctx, &drive).await?;
        s.app.restore_version(&page.ctx, &place, &path, f.version).await
    }
    .await;
    match res {
        Ok(_) => redirect(&format!("{}&done=version", sub_href(&drive, "versions", &path))),
        Err(e) => versions_view(&s, &page, &drive, &path, None, Some(reason(page.tr, &e))).await,
    }
}

// ---------------------------------------------------------------- shared with me, search

pub struct HitRow {
    pub name: String,
    pub href: String,
    pub place: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "drive_list.html")]
struct ListPage {
    c: Chrome,
    search: bool,
    q: String,
    rows: Vec<HitRow>,
    empty: String,
}

/// `GET /drive/shared`: what others shared with the caller.
pub async fn shared(State(s): State<AppState>, page: Page) -> Response {
    let tr = page.tr;
    let list = match s.app.shared_with_me(&page.ctx).await {
        Ok(l) => l,
        Err(e) => return service_error(tr, e),
    };
    let rows = list
        .into_iter()
        .map(|(sh, n)| HitRow {
            name: n.name.clone(),
            href: if n.dir { folder_href(&n.drive, &n.path) } else { file_href(&n.drive, &n.path) },
            place: sh.drive_name.clone(),
            detail: tr.args(
                "drive-shared-by",
                &[
                    ("who", Arg::S(sh.created_by.clone())),
                    (
                        "role",
                        Arg::S(tr.get(if sh.role == "editor" { "drive-role-editor" } else { "drive-role-viewer" })),
                    ),
                ],
            ),
        })
        .collect();
    render(&ListPage {
        c: Chrome::new(&page, tr.get("drive-shared-title"), "/drive"),
        search: false,
        q: String::new(),
        rows,
        empty: tr.get("drive-shared-empty"),
    })
}

#[derive(Deserialize, Default)]
pub struct SearchQ {
    #[serde(default)]
    q: String,
}

/// `GET /drive/search?q=`: file names the caller may read.
pub async fn search(State(s): State<AppState>, page: Page, Query(q): Query<SearchQ>) -> Response {
    let tr = page.tr;
    let text = q.q.trim().to_string();
    let mut rows = Vec::new();
    if !text.is_empty() {
        match s.app.search_files(&page.ctx, &text, 50).await {
            Ok(hits) => {
                for h in hits {
                    rows.push(HitRow {
                        href: if h.dir { folder_href(&h.drive, &h.path) } else { file_href(&h.drive, &h.path) },
                        name: h.name,
                        place: format!("{} – {}", h.drive_name, h.path),
                        detail: if h.dir { String::new() } else { tr.bytes(h.size) },
                    });
                }
            }
            Err(e) => return service_error(tr, e),
        }
    }
    let empty = if text.is_empty() { String::new() } else { tr.get("drive-search-none") };
    render(&ListPage {
        c: Chrome::new(&page, tr.get("drive-search-title"), "/drive"),
        search: true,
        q: text,
        rows,
        empty,
    })
}

// ---------------------------------------------------------------- share dialog

pub struct Suggestion {
    pub login: String,
    pub label: String,
}

/// One share or link of an item, with what its revoke form needs.
pub struct ShareLine {
    pub id: String,
    /// Whom (a login or group) or "A link" (with "password" when it has one).
    pub target: String,
    pub role: String,
    pub expires: String,
    pub created_by: String,
    pub created: String,
    /// The revoke button's words, naming what it ends.
    pub revoke: String,
    /// The drive and path it shares (for the form).
    pub drive: String,
    pub path: String,
}

fn share_line(tr: Tr, v: &ShareView) -> ShareLine {
    let link = v.target_kind == "link";
    let target = if link {
        tr.get(if v.password { "drive-share-a-link-password" } else { "drive-share-a-link" })
    } else {
        v.target.clone()
    };
    ShareLine {
        id: v.id.clone(),
        revoke: if link {
            tr.args("drive-share-revoke-link", &[("created", Arg::S(tr.datetime(v.created)))])
        } else {
            tr.args("drive-share-revoke", &[("who", Arg::S(v.target.clone()))])
        },
        target,
        role: match v.role.as_str() {
            "editor" => tr.get("drive-role-editor"),
            "viewer" => tr.get("drive-role-viewer"),
            "upload" => tr.get("drive-link-upload"),
            _ => tr.get("drive-link-view"),
        },
        expires: match v.expires {
            Some(ms) => tr.datetime(ms),
            None => tr.get("drive-share-no-expiry"),
        },
        created_by: v.created_by.clone(),
        created: tr.datetime(v.created),
        drive: v.drive.clone(),
        path: v.path.clone(),
    }
}

/// The shares and links of one item the caller may see: all of the
/// drive's for its owners and editors (`drive_shares`, as
/// `GET /api/v1/drives/{drive}/shares`), and always the caller's own
/// (`my_shares`, as `GET /api/v1/me/shares`).
async fn item_shares(s: &AppState, page: &Page, place: &Place, path: &str) -> Vec<ShareView> {
    use suveren_policy::AccessRole as R;
    let mut all = Vec::new();
    if matches!(place.role, Some(R::Owner | R::Editor)) {
        if let Ok(v) = s.app.drive_shares(&ctx_as(page, Action::ContentShare), place).await {
            all = v;
        }
    }
    if let Ok(mine) = s.app.my_shares(&page.ctx).await {
        for v in mine {
            if !all.iter().any(|a| a.id == v.id) {
                all.push(v);
            }
        }
    }
    all.retain(|v| v.drive == place.drive.id && v.path == path);
    all.sort_by_key(|v| v.created);
    all
}

#[derive(Template)]
#[template(path = "drive_share.html")]
struct SharePage {
    c: Chrome,
    banner: Banner,
    crumbs: Vec<Crumb>,
    drive: String,
    path: String,
    dir: bool,
    q: String,
    suggestions: Vec<Suggestion>,
    searched: bool,
    me: String,
    shares: Vec<ShareLine>,
    ok: Option<String>,
    link: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ShareQ {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

struct Outcome {
    ok: Option<String>,
    link: Option<String>,
    error: Option<String>,
    status: StatusCode,
}

async fn share_view(s: &AppState, page: &Page, drive: &str, path: &str, q: &str, out: Outcome) -> Response {
    let tr = page.tr;
    let ctx = ctx_as(page, Action::ContentList);
    let (place, node) = match async {
        let place = place_of(s, &ctx, drive).await?;
        let node = s.app.stat(&ctx, &place, path).await?;
        Ok::<_, ServiceError>((place, node))
    }
    .await
    {
        Ok(x) => x,
        Err(e) => return service_error(tr, e),
    };
    let me = page.ctx.actor.login().to_string();
    let mut suggestions = Vec::new();
    let q = q.trim();
    if !q.is_empty() {
        // The directory's search: only people the caller may discover.
        match s.app.search(&ctx_as(page, Action::DirectorySearch), q, 10, None).await {
            Ok(p) => {
                for h in p.results.into_iter().filter(|h| h.login != me) {
                    let mut label = format!("{} ({})", h.name, h.login);
                    if let Some(u) = h.org_unit.as_deref().filter(|u| !u.is_empty()) {
                        label = format!("{label}, {u}");
                    }
                    suggestions.push(Suggestion { login: h.login, label });
                }
            }
            Err(e) => return service_error(tr, e),
        }
    }
    let shares = item_shares(s, page, &place, &node.path).await.iter().map(|v| share_line(tr, v)).collect();
    let snap = s.app.snapshot();
    let d = &place.drive;
    let mut cr = crumbs(tr, d, parent_of(&node.path));
    if node.path == "/" {
        cr.truncate(1);
    }
    let name = if node.path == "/" { drive_title(tr, d) } else { node.name.clone() };
    with_status(
        render(&SharePage {
            c: Chrome::new(page, tr.args("drive-share-title", &[("name", Arg::S(name))]), "/drive"),
            banner: banner(tr, &snap, d, node.level),
            crumbs: cr,
            drive: d.id.clone(),
            path: node.path.clone(),
            dir: node.dir,
            q: q.to_string(),
            searched: !q.is_empty(),
            me,
            suggestions,
            shares,
            ok: out.ok,
            link: out.link,
            error: out.error,
        }),
        out.status,
    )
}

/// `GET /drive/{drive}/share?path=&q=`: the share dialog; `q` asks the
/// directory for people to suggest.
pub async fn share_page(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Query(q): Query<ShareQ>,
) -> Response {
    let path = clean(q.path.as_deref());
    let ok = done_message(page.tr, q.done.as_deref());
    let out = Outcome { ok, link: None, error: None, status: StatusCode::OK };
    share_view(&s, &page, &drive, &path, q.q.as_deref().unwrap_or(""), out).await
}

#[derive(Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    path: String,
    /// `person` or `link`.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    principal: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    mode: Option<String>,
    /// `YYYY-MM-DD`: the link works until the end of that day (UTC).
    #[serde(default)]
    expires: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    q: Option<String>,
}

fn end_of_day(date: &str) -> Option<i64> {
    let mut it = date.trim().splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let d: u8 = it.next()?.parse().ok()?;
    let date = time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()?;
    Some(date.with_hms(23, 59, 59).ok()?.assume_utc().unix_timestamp())
}

/// `POST /drive/{drive}/share`: shares with a person, or creates a link.
pub async fn share(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Form(f): Form<ShareForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let tr = page.tr;
    let path = clean(Some(&f.path));
    let q = f.q.clone().unwrap_or_default();
    let req = if f.kind == "link" {
        let expires = match f.expires.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => match end_of_day(e) {
                Some(t) => Some(t),
                None => {
                    let out = Outcome {
                        ok: None,
                        link: None,
                        error: Some(tr.get("drive-err-date")),
                        status: StatusCode::UNPROCESSABLE_ENTITY,
                    };
                    return share_view(&s, &page, &drive, &path, &q, out).await;
                }
            },
            None => None,
        };
        NewShare {
            principal: None,
            group: None,
            link: Some(f.mode.clone().unwrap_or_else(|| "view".into())),
            role: None,
            expires,
            password: f.password.clone().filter(|p| !p.is_empty()),
        }
    } else {
        let Some(login) = f.principal.clone().filter(|p| !p.trim().is_empty()) else {
            let out = Outcome {
                ok: None,
                link: None,
                error: Some(tr.get("drive-err-no-person")),
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            return share_view(&s, &page, &drive, &path, &q, out).await;
        };
        NewShare {
            principal: Some(login.trim().to_lowercase()),
            group: None,
            link: None,
            role: f.role.clone(),
            expires: None,
            password: None,
        }
    };
    let res = async {
        let place = place_of(&s, &page.ctx, &drive).await?;
        s.app.share(&page.ctx, &place, &path, req).await
    }
    .await;
    let out = match res {
        Ok((view, token)) => match token {
            Some(t) => Outcome {
                ok: Some(tr.get("drive-share-link-made")),
                link: Some(super::links::absolute(&page, &t)),
                error: None,
                status: StatusCode::OK,
            },
            None => Outcome {
                ok: Some(tr.args("drive-share-made", &[("who", Arg::S(view.target.clone()))])),
                link: None,
                error: None,
                status: StatusCode::OK,
            },
        },
        Err(e) => Outcome { ok: None, link: None, error: Some(reason(tr, &e)), status: status_of(&e) },
    };
    share_view(&s, &page, &drive, &path, &q, out).await
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    /// The shared item (to come back to its dialog).
    #[serde(default)]
    path: String,
    /// `mine`: back to "Shared by me".
    #[serde(default)]
    back: Option<String>,
}

/// `POST /drive/{drive}/share/revoke`: ends a share or link, as
/// `DELETE /api/v1/shares/{id}` (its creator, or an owner of the drive).
pub async fn revoke(
    State(s): State<AppState>,
    page: Page,
    Path(drive): Path<String>,
    Form(f): Form<RevokeForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let path = clean(Some(&f.path));
    let mine = f.back.as_deref() == Some("mine");
    match s.app.revoke_share(&page.ctx, &f.id).await {
        Ok(()) if mine => redirect("/drive/shared-by-me?done=revoked"),
        Ok(()) => redirect(&format!("{}&done=revoked", sub_href(&drive, "share", &path))),
        Err(e) if mine => mine_view(&s, &page, None, Some(reason(page.tr, &e)), status_of(&e)).await,
        Err(e) => {
            let out = Outcome { ok: None, link: None, error: Some(reason(page.tr, &e)), status: status_of(&e) };
            share_view(&s, &page, &drive, &path, "", out).await
        }
    }
}

// ---------------------------------------------------------------- shared by me

pub struct MineRow {
    pub name: String,
    /// The item's share dialog.
    pub href: String,
    pub place: String,
    pub share: ShareLine,
}

#[derive(Template)]
#[template(path = "drive_mine.html")]
struct MinePage {
    c: Chrome,
    rows: Vec<MineRow>,
    done: Option<String>,
    error: Option<String>,
}

async fn mine_view(
    s: &AppState,
    page: &Page,
    done: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let tr = page.tr;
    let list = match s.app.my_shares(&page.ctx).await {
        Ok(l) => l,
        Err(e) => return service_error(tr, e),
    };
    let rows = list
        .iter()
        .map(|v| {
            let drive = s.app.drives().get(&v.drive).map(|d| drive_title(tr, &d)).unwrap_or(v.drive_name.clone());
            MineRow {
                name: if v.path == "/" { drive.clone() } else { base_name(&v.path).to_string() },
                href: sub_href(&v.drive, "share", &v.path),
                place: format!("{drive} – {}", v.path),
                share: share_line(tr, v),
            }
        })
        .collect();
    with_status(
        render(&MinePage { c: Chrome::new(page, tr.get("drive-mine-title"), "/drive"), rows, done, error }),
        status,
    )
}

/// `GET /drive/shared-by-me`: every share and link the caller made, as
/// `GET /api/v1/me/shares`, each with its revoke button.
pub async fn shared_by_me(State(s): State<AppState>, page: Page, Query(q): Query<DoneQ>) -> Response {
    let done = done_message(page.tr, q.done.as_deref());
    mine_view(&s, &page, done, None, StatusCode::OK).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_dates() {
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/x", "a"), "/x/a");
        assert_eq!(base_name("C:\\Users\\x\\f.txt"), "f.txt");
        assert_eq!(folder_href("d-x", "/"), "/drive/d-x");
        assert_eq!(folder_href("d-x", "/a b"), "/drive/d-x?path=/a%20b");
        assert_eq!(end_of_day("2026-12-01"), Some(1_796_169_599));
        assert_eq!(end_of_day("2026-13-01"), None);
        assert_eq!(capitalise("ingen deling"), "Ingen deling");
        let en = Tr::new(crate::i18n::Lang::En);
        assert_eq!(copy_name(en, "Plan 8.txt", false), "Plan 8 (copy).txt");
        assert_eq!(copy_name(en, "Saker", true), "Saker (copy)");
        assert_eq!(copy_name(en, ".env", false), ".env (copy)");
        let v = disposition("Årsplan 8.txt");
        assert_eq!(
            v.to_str().unwrap(),
            "attachment; filename=\"_rsplan 8.txt\"; filename*=UTF-8''%C3%85rsplan%208.txt"
        );
    }
}
