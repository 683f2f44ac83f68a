//! Unit tests of the gate and property tests of the trust model's rules
//! over random directories (10,000 cases each in CI).

use std::collections::BTreeMap;

use proptest::prelude::*;
use suveren_domain::*;

use crate::*;

fn tenant(id: &str) -> Tenant {
    Tenant {
        id: id.into(),
        name: format!("{id} kommune"),
        domain: format!("{id}.test"),
        suspended: false,
        quota_bytes: None,
        scheme: ClassificationScheme::default(),
        lockbox: Default::default(),
    }
}

fn principal(id: &str, tenant: &str, kind: PrincipalKind, unit: Option<&str>) -> Principal {
    Principal {
        id: id.into(),
        tenant: tenant.into(),
        login: format!("{id}@{tenant}.test"),
        name: id.into(),
        email: None,
        kind,
        org_unit: unit.map(Into::into),
        groups: vec![],
        attributes: BTreeMap::new(),
        roles: vec![],
        disabled: false,
    }
}

fn actor(p: &Principal, mfa: bool) -> Actor {
    Actor { principal: Some(p.clone()), mfa, via: Via::Session, grants: vec![] }
}

// --- random directories -------------------------------------------------

fn arb_directory() -> impl Strategy<Value = Directory> {
    let tenants = 1usize..=3;
    tenants
        .prop_flat_map(|nt| {
            (
                Just(nt),
                prop::collection::vec((0..nt, any::<u8>()), 1..=6), // org units (tenant, parent choice)
                prop::collection::vec(0..nt, 0..=3),                // groups
                prop::collection::vec((0..nt, 0u8..4, any::<u8>(), any::<u8>(), any::<bool>()), 2..=12), // principals
                prop::collection::vec((0..nt, any::<u8>(), any::<u8>(), any::<u8>(), 0u8..8), 1..=5), // segments
                prop::collection::vec((any::<bool>(), any::<u8>(), prop::collection::vec(any::<u8>(), 0..=2)), 0..=3), // barriers
                prop::collection::vec((any::<u8>(), any::<u8>(), any::<bool>(), any::<bool>()), 0..=2), // links
            )
        })
        .prop_map(|(nt, units, groups, principals, segments, barriers, links)| {
            let tid = |i: usize| format!("t{i}");
            let tenants: Vec<Tenant> = (0..nt).map(|i| tenant(&tid(i))).collect();
            let mut org_units: Vec<OrgUnit> = Vec::new();
            for (i, (t, parent)) in units.iter().enumerate() {
                let same: Vec<&OrgUnit> = org_units.iter().filter(|o| o.tenant == tid(*t)).collect();
                let parent = if same.is_empty() || parent.is_multiple_of(3) {
                    None
                } else {
                    Some(same[*parent as usize % same.len()].id.clone())
                };
                org_units.push(OrgUnit { id: format!("u{i}"), tenant: tid(*t), name: format!("U{i}"), parent });
            }
            let groups: Vec<Group> = groups
                .iter()
                .enumerate()
                .map(|(i, t)| Group { id: format!("g{i}"), tenant: tid(*t), name: format!("G{i}") })
                .collect();
            let pick_unit = |t: &str, n: u8| {
                let same: Vec<&OrgUnit> = org_units.iter().filter(|o| o.tenant == t).collect();
                (!same.is_empty() && !n.is_multiple_of(4)).then(|| same[n as usize % same.len()].id.clone())
            };
            let pick_group = |t: &str, n: u8| {
                let same: Vec<&Group> = groups.iter().filter(|o| o.tenant == t).collect();
                (!same.is_empty() && n.is_multiple_of(2)).then(|| same[n as usize % same.len()].id.clone())
            };
            let principals: Vec<Principal> = principals
                .iter()
                .enumerate()
                .map(|(i, (t, kind, unit, group, attr))| {
                    let t = tid(*t);
                    let mut p = principal(&format!("p{i}"), &t, PrincipalKind::ALL[*kind as usize], None);
                    p.org_unit = pick_unit(&t, *unit);
                    p.groups = pick_group(&t, *group).into_iter().collect();
                    if *attr {
                        p.attributes.insert("role".into(), "teacher".into());
                    }
                    p
                })
                .collect();
            let segments: Vec<Segment> = segments
                .iter()
                .enumerate()
                .map(|(i, (t, unit, group, kinds, which))| {
                    let t = tid(*t);
                    let mut f = SegmentFilter::default();
                    if which & 1 != 0 {
                        f.kinds =
                            PrincipalKind::ALL.iter().copied().filter(|k| (kinds >> (*k as u8)) & 1 == 1).collect();
                    }
                    if which & 2 != 0 {
                        f.org_unit = pick_unit(&t, *unit | 1);
                    }
                    if which & 4 != 0 {
                        f.groups = pick_group(&t, *group & !1).into_iter().collect();
                    }
                    if *which == 7 {
                        f.attributes.insert("role".into(), "teacher".into());
                    }
                    Segment { id: format!("s{i}"), tenant: t, name: format!("S{i}"), filter: f }
                })
                .collect();
            let seg = |n: u8| &segments[n as usize % segments.len()];
            let barriers: Vec<BarrierRule> = barriers
                .iter()
                .enumerate()
                .map(|(i, (block, a, with))| {
                    let a = seg(*a);
                    let rule = if *block {
                        let b = seg(with.first().copied().unwrap_or(0));
                        BarrierKind::Block { a: a.id.clone(), b: b.id.clone() }
                    } else {
                        BarrierKind::OnlyWith {
                            a: a.id.clone(),
                            with: with.iter().map(|w| seg(*w).id.clone()).collect(),
                        }
                    };
                    BarrierRule { id: format!("b{i}"), tenant: a.tenant.clone(), rule }
                })
                .collect();
            let links: Vec<FederationLink> = links
                .iter()
                .enumerate()
                .filter_map(|(i, (a, b, ca, cb))| {
                    let (sa, sb) = (seg(*a), seg(*b));
                    (sa.tenant != sb.tenant).then(|| FederationLink {
                        id: format!("l{i}"),
                        tenant_a: sa.tenant.clone(),
                        segment_a: sa.id.clone(),
                        tenant_b: sb.tenant.clone(),
                        segment_b: sb.id.clone(),
                        consent_a: *ca,
                        consent_b: *cb,
                    })
                })
                .collect();
            Directory::new(tenants, principals, org_units, groups, segments, barriers, links)
        })
}

fn pairs(dir: &Directory) -> Vec<(&Principal, &Principal)> {
    let mut ps: Vec<&Principal> = dir.principals.values().collect();
    ps.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out = Vec::new();
    for a in &ps {
        for b in &ps {
            out.push((*a, *b));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000)
    ))]

    #[test]
    fn no_cross_tenant_discovery_without_a_live_link(dir in arb_directory()) {
        for (a, b) in pairs(&dir) {
            if a.tenant != b.tenant && discover(&dir, a, b).is_ok() {
                let linked = dir.links.iter().any(|l| l.active() && (
                    (l.tenant_a == a.tenant && dir.in_segment(&l.segment_a, a) && l.tenant_b == b.tenant && dir.in_segment(&l.segment_b, b)) ||
                    (l.tenant_b == a.tenant && dir.in_segment(&l.segment_b, a) && l.tenant_a == b.tenant && dir.in_segment(&l.segment_a, b))));
                prop_assert!(linked, "{} found {} without a link", a.id, b.id);
            }
        }
    }

    #[test]
    fn discovery_is_symmetric_and_always_concealed(dir in arb_directory()) {
        for (a, b) in pairs(&dir) {
            let ab = discover(&dir, a, b);
            prop_assert_eq!(ab.is_ok(), discover(&dir, b, a).is_ok(), "{} vs {}", &a.id, &b.id);
            if let Err(d) = ab {
                prop_assert!(d.conceal);
            }
        }
    }

    #[test]
    fn block_rules_hold_both_ways(dir in arb_directory()) {
        for r in &dir.barriers {
            if let BarrierKind::Block { a: x, b: y } = &r.rule {
                for (a, b) in pairs(&dir) {
                    if a.id != b.id && dir.in_segment(x, a) && dir.in_segment(y, b) {
                        prop_assert!(discover(&dir, a, b).is_err());
                        prop_assert!(discover(&dir, b, a).is_err());
                    }
                }
            }
        }
    }

    #[test]
    fn only_with_is_closed(dir in arb_directory()) {
        for r in &dir.barriers {
            if let BarrierKind::OnlyWith { a: x, with } = &r.rule {
                for (a, b) in pairs(&dir) {
                    if a.id != b.id && dir.in_segment(x, a) && discover(&dir, a, b).is_ok() {
                        prop_assert!(dir.in_segment(x, b) || with.iter().any(|w| dir.in_segment(w, b)),
                            "{} in {} reached {} outside its segments", &a.id, x, &b.id);
                    }
                }
            }
        }
    }

    #[test]
    fn operators_discover_no_one(dir in arb_directory()) {
        let mut op = principal("op", OPERATOR_REALM, PrincipalKind::Service, None);
        op.roles.push(Role::OperatorAdmin);
        let actor = actor(&op, true);
        for p in dir.principals.values() {
            let d = authorize(&dir, &actor, Action::PrincipalView, &Resource::Principal(p), 0);
            let concealed = matches!(d, Decision::Deny(Denial { conceal: true, .. }));
            prop_assert!(concealed);
            let d = authorize(&dir, &actor, Action::PrincipalList, &Resource::Tenant(&p.tenant), 0);
            prop_assert!(!d.is_allow());
        }
    }

    /// Content reached through a share: allowed exactly while the caller can
    /// still discover the sharer (barriers, links and suspensions as they
    /// are now, not as they were when sharing) and the level lets content
    /// into the caller's tenant; otherwise concealed or explained, never
    /// allowed by the share alone.
    #[test]
    fn shared_access_holds_only_while_the_sharer_is_discoverable(dir in arb_directory(), level in 0u8..4) {
        for (me, sharer) in pairs(&dir) {
            let c = ContentRef {
                tenant: sharer.tenant.clone(),
                drive: DriveRef::Personal(sharer.id.clone()),
                path: "/delt/fil.txt".into(),
                level,
                access: Some(AccessRole::Viewer),
                shared_by: Some(sharer.id.clone()),
            };
            let d = authorize(&dir, &actor(me, true), Action::ContentRead, &Resource::Content(&c), 0);
            let lvl = dir.tenants[&sharer.tenant].scheme.level(level).expect("level");
            let reachable = crate::discover(&dir, me, sharer).is_ok()
                && (me.tenant == sharer.tenant || lvl.external_sharing != suveren_domain::ExternalSharing::None);
            prop_assert_eq!(d.is_allow(), reachable && !sharer.disabled, "{} reading {}'s share", me.login, sharer.login);
            // A viewer's share never writes.
            let w = authorize(&dir, &actor(me, true), Action::ContentWrite, &Resource::Content(&c), 0);
            prop_assert!(!w.is_allow());
        }
    }
}

// --- unit tests ---------------------------------------------------------

fn content(tenant: &str, owner: &str, level: u8, access: Option<AccessRole>) -> ContentRef {
    ContentRef {
        shared_by: None,
        tenant: tenant.into(),
        drive: DriveRef::Personal(owner.into()),
        path: "/a/b.txt".into(),
        level,
        access,
    }
}

fn small_dir() -> Directory {
    let mut admin = principal("anna", "nordvik", PrincipalKind::Employee, None);
    admin.roles.push(Role::TenantAdmin);
    Directory::new(
        [tenant("nordvik"), tenant("sorvik")],
        [
            admin,
            principal("siri", "nordvik", PrincipalKind::Employee, None),
            principal("erik", "sorvik", PrincipalKind::Employee, None),
            principal("gus", "nordvik", PrincipalKind::Guest, None),
        ],
        [],
        [],
        [],
        [],
        [],
    )
}

#[test]
fn public_actions_need_no_one() {
    let d = small_dir();
    assert!(authorize(&d, &Actor::anonymous(), Action::SignIn, &Resource::Installation, 0).is_allow());
    let deny = authorize(&d, &Actor::anonymous(), Action::DirectorySearch, &Resource::Directory, 0);
    assert!(matches!(deny, Decision::Deny(Denial { rule: Rule::Authentication, .. })));
}

#[test]
fn tenant_admin_needs_role_tenant_and_mfa() {
    let d = small_dir();
    let anna = d.principals["anna"].clone();
    let siri = d.principals["siri"].clone();
    assert!(authorize(&d, &actor(&anna, true), Action::PrincipalCreate, &Resource::Tenant("nordvik"), 0).is_allow());
    let no_mfa = authorize(&d, &actor(&anna, false), Action::PrincipalCreate, &Resource::Tenant("nordvik"), 0);
    assert!(matches!(no_mfa, Decision::Deny(Denial { rule: Rule::Authentication, conceal: false, .. })));
    let other = authorize(&d, &actor(&anna, true), Action::PrincipalCreate, &Resource::Tenant("sorvik"), 0);
    assert!(matches!(other, Decision::Deny(Denial { conceal: true, .. })), "other tenant looks absent");
    let Decision::Deny(role) =
        authorize(&d, &actor(&siri, true), Action::PrincipalCreate, &Resource::Tenant("nordvik"), 0)
    else {
        panic!("member allowed to administer")
    };
    assert_eq!(role.rule, Rule::Role);
    assert!(role.message.contains("nordvik kommune"), "{}", role.message);
}

#[test]
fn operator_bootstraps_only_the_first_admin() {
    let d = small_dir();
    let mut op = principal("op", OPERATOR_REALM, PrincipalKind::Service, None);
    op.roles.push(Role::OperatorAdmin);
    let a = actor(&op, true);
    assert!(authorize(&d, &a, Action::TenantBootstrapAdmin, &Resource::Tenant("sorvik"), 0).is_allow());
    assert!(!authorize(&d, &a, Action::TenantBootstrapAdmin, &Resource::Tenant("nordvik"), 0).is_allow());
    assert!(authorize(&d, &a, Action::TenantCreate, &Resource::Installation, 0).is_allow());
}

#[test]
fn classification_demands_mfa_and_refuses_links_with_reasons() {
    let d = small_dir();
    let siri = d.principals["siri"].clone();
    let c = content("nordvik", "siri", 3, Some(AccessRole::Owner));
    let Decision::Deny(no_mfa) = authorize(&d, &actor(&siri, false), Action::ContentRead, &Resource::Content(&c), 0)
    else {
        panic!("restricted content opened without MFA")
    };
    assert_eq!(no_mfa.rule, Rule::Classification);
    assert!(no_mfa.message.starts_with("Restricted content requires"), "{}", no_mfa.message);
    assert!(authorize(&d, &actor(&siri, true), Action::ContentRead, &Resource::Content(&c), 0).is_allow());

    let link = Resource::Share { content: &c, target: ShareTarget::PublicLink };
    let Decision::Deny(l) = authorize(&d, &actor(&siri, true), Action::ContentShare, &link, 0) else { panic!() };
    assert_eq!(l.message, "Restricted content cannot be shared by link.");

    let open = content("nordvik", "siri", 0, Some(AccessRole::Owner));
    let link = Resource::Share { content: &open, target: ShareTarget::PublicLink };
    assert!(authorize(&d, &actor(&siri, false), Action::ContentShare, &link, 0).is_allow());

    let gus = d.principals["gus"].clone();
    let internal = content("nordvik", "siri", 2, Some(AccessRole::Owner));
    let to_guest = Resource::Share { content: &internal, target: ShareTarget::Principal(&gus) };
    let Decision::Deny(g) = authorize(&d, &actor(&siri, true), Action::ContentShare, &to_guest, 0) else { panic!() };
    assert_eq!(g.message, "Confidential content cannot be shared with guests.");
}

#[test]
fn admins_have_no_content_rights_without_a_live_grant() {
    let d = small_dir();
    let anna = d.principals["anna"].clone();
    let c = content("nordvik", "siri", 1, None);
    let deny = authorize(&d, &actor(&anna, true), Action::ContentRead, &Resource::Content(&c), 100);
    assert!(matches!(deny, Decision::Deny(Denial { conceal: true, .. })));

    let grant = |expires, revoked, ops: Vec<ContentOp>| Grant {
        id: "g1".into(),
        tenant: "nordvik".into(),
        scope: GrantScope::DriveOf("siri".into()),
        ops,
        expires_unix: expires,
        revoked,
    };
    let mut a = actor(&anna, true);
    a.grants = vec![grant(200, false, vec![ContentOp::Read])];
    assert_eq!(
        authorize(&d, &a, Action::ContentRead, &Resource::Content(&c), 100),
        Decision::Allow { acting_under: Some("g1".into()) }
    );
    assert!(!authorize(&d, &a, Action::ContentWrite, &Resource::Content(&c), 100).is_allow(), "action outside grant");
    assert!(!authorize(&d, &a, Action::ContentRead, &Resource::Content(&c), 200).is_allow(), "expired");
    a.grants = vec![grant(200, true, vec![ContentOp::Read])];
    assert!(!authorize(&d, &a, Action::ContentRead, &Resource::Content(&c), 100).is_allow(), "revoked");
    let other = ContentRef { drive: DriveRef::Personal("anna".into()), ..c.clone() };
    a.grants = vec![grant(200, false, vec![ContentOp::Read])];
    assert!(!authorize(&d, &a, Action::ContentRead, &Resource::Content(&other), 100).is_allow(), "other scope");
    let folder = Grant {
        scope: GrantScope::Folder { drive: DriveRef::Personal("siri".into()), path: "/a".into() },
        ..grant(200, false, vec![ContentOp::Read])
    };
    a.grants = vec![folder];
    assert!(authorize(&d, &a, Action::ContentRead, &Resource::Content(&c), 100).is_allow());
    let sibling = ContentRef { path: "/ab/c".into(), ..c };
    assert!(
        !authorize(&d, &a, Action::ContentRead, &Resource::Content(&sibling), 100).is_allow(),
        "prefix is not a folder"
    );
}

#[test]
fn restricted_content_is_not_shared_outside_the_tenant() {
    let mut d = small_dir();
    d.segments.insert(
        "emp-n".into(),
        Segment { id: "emp-n".into(), tenant: "nordvik".into(), name: "e".into(), filter: Default::default() },
    );
    d.segments.insert(
        "emp-s".into(),
        Segment { id: "emp-s".into(), tenant: "sorvik".into(), name: "e".into(), filter: Default::default() },
    );
    d.links.push(FederationLink {
        id: "l".into(),
        tenant_a: "nordvik".into(),
        segment_a: "emp-n".into(),
        tenant_b: "sorvik".into(),
        segment_b: "emp-s".into(),
        consent_a: true,
        consent_b: true,
    });
    let siri = d.principals["siri"].clone();
    let erik = d.principals["erik"].clone();
    let c = content("nordvik", "siri", 3, Some(AccessRole::Owner));
    let r = Resource::Share { content: &c, target: ShareTarget::Principal(&erik) };
    let Decision::Deny(x) = authorize(&d, &actor(&siri, true), Action::ContentShare, &r, 0) else { panic!() };
    assert_eq!(x.message, "Restricted content cannot be shared outside nordvik kommune.");
    let c1 = content("nordvik", "siri", 1, Some(AccessRole::Owner));
    let r = Resource::Share { content: &c1, target: ShareTarget::Principal(&erik) };
    assert!(authorize(&d, &actor(&siri, true), Action::ContentShare, &r, 0).is_allow());
}

// --- lockbox ------------------------------------------------------------

fn arb_grant() -> impl Strategy<Value = (u8, u8, u8, Vec<bool>, i64, bool)> {
    // (tenant index, scope kind, owner index, ops mask, expiry, revoked)
    (0u8..3, 0u8..3, 0u8..4, prop::collection::vec(any::<bool>(), 6), 0i64..200, any::<bool>())
}

const OPS: [ContentOp; 6] =
    [ContentOp::List, ContentOp::Read, ContentOp::Write, ContentOp::Delete, ContentOp::Share, ContentOp::Declassify];

fn action_of(op: ContentOp) -> Action {
    match op {
        ContentOp::List => Action::ContentList,
        ContentOp::Read => Action::ContentRead,
        ContentOp::Write => Action::ContentWrite,
        ContentOp::Delete => Action::ContentDelete,
        ContentOp::Share => Action::ContentShare,
        ContentOp::Declassify => Action::ContentDeclassify,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000)
    ))]

    /// Without own rights, content opens exactly where a live grant of the
    /// same tenant covers the scope and the operation, at level ≤ 1 (MFA
    /// aside), and nowhere else; a refusal for an operation outside a live
    /// grant's list names the grant rather than hiding the content.
    #[test]
    fn grants_open_exactly_their_scope_and_operations(
        dir in arb_directory(),
        g in arb_grant(),
        c_tenant in 0u8..3, c_owner in 0u8..4, c_team in any::<bool>(), c_path in 0u8..4,
        op_i in 0usize..6, now in 0i64..200, who in any::<u8>(),
    ) {
        let people: Vec<&Principal> = dir.principals.values().collect();
        let me = people[who as usize % people.len()];
        let (gt, kind, owner, mask, expires, revoked) = g;
        let paths = ["/", "/a", "/a/b", "/c"];
        let drive_of = |team: bool, o: u8| if team { DriveRef::Team(format!("d{o}")) } else { DriveRef::Personal(format!("p{o}")) };
        let scope = match kind {
            0 => GrantScope::DriveOf(format!("p{owner}")),
            1 => GrantScope::Drive(format!("d{owner}")),
            _ => GrantScope::Folder { drive: drive_of(owner % 2 == 0, owner), path: "/a".into() },
        };
        let ops: Vec<ContentOp> = OPS.iter().zip(&mask).filter(|(_, m)| **m).map(|(o, _)| *o).collect();
        let grant = Grant { id: "g".into(), tenant: format!("t{gt}"), scope: scope.clone(), ops: ops.clone(), expires_unix: expires, revoked };
        let c = ContentRef {
            tenant: format!("t{c_tenant}"),
            drive: drive_of(c_team, c_owner),
            path: paths[c_path as usize].into(),
            level: 1,
            access: None,
            shared_by: None,
        };
        let op = OPS[op_i];
        let mut a = actor(me, true);
        a.grants = vec![grant.clone()];
        let got = authorize(&dir, &a, action_of(op), &Resource::Content(&c), now);
        let in_scope = match &scope {
            GrantScope::DriveOf(p) => c.drive == DriveRef::Personal(p.clone()),
            GrantScope::Drive(d) => c.drive == DriveRef::Team(d.clone()),
            GrantScope::Folder { drive, .. } => *drive == c.drive && (c.path == "/a" || c.path.starts_with("/a/")),
        };
        let live = !revoked && now < expires && grant.tenant == c.tenant && dir.tenants.contains_key(&c.tenant);
        let tenant_ok = dir.tenants.get(&me.tenant).is_some_and(|t| !t.suspended) && !me.disabled;
        let expect_allow = tenant_ok && live && in_scope && ops.contains(&op);
        prop_assert_eq!(got.is_allow(), expect_allow, "{:?} {:?} {:?}", grant, c, op);
        if let Decision::Allow { acting_under } = &got {
            prop_assert_eq!(acting_under.as_deref(), Some("g"));
        }
        if tenant_ok && live && in_scope && !ops.contains(&op) {
            let Decision::Deny(d) = got else { unreachable!() };
            prop_assert!(!d.conceal && d.rule == Rule::Lockbox);
        }
    }

    /// Nobody decides a request they filed; only approvers of the request's
    /// tenant decide, with a second factor.
    #[test]
    fn the_requester_never_decides(dir in arb_directory(), who in any::<u8>(), req in any::<u8>(), t in 0u8..3, mfa in any::<bool>(), roles in any::<u8>()) {
        let mut people: Vec<Principal> = dir.principals.values().cloned().collect();
        people.sort_by(|a, b| a.id.cmp(&b.id));
        let mut me = people[who as usize % people.len()].clone();
        if roles & 1 == 1 { me.roles.push(Role::LockboxApprover); }
        if roles & 2 == 2 { me.roles.push(Role::TenantAdmin); }
        let requester = if roles & 4 == 4 { me.id.clone() } else { people[req as usize % people.len()].id.clone() };
        let r = LockboxRef { id: "r".into(), tenant: format!("t{t}"), requester: requester.clone() };
        for action in [Action::LockboxApprove, Action::LockboxDeny] {
            let got = authorize(&dir, &actor(&me, mfa), action, &Resource::LockboxRequest(&r), 0);
            if got.is_allow() {
                prop_assert!(requester != me.id);
                prop_assert!(me.tenant == r.tenant && me.has_role(Role::LockboxApprover) && mfa);
            }
        }
    }
}

// --- refusal codes ------------------------------------------------------

/// Checks one refusal against the catalogue: a known message id, exactly
/// the arguments its sentence names, and `message` being that sentence.
fn check_refusal(d: &Denial) -> Result<(), String> {
    let Some(template) = english(d.code) else {
        return Err(format!("{} is not in MESSAGES", d.code));
    };
    let mut want: Vec<&str> = arg_names(template);
    let mut got: Vec<&str> = d.args.iter().map(|(n, _)| *n).collect();
    want.sort_unstable();
    got.sort_unstable();
    if want != got {
        return Err(format!("{}: arguments {got:?}, the sentence names {want:?}", d.code));
    }
    if d.message != fill(template, &d.args) || d.message.contains('{') {
        return Err(format!("{}: message {:?} is not its sentence", d.code, d.message));
    }
    Ok(())
}

const ONE_ACTION_PER_CLASS: [Action; 17] = [
    Action::SignIn,
    Action::SessionRead,
    Action::PrincipalView,
    Action::PrincipalCreate,
    Action::AuditRead,
    Action::TenantCreate,
    Action::TenantBootstrapAdmin,
    Action::ContentList,
    Action::ContentRead,
    Action::ContentWrite,
    Action::ContentShare,
    Action::ContentDeclassify,
    Action::LinkRead,
    Action::LinkUpload,
    Action::LockboxFile,
    Action::LockboxView,
    Action::LockboxApprove,
];

/// Every decision of `actor` on a spread of resources in `dir`.
fn decisions(dir: &Directory, actor: &Actor) -> Vec<Decision> {
    let mut people: Vec<&Principal> = dir.principals.values().collect();
    people.sort_by(|a, b| a.id.cmp(&b.id));
    let tenants: Vec<&str> = dir.tenants.keys().map(String::as_str).chain([OPERATOR_REALM, "missing"]).collect();
    let mut contents = Vec::new();
    for t in &tenants {
        for level in 0..5u8 {
            for access in [None, Some(AccessRole::Viewer), Some(AccessRole::Editor), Some(AccessRole::Owner)] {
                let owner = people.iter().find(|p| p.tenant == *t).map(|p| p.id.as_str()).unwrap_or("nobody");
                contents.push(content(t, owner, level, access));
                let mut shared = content(t, owner, level, access);
                shared.shared_by = Some(owner.into());
                contents.push(shared);
            }
        }
    }
    let group = Group { id: "g".into(), tenant: "sorvik".into(), name: "G".into() };
    let requests: Vec<LockboxRef> = people
        .iter()
        .flat_map(|p| {
            tenants.iter().map(|t| LockboxRef { id: "r".into(), tenant: (*t).into(), requester: p.id.clone() })
        })
        .collect();
    let mut resources = vec![Resource::Installation, Resource::Own, Resource::Directory];
    resources.extend(tenants.iter().map(|t| Resource::Tenant(t)));
    resources.extend(people.iter().map(|p| Resource::Principal(p)));
    resources.extend(requests.iter().map(Resource::LockboxRequest));
    for c in &contents {
        resources.push(Resource::Content(c));
        resources.push(Resource::Share { content: c, target: ShareTarget::PublicLink });
        resources.push(Resource::Share { content: c, target: ShareTarget::Guest });
        resources.push(Resource::Share { content: c, target: ShareTarget::Group(&group) });
        for p in &people {
            resources.push(Resource::Share { content: c, target: ShareTarget::Principal(p) });
        }
    }
    let mut out = Vec::new();
    for action in ONE_ACTION_PER_CLASS {
        for r in &resources {
            out.push(authorize(dir, actor, action, r, 100));
        }
    }
    out
}

/// A directory where every refusal of the gate can happen: two linked
/// tenants, a suspended one, a barrier, guests, approvers and an operator.
fn full_dir() -> (Directory, Vec<Actor>) {
    let mut anna = principal("anna", "nordvik", PrincipalKind::Employee, None);
    anna.roles.extend([Role::TenantAdmin, Role::LockboxApprover, Role::Auditor]);
    let mut lena = principal("lena", "nordvik", PrincipalKind::Employee, None);
    lena.roles.push(Role::LockboxApprover);
    let mut tora = principal("tora", "nordvik", PrincipalKind::Employee, None);
    tora.roles.push(Role::TenantAdmin);
    let mut off = principal("off", "nordvik", PrincipalKind::Employee, None);
    off.disabled = true;
    let mut pupil = principal("per", "nordvik", PrincipalKind::Pupil, None);
    pupil.groups.push("pupils".into());
    let mut op = principal("op", OPERATOR_REALM, PrincipalKind::Service, None);
    op.roles.push(Role::OperatorAdmin);
    let mut nordvik = tenant("nordvik");
    nordvik.lockbox.approvers = vec!["anna".into()];
    let mut ostvik = tenant("ostvik");
    ostvik.suspended = true;
    let seg =
        |id: &str, t: &str, f: SegmentFilter| Segment { id: id.into(), tenant: t.into(), name: id.into(), filter: f };
    let pupils = SegmentFilter { kinds: vec![PrincipalKind::Pupil], ..Default::default() };
    let staff = SegmentFilter { kinds: vec![PrincipalKind::Employee], ..Default::default() };
    let dir = Directory::new(
        [nordvik, tenant("sorvik"), ostvik],
        [
            anna.clone(),
            lena.clone(),
            tora.clone(),
            off.clone(),
            pupil.clone(),
            op.clone(),
            principal("siri", "nordvik", PrincipalKind::Employee, None),
            principal("gus", "nordvik", PrincipalKind::Guest, None),
            principal("erik", "sorvik", PrincipalKind::Employee, None),
            principal("olga", "ostvik", PrincipalKind::Employee, None),
        ],
        [],
        [],
        [seg("pupils", "nordvik", pupils), seg("staff-n", "nordvik", staff.clone()), seg("staff-s", "sorvik", staff)],
        [BarrierRule {
            id: "b".into(),
            tenant: "nordvik".into(),
            rule: BarrierKind::Block { a: "pupils".into(), b: "staff-n".into() },
        }],
        [FederationLink {
            id: "l".into(),
            tenant_a: "nordvik".into(),
            segment_a: "staff-n".into(),
            tenant_b: "sorvik".into(),
            segment_b: "staff-s".into(),
            consent_a: true,
            consent_b: true,
        }],
    );
    let mut with_grant = actor(&tora, true);
    with_grant.grants = vec![Grant {
        id: "g1".into(),
        tenant: "nordvik".into(),
        scope: GrantScope::DriveOf("anna".into()),
        ops: vec![ContentOp::List, ContentOp::Read],
        expires_unix: 1000,
        revoked: false,
    }];
    let olga = dir.principals["olga"].clone();
    let mut actors = vec![Actor::anonymous(), with_grant, actor(&olga, true)];
    for p in [&anna, &lena, &tora, &off, &pupil, &op, &dir.principals["siri"], &dir.principals["erik"]] {
        actors.push(actor(p, true));
        actors.push(actor(p, false));
    }
    (dir, actors)
}

/// Refusals the services raise themselves, not the gate.
const SERVICE_CODES: [&str; 11] = [
    "deny-totp-replace-mfa",
    "deny-self-grant-drive",
    "deny-self-grant-level",
    "deny-level-below-folder",
    "deny-move-below-level",
    "deny-copy-below-level",
    "deny-legal-hold",
    "deny-legal-hold-path",
    "deny-legal-hold-move",
    "deny-min-retention",
    "deny-min-retention-path",
];

#[test]
fn every_refusal_has_a_code_with_its_arguments_and_every_code_happens() {
    let (dir, actors) = full_dir();
    let mut seen = std::collections::BTreeSet::new();
    for a in &actors {
        for d in decisions(&dir, a) {
            if let Decision::Deny(d) = d {
                assert!(!d.code.is_empty());
                check_refusal(&d).unwrap_or_else(|e| panic!("{} {e}", a.login()));
                seen.insert(d.code);
            }
        }
    }
    let mut ids: Vec<&str> = MESSAGES.iter().map(|(c, _)| *c).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "a message id is listed twice");
    let never: Vec<&str> = ids.iter().copied().filter(|c| !seen.contains(c) && !SERVICE_CODES.contains(c)).collect();
    assert!(never.is_empty(), "the gate never refuses with {never:?}: unused, or the fixture misses a case");
    for c in SERVICE_CODES {
        assert!(!seen.contains(c), "{c} is the gate's after all");
    }
}

#[test]
fn arguments_fill_in_one_pass() {
    let d = Denial::open(Rule::Classification, "deny-external-level").with("level", "{tenant}").with("tenant", "A");
    assert_eq!(d.message, "{tenant} content cannot be shared outside A.");
    assert_eq!(arg_names("{a} and {b}."), ["a", "b"]);
    let d = Denial::open(Rule::Role, "deny-role-tenant-admin");
    assert_eq!(d.message, "Only tenant administrators of {tenant} may do this.", "unfilled names stay");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000) / 50
    ))]

    /// On random directories too, every refusal carries a known code and
    /// its sentence filled with exactly its arguments.
    #[test]
    fn random_refusals_have_codes(dir in arb_directory(), mfa in any::<bool>(), roles in any::<u8>()) {
        let mut people: Vec<Principal> = dir.principals.values().cloned().collect();
        people.sort_by(|a, b| a.id.cmp(&b.id));
        for mut p in people.into_iter().take(3) {
            if roles & 1 == 1 { p.roles.push(Role::TenantAdmin); }
            if roles & 2 == 2 { p.roles.push(Role::LockboxApprover); }
            for d in decisions(&dir, &actor(&p, mfa)) {
                if let Decision::Deny(d) = d {
                    prop_assert!(!d.code.is_empty());
                    if let Err(e) = check_refusal(&d) { prop_assert!(false, "{}", e); }
                }
            }
        }
    }
}
