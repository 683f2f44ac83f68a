//! Directory objects and the immutable [`Directory`] snapshot.
//!
//! Every object carries its tenant: there is no lookup that can cross a
//! tenant by accident, because every index is keyed by tenant first.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::classification::ClassificationScheme;

/// The realm of operator principals. It is not a tenant: nothing in it can
/// be linked by federation, so operators discover no tenant's principals.
pub const OPERATOR_REALM: &str = "_operator";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// Short slug used in URLs, logins' domains and audit records.
    pub id: String,
    pub name: String,
    pub domain: String,
    #[serde(default)]
    pub suspended: bool,
    #[serde(default)]
    pub quota_bytes: Option<u64>,
    #[serde(default)]
    pub scheme: ClassificationScheme,
    #[serde(default)]
    pub lockbox: crate::lockbox::LockboxSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    Employee,
    Pupil,
    Guest,
    Service,
}

impl PrincipalKind {
    pub const ALL: [PrincipalKind; 4] = [Self::Employee, Self::Pupil, Self::Guest, Self::Service];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Employee => "employee",
            Self::Pupil => "pupil",
            Self::Guest => "guest",
            Self::Service => "service",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Administrative roles. None of them grants content rights (rule 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    OperatorAdmin,
    TenantAdmin,
    LockboxApprover,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [Self::OperatorAdmin, Self::TenantAdmin, Self::LockboxApprover, Self::Auditor];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OperatorAdmin => "operator_admin",
            Self::TenantAdmin => "tenant_admin",
            Self::LockboxApprover => "lockbox_approver",
            Self::Auditor => "auditor",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub id: String,
    pub tenant: String,
    /// Unique in the installation; for tenant members `name@domain`.
    pub login: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    pub kind: PrincipalKind,
    #[serde(default)]
    pub org_unit: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub disabled: bool,
}

impl Principal {
    pub fn has_role(&self, r: Role) -> bool {
        self.roles.contains(&r)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub id: String,
    pub tenant: String,
    pub name: String,
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub tenant: String,
    pub name: String,
}

/// A named filter over a tenant's principals. Every given field must match;
/// within a list field any entry may match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentFilter {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<PrincipalKind>,
    /// Org unit id: members of this unit and all units below it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub id: String,
    pub tenant: String,
    pub name: String,
    pub filter: SegmentFilter,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BarrierKind {
    /// `block A <-> B`.
    Block { a: String, b: String },
    /// `A only-with [B, C, ...]`: members of A reach only A and the listed segments.
    OnlyWith { a: String, with: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BarrierRule {
    pub id: String,
    pub tenant: String,
    pub rule: BarrierKind,
}

/// Opens discovery and communication between a segment of one tenant and a
/// segment of another, once the operator created it and both tenants'
/// admins consented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FederationLink {
    pub id: String,
    pub tenant_a: String,
    pub segment_a: String,
    pub tenant_b: String,
    pub segment_b: String,
    #[serde(default)]
    pub consent_a: bool,
    #[serde(default)]
    pub consent_b: bool,
}

impl FederationLink {
    pub fn active(&self) -> bool {
        self.consent_a && self.consent_b
    }
}

/// An immutable snapshot of the whole directory with lookup indexes.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub tenants: BTreeMap<String, Tenant>,
    pub principals: HashMap<String, Principal>,
    pub org_units: HashMap<String, OrgUnit>,
    pub groups: HashMap<String, Group>,
    pub segments: HashMap<String, Segment>,
    pub barriers: Vec<BarrierRule>,
    pub links: Vec<FederationLink>,
    by_login: HashMap<String, String>,
    barriers_by_tenant: HashMap<String, Vec<usize>>,
}

impl Directory {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        tenants: impl IntoIterator<Item = Tenant>,
        principals: impl IntoIterator<Item = Principal>,
        org_units: impl IntoIterator<Item = OrgUnit>,
        groups: impl IntoIterator<Item = Group>,
        segments: impl IntoIterator<Item = Segment>,
        barriers: impl IntoIterator<Item = BarrierRule>,
        links: impl IntoIterator<Item = FederationLink>,
    ) -> Self {
        let mut d = Directory {
            tenants: tenants.into_iter().map(|t| (t.id.clone(), t)).collect(),
            principals: principals.into_iter().map(|p| (p.id.clone(), p)).collect(),
            org_units: org_units.into_iter().map(|o| (o.id.clone(), o)).collect(),
            groups: groups.into_iter().map(|g| (g.id.clone(), g)).collect(),
            segments: segments.into_iter().map(|s| (s.id.clone(), s)).collect(),
            barriers: barriers.into_iter().collect(),
            links: links.into_iter().collect(),
            ..Default::default()
        };
        d.barriers.sort_by(|a, b| a.id.cmp(&b.id));
        d.links.sort_by(|a, b| a.id.cmp(&b.id));
        d.by_login = d.principals.values().map(|p| (p.login.clone(), p.id.clone())).collect();
        for (i, b) in d.barriers.iter().enumerate() {
            d.barriers_by_tenant.entry(b.tenant.clone()).or_default().push(i);
        }
        d
    }

    pub fn principal_by_login(&self, login: &str) -> Option<&Principal> {
        self.by_login.get(login).and_then(|id| self.principals.get(id))
    }

    pub fn barriers_of(&self, tenant: &str) -> impl Iterator<Item = &BarrierRule> {
        self.barriers_by_tenant.get(tenant).into_iter().flatten().map(|&i| &self.barriers[i])
    }

    /// Whether `unit` is `ancestor` or below it. Bounded walk so that a
    /// corrupt parent cycle cannot hang the policy engine.
    pub fn unit_within(&self, unit: &str, ancestor: &str) -> bool {
        let mut cur = Some(unit);
        for _ in 0..64 {
            match cur {
                Some(u) if u == ancestor => return true,
                Some(u) => cur = self.org_units.get(u).and_then(|o| o.parent.as_deref()),
                None => return false,
            }
        }
        false
    }

    /// The org unit's path from the root, e.g. `Skole/Nordvik skole/8A`.
    pub fn unit_path(&self, unit: &str) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(unit);
        for _ in 0..64 {
            match cur.and_then(|u| self.org_units.get(u)) {
                Some(o) => {
                    parts.push(o.name.as_str());
                    cur = o.parent.as_deref();
                }
                None => break,
            }
        }
        parts.reverse();
        parts.join("/")
    }

    /// Segment membership. A segment only ever contains principals of its
    /// own tenant.
    pub fn in_segment(&self, segment: &str, p: &Principal) -> bool {
        let Some(s) = self.segments.get(segment) else {
            return false;
        };
        if s.tenant != p.tenant {
            return false;
        }
        let f = &s.filter;
        if !f.kinds.is_empty() && !f.kinds.contains(&p.kind) {
            return false;
        }
        if let Some(unit) = &f.org_unit {
            match &p.org_unit {
                Some(pu) if self.unit_within(pu, unit) => {}
                _ => return false,
            }
        }
        if !f.groups.is_empty() && !f.groups.iter().any(|g| p.groups.contains(g)) {
            return false;
        }
        f.attributes.iter().all(|(k, v)| p.attributes.get(k) == Some(v))
    }

    /// Live federation links between the two tenants, in either direction,
    /// as (segment on a's side, segment on b's side).
    pub fn links_between<'a>(&'a self, ta: &'a str, tb: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.links.iter().filter(|l| l.active()).filter_map(move |l| {
            if l.tenant_a == ta && l.tenant_b == tb {
                Some((l.segment_a.as_str(), l.segment_b.as_str()))
            } else if l.tenant_b == ta && l.tenant_a == tb {
                Some((l.segment_b.as_str(), l.segment_a.as_str()))
            } else {
                None
            }
        })
    }
}
