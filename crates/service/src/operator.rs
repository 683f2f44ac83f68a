//! Operator services: tenants with their counts, quotas and suspension,
//! and federation links between tenants (which open nothing until both
//! tenants' admins consent).

use suveren_domain::names::{display_name, identifier};
use suveren_domain::*;
use suveren_policy::Resource;
use suveren_store::Op;

use crate::directory::{scoped_id, LinkInput, TenantInfo, TenantInput};
use crate::snapshot::kinds;
use crate::{new_id, App, Ctx, Result, ServiceError};

fn invalid(e: impl ToString) -> ServiceError {
    ServiceError::invalid(e.to_string())
}

impl App {
    // ---- operator -------------------------------------------------------

    async fn operator(
        &self,
        ctx: &Ctx,
        res: &Resource<'_>,
    ) -> Result<(std::sync::Arc<crate::Snapshot>, crate::Permit)> {
        let snap = self.snapshot();
        let permit = self.gate_in(&snap, ctx, res).await?;
        Ok((snap, permit))
    }

    async fn operator_commit(&self, ctx: &Ctx, permit: &crate::Permit, resource: String, ops: Vec<Op>) -> Result<()> {
        self.admin_commit(ctx, permit, OPERATOR_REALM, resource, ops).await
    }

    /// Tenants with per-tenant counts: what an operator may see.
    pub async fn list_tenants(&self, ctx: &Ctx) -> Result<Vec<TenantInfo>> {
        let (snap, _) = self.operator(ctx, &Resource::Installation).await?;
        Ok(snap
            .dir
            .tenants
            .values()
            .map(|t| TenantInfo {
                tenant: t.clone(),
                principals: snap.dir.principals.values().filter(|p| p.tenant == t.id).count(),
            })
            .collect())
    }

    pub async fn create_tenant(&self, ctx: &Ctx, inp: &TenantInput) -> Result<Tenant> {
        let (snap, permit) = self.operator(ctx, &Resource::Installation).await?;
        let id = identifier("tenant id", &inp.id).map_err(invalid)?;
        if id.starts_with('_') || id.contains(':') || id.contains('@') {
            return Err(invalid("A tenant id may not start with `_` or contain `:` or `@`."));
        }
        let domain = identifier("domain", &inp.domain).map_err(invalid)?;
        if snap.dir.tenants.values().any(|t| t.domain == domain) {
            return Err(ServiceError::Conflict(format!("Another tenant already has the domain {domain}.")));
        }
        let preset = inp.preset.as_deref().unwrap_or("default");
        let scheme = ClassificationScheme::preset(preset)
            .ok_or_else(|| invalid(format!("Unknown preset `{preset}`; use default, norway or sweden.")))?;
        let t = Tenant {
            id: id.clone(),
            name: display_name("name", &inp.name).map_err(invalid)?,
            domain,
            suspended: false,
            quota_bytes: inp.quota_bytes,
            scheme,
            lockbox: Default::default(),
        };
        self.operator_commit(ctx, &permit, format!("tenant:{id}"), vec![Op::insert(kinds::TENANT, &id, &id, None, &t)])
            .await?;
        Ok(t)
    }

    pub async fn update_tenant(
        &self,
        ctx: &Ctx,
        id: &str,
        suspended: Option<bool>,
        quota: Option<Option<u64>>,
    ) -> Result<Tenant> {
        let (snap, permit) = self.operator(ctx, &Resource::Installation).await?;
        let mut t = snap.dir.tenants.get(id).cloned().ok_or(ServiceError::NotFound)?;
        if let Some(s) = suspended {
            t.suspended = s;
        }
        if let Some(q) = quota {
            t.quota_bytes = q;
        }
        self.operator_commit(ctx, &permit, format!("tenant:{id}"), vec![Op::put(kinds::TENANT, id, id, None, &t)])
            .await?;
        Ok(t)
    }

    /// Every link of the installation: the operator's view.
    pub async fn list_links(&self, ctx: &Ctx) -> Result<Vec<FederationLink>> {
        let (snap, _) = self.operator(ctx, &Resource::Installation).await?;
        Ok(snap.dir.links.clone())
    }

    /// The links a tenant is part of: its admins' view, for consent.
    pub async fn tenant_links(&self, ctx: &Ctx, tenant: &str) -> Result<Vec<FederationLink>> {
        let (snap, _) = self.admin(ctx, tenant).await?;
        Ok(snap.dir.links.iter().filter(|l| l.tenant_a == tenant || l.tenant_b == tenant).cloned().collect())
    }

    /// The operator proposes a link; it opens nothing until both tenants'
    /// admins consent.
    pub async fn create_link(&self, ctx: &Ctx, inp: &LinkInput) -> Result<FederationLink> {
        let (snap, permit) = self.operator(ctx, &Resource::Installation).await?;
        if inp.tenant_a == inp.tenant_b {
            return Err(invalid("A federation link joins two different tenants."));
        }
        let check = |t: &str, s: &str| {
            let id = scoped_id(t, s);
            if snap.dir.tenants.contains_key(t) && snap.dir.segments.contains_key(&id) {
                Ok(id)
            } else {
                Err(invalid(format!("Tenant `{t}` has no segment `{s}`.")))
            }
        };
        let l = FederationLink {
            id: new_id(),
            tenant_a: inp.tenant_a.clone(),
            segment_a: check(&inp.tenant_a, &inp.segment_a)?,
            tenant_b: inp.tenant_b.clone(),
            segment_b: check(&inp.tenant_b, &inp.segment_b)?,
            consent_a: false,
            consent_b: false,
        };
        self.operator_commit(
            ctx,
            &permit,
            format!("federation:{}", l.id),
            vec![Op::insert(kinds::FEDERATION, &l.id, OPERATOR_REALM, None, &l)],
        )
        .await?;
        Ok(l)
    }

    pub async fn delete_link(&self, ctx: &Ctx, id: &str) -> Result<()> {
        let (snap, permit) = self.operator(ctx, &Resource::Installation).await?;
        if !snap.dir.links.iter().any(|l| l.id == id) {
            return Err(ServiceError::NotFound);
        }
        self.operator_commit(ctx, &permit, format!("federation:{id}"), vec![Op::delete(kinds::FEDERATION, id)]).await
    }

    /// A tenant admin consents to (or withdraws from) a link of their tenant.
    pub async fn consent_link(&self, ctx: &Ctx, tenant: &str, id: &str, consent: bool) -> Result<FederationLink> {
        let (snap, permit) = self.admin(ctx, tenant).await?;
        let mut l = snap
            .dir
            .links
            .iter()
            .find(|l| l.id == id && (l.tenant_a == tenant || l.tenant_b == tenant))
            .cloned()
            .ok_or(ServiceError::NotFound)?;
        if l.tenant_a == tenant {
            l.consent_a = consent;
        } else {
            l.consent_b = consent;
        }
        self.admin_commit(
            ctx,
            &permit,
            tenant,
            format!("federation:{id}"),
            vec![Op::put(kinds::FEDERATION, id, OPERATOR_REALM, None, &l)],
        )
        .await?;
        Ok(l)
    }
}
