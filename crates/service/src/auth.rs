//! Sign-in, sessions, second factors and app passwords.
//!
//! Sessions and app passwords are stored by digest only. Every sign-in,
//! failure, lockout and credential change is audited in the chain of the
//! principal's tenant (unknown accounts go to the operator realm's chain).

use std::net::IpAddr;
use std::time::{Duration, Instant};

/// How long a cached app password record is trusted without a re-read.
const APP_RECORD_TTL: Duration = Duration::from_secs(10);

use serde::{Deserialize, Serialize};
use suveren_audit::Outcome;
use suveren_domain::{Principal, OPERATOR_REALM};
use suveren_identity::{app_password, password, recovery, token, totp};
use suveren_policy::{Actor, Resource, Via};
use suveren_store::{object, Batch, Op};

use crate::snapshot::kinds;
use crate::{messages, new_id, now_unix, App, Ctx, Result, ServiceError};

/// Secrets of one principal.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Credential {
    #[serde(default)]
    pub password_hash: Option<String>,
    #[serde(default)]
    pub totp_secret: Option<String>,
    /// Highest TOTP time step used: a code is accepted once.
    #[serde(default)]
    pub totp_last_step: Option<u64>,
    /// A secret being enrolled, not yet confirmed with a code.
    #[serde(default)]
    pub totp_pending: Option<String>,
    #[serde(default)]
    pub recovery_hashes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub principal: String,
    pub created: i64,
    pub last_seen: i64,
    pub mfa: bool,
    #[serde(default)]
    pub client: Option<String>,
    #[serde(default)]
    pub method: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppPassword {
    pub id: String,
    pub principal: String,
    pub label: String,
    pub hash: String,
    pub created: i64,
    /// Whether the session that created it had passed a second factor.
    pub mfa: bool,
    #[serde(default)]
    pub last_used: Option<i64>,
    #[serde(default)]
    pub last_client: Option<String>,
}

/// What the owner sees of an app password.
#[derive(Debug, Clone, Serialize)]
pub struct AppPasswordInfo {
    pub id: String,
    pub label: String,
    pub created: i64,
    pub mfa: bool,
    pub last_used: Option<i64>,
    pub last_client: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
    pub totp: Option<String>,
    pub recovery_code: Option<String>,
}

/// A new session: the token goes into the cookie, never into storage.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub principal: Principal,
    pub mfa: bool,
    pub expires: i64,
}

impl App {
    async fn credential(&self, principal: &str) -> Result<Option<(Credential, String)>> {
        Ok(match self.store.get(kinds::CREDENTIAL, principal).await? {
            Some(o) => Some((o.decode()?, o.body)),
            None => None,
        })
    }

    fn throttle_key(login: &str) -> String {
        login.trim().to_lowercase()
    }

    /// `POST /api/v1/auth/login`. Unknown accounts, wrong passwords and
    /// disabled accounts get the same answer after the same work.
    pub async fn login(&self, ctx: &Ctx, req: &LoginRequest, rotate: Option<&str>) -> Result<NewSession> {
        let key = Self::throttle_key(&req.login);
        let source = ctx.client.unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let snap = self.snapshot();
        let principal = snap.dir.principal_by_login(&key).cloned();
        let chain = principal.as_ref().map(|p| p.tenant.clone()).unwrap_or_else(|| OPERATOR_REALM.into());
        let resource = format!("account:{key}");
        if let Err(t) = self.throttle.check(&key, source, Instant::now()) {
            let d =
                self.draft(ctx, &chain, resource, Outcome::Deny, Some("throttled: too many failed sign-ins".into()));
            self.commit(Batch::new().audit(d)).await?;
            return Err(ServiceError::Throttled(t.retry_after));
        }
        let cred = match &principal {
            Some(p) if !p.disabled => self.credential(&p.id).await?,
            _ => None,
        };
        let pw_ok = match cred.as_ref().and_then(|(c, _)| c.password_hash.clone()) {
            Some(h) => {
                let pw = req.password.clone();
                tokio::task::spawn_blocking(move || password::verify(&pw, &h)).await.unwrap_or(false)
            }
            None => {
                let pw = req.password.clone();
                let _ = tokio::task::spawn_blocking(move || password::verify_dummy(&pw)).await;
                false
            }
        };
        let fail = |reason: &str| self.draft(ctx, &chain, format!("account:{key}"), Outcome::Deny, Some(reason.into()));
        if !pw_ok {
            self.signin_failed(&key, source).await;
            self.commit(Batch::new().audit(fail("wrong login or password"))).await?;
            return Err(ServiceError::Unauthenticated(messages::WRONG_PASSWORD.into()));
        }
        let (principal, (cred, cred_body)) = (principal.expect("checked"), cred.expect("checked"));
        // The right password, but no session for a suspended tenant: the
        // reason now, not a refusal on the first page after signing in.
        self.may_sign_in(ctx, &chain, &principal).await?;
        let mut mfa = false;
        let mut new_cred = None;
        if let Some(secret) = &cred.totp_secret {
            if let Some(code) = req.totp.as_deref().filter(|c| !c.trim().is_empty()) {
                match totp::verify(secret, code.trim(), now_unix() as u64, cred.totp_last_step) {
                    Some(step) => {
                        mfa = true;
                        new_cred = Some(Credential { totp_last_step: Some(step), ..cred.clone() });
                    }
                    None => {
                        self.signin_failed(&key, source).await;
                        self.commit(Batch::new().audit(fail("wrong or reused authenticator code"))).await?;
                        return Err(ServiceError::Unauthenticated(messages::WRONG_TOTP.into()));
                    }
                }
            } else if let Some(code) = req.recovery_code.as_deref().filter(|c| !c.trim().is_empty()) {
                let norm = recovery::normalize(code);
                let hashes = cred.recovery_hashes.clone();
                let hit = tokio::task::spawn_blocking(move || hashes.iter().position(|h| password::verify(&norm, h)))
                    .await
                    .ok()
                    .flatten();
                match hit {
                    Some(i) => {
                        mfa = true;
                        let mut c = cred.clone();
                        c.recovery_hashes.remove(i);
                        new_cred = Some(c);
                    }
                    None => {
                        self.signin_failed(&key, source).await;
                        self.commit(Batch::new().audit(fail("wrong recovery code"))).await?;
                        return Err(ServiceError::Unauthenticated(messages::WRONG_RECOVERY.into()));
                    }
                }
            } else {
                let d = self.draft(
                    ctx,
                    &chain,
                    format!("account:{key}"),
                    Outcome::Deny,
                    Some("second factor missing".into()),
                );
                self.commit(Batch::new().audit(d)).await?;
                return Err(ServiceError::MfaRequired);
            }
        }
        self.signin_succeeded(&key, source).await;
        let mut batch = Batch::new();
        if let Some(c) = new_cred {
            // Swap, so two requests racing with one code cannot both win.
            batch = batch.op(Op::Swap {
                object: object(kinds::CREDENTIAL, &principal.id, &principal.tenant, Some(&principal.id), &c),
                expected: cred_body,
            });
        }
        let method = if mfa { "password+totp" } else { "password" };
        let (batch, s) = self.new_session_batch(ctx, batch, &principal, mfa, method, rotate);
        self.commit(batch).await.map_err(|e| match e {
            ServiceError::Store(suveren_store::StoreError::Stale { .. }) => {
                ServiceError::Unauthenticated(messages::WRONG_TOTP.into())
            }
            e => e,
        })?;
        Ok(s)
    }

    /// Whether the account may hold a session at all, as the policy engine
    /// answers every request of its own (a suspended tenant, a disabled
    /// account): refused at sign-in with the gate's reason, and audited.
    async fn may_sign_in(&self, ctx: &Ctx, chain: &str, p: &Principal) -> Result<()> {
        let actor = Actor { principal: Some(p.clone()), mfa: true, via: Via::Session, grants: Vec::new() };
        let snap = self.snapshot();
        let now = self.clock.now();
        match suveren_policy::authorize(&snap.dir, &actor, suveren_policy::Action::SessionRead, &Resource::Own, now) {
            suveren_policy::Decision::Deny(d) => {
                let reason = format!("{}: {}", d.rule.as_str(), d.message);
                let draft = self.draft(ctx, chain, format!("account:{}", p.login), Outcome::Deny, Some(reason));
                self.commit(Batch::new().audit(draft)).await?;
                Err(ServiceError::Denied(d))
            }
            suveren_policy::Decision::Allow { .. } => Ok(()),
        }
    }

    /// A fresh session (never reusing an old id: rotation on sign-in), with
    /// its audit record; `rotate` is the digest of a session to end.
    pub(crate) fn new_session_batch(
        &self,
        ctx: &Ctx,
        mut batch: Batch,
        p: &Principal,
        mfa: bool,
        method: &str,
        rotate: Option<&str>,
    ) -> (Batch, NewSession) {
        let tok = token::new_token();
        let now = now_unix();
        let s = Session {
            principal: p.id.clone(),
            created: now,
            last_seen: now,
            mfa,
            client: ctx.client.map(|c| c.to_string()),
            method: method.into(),
        };
        if let Some(old) = rotate {
            batch = batch.op(Op::delete(kinds::SESSION, old));
        }
        let mut d = self.draft(
            ctx,
            &p.tenant,
            format!("principal:{}", p.login),
            Outcome::Allow,
            Some(format!("signed in ({method})")),
        );
        d.actor = p.login.clone();
        batch = batch.op(Op::insert(kinds::SESSION, &token::digest(&tok), &p.tenant, Some(&p.id), &s)).audit(d);
        let expires = now + self.settings.session_absolute.as_secs() as i64;
        (batch, NewSession { token: tok, principal: p.clone(), mfa, expires })
    }

    /// Resolves a session token into an actor, enforcing idle and absolute
    /// timeouts. Touches `last_seen` at most once a minute.
    pub async fn session_actor(&self, tok: &str) -> Result<Option<(Actor, String)>> {
        let digest = token::digest(tok);
        let Some(obj) = self.store.get(kinds::SESSION, &digest).await? else {
            return Ok(None);
        };
        let s: Session = obj.decode()?;
        let now = now_unix();
        let idle = now - s.last_seen > self.settings.session_idle.as_secs() as i64;
        let old = now - s.created > self.settings.session_absolute.as_secs() as i64;
        let snap = self.snapshot();
        let principal = snap.dir.principals.get(&s.principal).cloned();
        if idle || old || principal.as_ref().is_none_or(|p| p.disabled) {
            self.store.commit(Batch::new().op(Op::delete(kinds::SESSION, &digest))).await?;
            return Ok(None);
        }
        if now - s.last_seen >= 60 {
            let touched = Session { last_seen: now, ..s.clone() };
            let o = object(kinds::SESSION, &digest, &obj.tenant, obj.owner.as_deref(), &touched);
            // A lost race only means another request touched it first.
            let _ = self.store.commit(Batch::new().op(Op::Swap { object: o, expected: obj.body })).await;
        }
        let grants = principal.as_ref().map(|p| self.grants_for(&p.id)).unwrap_or_default();
        let actor = Actor { principal, mfa: s.mfa, via: Via::Session, grants };
        Ok(Some((actor, digest)))
    }

    /// The stored app password record, from a short-lived cache: protocol
    /// clients authenticate every request, and the record rarely changes
    /// (revocation and account changes clear the cache at once).
    async fn app_record(&self, id: &str) -> Result<Option<suveren_store::Object>> {
        let now = Instant::now();
        if let Some((o, at)) = self.app_records.lock().unwrap_or_else(|p| p.into_inner()).get(id) {
            if now.duration_since(*at) < APP_RECORD_TTL {
                return Ok(Some(o.clone()));
            }
        }
        let o = self.store.get(kinds::APP_PASSWORD, id).await?;
        let mut cache = self.app_records.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() > 10_000 {
            cache.clear();
        }
        match &o {
            Some(o) => cache.insert(id.to_string(), (o.clone(), now)),
            None => cache.remove(id),
        };
        Ok(o)
    }

    pub(crate) fn forget_app_records(&self) {
        self.app_records.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Basic authentication with an app password (protocol clients and the
    /// CLI). A cached keyed digest spares an Argon2 run per request.
    pub async fn app_password_actor(&self, login: &str, pw: &str, client: Option<IpAddr>) -> Result<Option<Actor>> {
        let login = login.trim().to_lowercase();
        let snap = self.snapshot();
        let Some(p) = snap.dir.principal_by_login(&login).cloned() else {
            let pw = pw.to_string();
            let _ = tokio::task::spawn_blocking(move || password::verify_dummy(&pw)).await;
            return Ok(None);
        };
        // Every way of failing costs one Argon2 run, so timing tells nothing
        // about which accounts or app password ids exist.
        let found = match (app_password::id_of(pw), app_password::canonical(pw)) {
            (Some(id), Some(canon)) => self.app_record(&id).await?.map(|obj| (id, canon, obj)),
            _ => None,
        };
        let Some((id, canon, obj)) = found else {
            let pw = pw.to_string();
            let _ = tokio::task::spawn_blocking(move || password::verify_dummy(&pw)).await;
            return Ok(None);
        };
        let pw = canon.as_str();
        let rec: AppPassword = obj.decode()?;
        if rec.principal != p.id || p.disabled {
            let pw = pw.to_string();
            let _ = tokio::task::spawn_blocking(move || password::verify_dummy(&pw)).await;
            return Ok(None);
        }
        let now = Instant::now();
        let cached = self.app_cache.get(&login, pw, now).is_some_and(|c| c == id);
        if !cached {
            let source = client.unwrap_or(IpAddr::from([127, 0, 0, 1]));
            if self.throttle.check(&login, source, now).is_err() {
                return Ok(None);
            }
            let (pw2, h) = (pw.to_string(), rec.hash.clone());
            let ok = tokio::task::spawn_blocking(move || password::verify(&pw2, &h)).await.unwrap_or(false);
            if !ok {
                self.signin_failed(&login, source).await;
                return Ok(None);
            }
            self.app_cache.insert(&login, pw, &id, now);
        }
        let ts = now_unix();
        if rec.last_used.is_none_or(|t| ts - t >= 60) {
            let used = AppPassword { last_used: Some(ts), last_client: client.map(|c| c.to_string()), ..rec.clone() };
            let o = object(kinds::APP_PASSWORD, &id, &obj.tenant, obj.owner.as_deref(), &used);
            let swapped = self.store.commit(Batch::new().op(Op::Swap { object: o, expected: obj.body })).await;
            // Either way the stored record moved on: read it afresh next time.
            let _ = swapped;
            self.app_records.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
        }
        let grants = self.grants_for(&p.id);
        Ok(Some(Actor { principal: Some(p), mfa: rec.mfa, via: Via::AppPassword, grants }))
    }

    pub(crate) fn me(ctx: &Ctx) -> Result<&Principal> {
        ctx.actor.principal.as_ref().ok_or_else(|| ServiceError::Unauthenticated("Sign in first.".into()))
    }

    pub async fn logout(&self, ctx: &Ctx) -> Result<()> {
        let permit = self.gate(ctx, &Resource::Own).await?;
        let me = Self::me(ctx)?;
        let mut b = Batch::new().audit(self.allowed(ctx, &permit, &me.tenant));
        if let Some(s) = &ctx.session {
            b = b.op(Op::delete(kinds::SESSION, s));
        }
        self.commit(b).await?;
        Ok(())
    }

    /// Ends every session of the caller (and forgets cached app-password
    /// checks; app passwords themselves stay until revoked).
    pub async fn logout_everywhere(&self, ctx: &Ctx) -> Result<()> {
        let permit = self.gate(ctx, &Resource::Own).await?;
        let me = Self::me(ctx)?;
        let b = Batch::new()
            .op(Op::DeleteOwned { kind: kinds::SESSION.into(), owner: me.id.clone() })
            .audit(self.allowed(ctx, &permit, &me.tenant));
        self.commit(b).await?;
        self.app_cache.clear();
        Ok(())
    }

    pub async fn create_app_password(&self, ctx: &Ctx, label: &str) -> Result<(AppPasswordInfo, String)> {
        let permit = self.gate(ctx, &Resource::Own).await?;
        let me = Self::me(ctx)?.clone();
        let label =
            suveren_domain::names::display_name("label", label).map_err(|e| ServiceError::invalid(e.to_string()))?;
        if ctx.actor.via != Via::Session {
            return Err(ServiceError::invalid(
                "App passwords are created from a signed-in session, not with another app password.",
            ));
        }
        let existing = self.store.list_owned(kinds::APP_PASSWORD, &me.id).await?;
        if existing.len() >= 50 {
            return Err(ServiceError::Conflict(messages::APP_PASSWORD_LIMIT.into()));
        }
        let (id, pw) = app_password::generate();
        let pw2 = app_password::canonical(&pw)
            .ok_or_else(|| ServiceError::Internal("generated app password malformed".into()))?;
        let hash = tokio::task::spawn_blocking(move || password::hash(&pw2))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let rec = AppPassword {
            id: id.clone(),
            principal: me.id.clone(),
            label,
            hash,
            created: now_unix(),
            mfa: ctx.actor.mfa,
            last_used: None,
            last_client: None,
        };
        let mut d = self.allowed(ctx, &permit, &me.tenant);
        d.resource = format!("app_password:{id}");
        self.commit(Batch::new().op(Op::insert(kinds::APP_PASSWORD, &id, &me.tenant, Some(&me.id), &rec)).audit(d))
            .await?;
        Ok((info(&rec), pw))
    }

    pub async fn list_app_passwords(&self, ctx: &Ctx) -> Result<Vec<AppPasswordInfo>> {
        self.gate(ctx, &Resource::Own).await?;
        let me = Self::me(ctx)?;
        let list = self.store.list_owned(kinds::APP_PASSWORD, &me.id).await?;
        list.iter().map(|o| o.decode::<AppPassword>().map(|r| info(&r)).map_err(Into::into)).collect()
    }

    pub async fn revoke_app_password(&self, ctx: &Ctx, id: &str) -> Result<()> {
        let permit = self.gate(ctx, &Resource::Own).await?;
        let me = Self::me(ctx)?;
        let rec = match self.store.get(kinds::APP_PASSWORD, id).await? {
            Some(o) if o.owner.as_deref() == Some(me.id.as_str()) => o,
            _ => return Err(ServiceError::NotFound),
        };
        let mut d = self.allowed(ctx, &permit, &me.tenant);
        d.resource = format!("app_password:{}", rec.key);
        self.commit(Batch::new().op(Op::delete(kinds::APP_PASSWORD, id)).audit(d)).await?;
        self.app_cache.invalidate(id);
        self.forget_app_records();
        Ok(())
    }

    /// Starts TOTP enrolment: a pending secret the user confirms with a code.
    pub async fn totp_enrol(&self, ctx: &Ctx) -> Result<(String, String)> {
        let permit = self.gate(ctx, &Resource::Own).await?;
        let me = Self::me(ctx)?.clone();
        let (cred, body) = self.credential(&me.id).await?.unwrap_or_default();
        if cred.totp_secret.is_some() && !ctx.actor.mfa {
            return Err(ServiceError::Denied(suveren_policy::Denial::open(
                suveren_policy::Rule::Authentication,
                "deny-totp-replace-mfa",
            )));
        }
        let secret = totp::new_secret();
        let new = Credential { totp_pending: Some(secret.clone()), ..cred };
        let o = object(kinds::CREDENTIAL, &me.id, &me.tenant, Some(&me.id), &new);
        let op = if body.is_empty() { Op::Insert(o) } else { Op::Swap { object: o, expected: body } };
        self.commit(Batch::new().op(op).audit(self.allowed(ctx, &permit, &me.tenant))).await?;
        let uri = totp::otpauth_uri(&secret, "Suveren", &me.login);
        Ok((secret, uri))
    }

    /// Confirms enrolment with a code; the session is rotated (privilege
    /// change) and recovery codes are returned once.
    pub async fn totp_confirm(&self, ctx: &Ctx, code: &str) -> Result<(NewSession, Vec<String>)> {
        let permit = self.gate(ctx, &Resource::Own).await?;
        let me = Self::me(ctx)?.clone();
        let (cred, body) =
            self.credential(&me.id).await?.ok_or_else(|| ServiceError::invalid(messages::ENROL_FIRST))?;
        let pending = cred.totp_pending.clone().ok_or_else(|| ServiceError::invalid(messages::ENROL_FIRST))?;
        let step = totp::verify(&pending, code.trim(), now_unix() as u64, None)
            .ok_or_else(|| ServiceError::invalid(messages::TOTP_MISMATCH))?;
        let codes = recovery::generate(10);
        let to_hash = codes.clone();
        let hashes = tokio::task::spawn_blocking(move || {
            to_hash.iter().map(|c| password::hash(&recovery::normalize(c))).collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let new = Credential {
            totp_secret: Some(pending),
            totp_pending: None,
            totp_last_step: Some(step),
            recovery_hashes: hashes,
            ..cred
        };
        let batch = Batch::new()
            .op(Op::Swap { object: object(kinds::CREDENTIAL, &me.id, &me.tenant, Some(&me.id), &new), expected: body })
            .op(Op::DeleteOwned { kind: kinds::SESSION.into(), owner: me.id.clone() })
            .audit(self.allowed(ctx, &permit, &me.tenant));
        let (batch, s) = self.new_session_batch(ctx, batch, &me, true, "totp-enrolment", None);
        self.commit(batch).await?;
        Ok((s, codes))
    }

    /// The caller changes their own password: the current one is checked,
    /// the new one must pass the policy, and every other session ends.
    pub async fn change_password(&self, ctx: &Ctx, current: &str, new: &str) -> Result<NewSession> {
        let permit = self.gate(ctx, &Resource::Own).await?;
        let me = Self::me(ctx)?.clone();
        let (cred, body) = self.credential(&me.id).await?.ok_or(ServiceError::NotFound)?;
        let ok = match cred.password_hash.clone() {
            Some(h) => {
                let cur = current.to_string();
                tokio::task::spawn_blocking(move || password::verify(&cur, &h)).await.unwrap_or(false)
            }
            None => false,
        };
        if !ok {
            let d = self.draft(
                ctx,
                &me.tenant,
                format!("principal:{}", me.login),
                Outcome::Deny,
                Some("wrong current password".into()),
            );
            self.commit(Batch::new().audit(d)).await?;
            return Err(ServiceError::Unauthenticated("The current password is wrong.".into()));
        }
        password::check_policy(new).map_err(|e| ServiceError::invalid(e.to_string()))?;
        let pw = new.to_string();
        let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let updated = Credential { password_hash: Some(hash), ..cred };
        let batch = Batch::new()
            .op(Op::Swap {
                object: object(kinds::CREDENTIAL, &me.id, &me.tenant, Some(&me.id), &updated),
                expected: body,
            })
            .op(Op::DeleteOwned { kind: kinds::SESSION.into(), owner: me.id.clone() })
            .audit(self.allowed(ctx, &permit, &me.tenant));
        let (batch, s) = self.new_session_batch(ctx, batch, &me, ctx.actor.mfa, "password-change", None);
        self.commit(batch).await?;
        Ok(s)
    }

    /// Sets a principal's password (admin tools, demo seeding, import).
    pub(crate) async fn password_op(&self, p: &Principal, pw: &str) -> Result<Op> {
        password::check_policy(pw).map_err(|e| ServiceError::invalid(e.to_string()))?;
        let pw = pw.to_string();
        let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let cred = match self.credential(&p.id).await? {
            Some((c, _)) => Credential { password_hash: Some(hash), ..c },
            None => Credential { password_hash: Some(hash), ..Default::default() },
        };
        Ok(Op::put(kinds::CREDENTIAL, &p.id, &p.tenant, Some(&p.id), &cred))
    }

    /// Whether the principal has a TOTP authenticator enrolled.
    pub async fn has_totp(&self, principal: &str) -> Result<bool> {
        Ok(self.credential(principal).await?.is_some_and(|(c, _)| c.totp_secret.is_some()))
    }

    /// `GET /api/v1/auth/oidc/{tenant}/start`: where to send the browser.
    pub async fn oidc_start(&self, tenant: &str) -> Result<String> {
        let client = self.oidc_client(tenant).await?;
        // Anyone may start a sign-in: sweep abandoned ones and bound the rest.
        let pending_all = self.store.list(kinds::OIDC_PENDING, Some(tenant)).await?;
        let now = now_unix() as u64;
        let mut batch = Batch::new();
        let mut live = 0;
        for o in &pending_all {
            match o.decode::<suveren_identity::oidc::PendingLogin>() {
                Ok(p) if now <= p.created_unix + 600 => live += 1,
                _ => batch = batch.op(Op::delete(kinds::OIDC_PENDING, &o.key)),
            }
        }
        if live >= 10_000 {
            self.store.commit(batch).await?;
            return Err(ServiceError::Unavailable(
                "Too many sign-ins are in progress; try again in a few minutes.".into(),
            ));
        }
        let (url, pending) = client.begin(&[]);
        let key = pending.state.clone();
        batch = batch.op(Op::insert(kinds::OIDC_PENDING, &key, tenant, None, &pending));
        self.store.commit(batch).await?;
        Ok(url.to_string())
    }

    async fn oidc_client(&self, tenant: &str) -> Result<std::sync::Arc<suveren_identity::oidc::OidcClient>> {
        let cfg = self.settings.oidc.iter().find(|o| o.tenant == tenant).ok_or(ServiceError::NotFound)?;
        let mut cache = self.oidc.lock().await;
        if let Some(c) = cache.get(tenant) {
            return Ok(c.clone());
        }
        let c = suveren_identity::oidc::OidcClient::discover(
            &cfg.issuer,
            &cfg.client_id,
            cfg.client_secret.as_deref(),
            &cfg.redirect_url,
        )
        .await
        .map_err(|e| ServiceError::Unavailable(format!("The identity provider of {tenant} cannot be reached: {e}")))?;
        let c = std::sync::Arc::new(c);
        cache.insert(tenant.to_string(), c.clone());
        Ok(c)
    }

    /// `GET /api/v1/auth/oidc/callback`: finishes the code flow, maps the
    /// configured claim to a principal of that tenant, opens a session.
    pub async fn oidc_callback(&self, ctx: &Ctx, code: &str, state: &str) -> Result<NewSession> {
        let Some(obj) = self.store.get(kinds::OIDC_PENDING, state).await? else {
            return Err(ServiceError::Unauthenticated(
                "This sign-in link has expired or was already used; start again.".into(),
            ));
        };
        // One use only, whatever happens next.
        self.store.commit(Batch::new().op(Op::delete(kinds::OIDC_PENDING, state))).await?;
        let pending: suveren_identity::oidc::PendingLogin = obj.decode()?;
        let tenant = obj.tenant.clone();
        if now_unix() as u64 > pending.created_unix + 600 {
            return Err(ServiceError::Unauthenticated("This sign-in link has expired; start again.".into()));
        }
        let cfg = self.settings.oidc.iter().find(|o| o.tenant == tenant).cloned().ok_or(ServiceError::NotFound)?;
        let client = self.oidc_client(&tenant).await?;
        let fail = |reason: String| self.draft(ctx, &tenant, "oidc".into(), Outcome::Deny, Some(reason));
        let claims = match client.finish(&pending, code, state).await {
            Ok(c) => c,
            Err(e) => {
                self.commit(Batch::new().audit(fail(format!("identity provider answer refused: {e}")))).await?;
                return Err(ServiceError::Unauthenticated(
                    "The identity provider's answer could not be verified.".into(),
                ));
            }
        };
        let login = suveren_identity::oidc::map_claim(&claims, &cfg.login_claim).map(|l| l.trim().to_lowercase());
        let snap = self.snapshot();
        let p = login
            .as_deref()
            .and_then(|l| snap.dir.principal_by_login(l))
            .filter(|p| p.tenant == tenant && !p.disabled)
            .cloned();
        let Some(p) = p else {
            self.commit(Batch::new().audit(fail(format!("no principal for {} = {:?}", cfg.login_claim, login))))
                .await?;
            return Err(ServiceError::Unauthenticated(
                "Your municipality's sign-in worked, but you have no account here; ask your administrator.".into(),
            ));
        };
        self.may_sign_in(ctx, &tenant, &p).await?;
        let amr_mfa = claims.raw.get("amr").and_then(|a| a.as_array()).is_some_and(|a| {
            a.iter().filter_map(|v| v.as_str()).any(|m| ["mfa", "otp", "hwk", "swk", "sms"].contains(&m))
        });
        let (batch, s) = self.new_session_batch(ctx, Batch::new(), &p, cfg.assume_mfa || amr_mfa, "oidc", None);
        self.commit(batch).await?;
        Ok(s)
    }
}

fn info(r: &AppPassword) -> AppPasswordInfo {
    AppPasswordInfo {
        id: r.id.clone(),
        label: r.label.clone(),
        created: r.created,
        mfa: r.mfa,
        last_used: r.last_used,
        last_client: r.last_client.clone(),
    }
}

/// A fresh id for things the caller names.
pub fn fresh_id() -> String {
    new_id()
}
