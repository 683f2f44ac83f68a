//! Discovery between two principals: rule 1 (tenant isolation and
//! federation links) and rule 2 (information barriers).
//!
//! The relation is symmetric by construction: every check is evaluated in
//! both directions, so "a may find b" always equals "b may find a". That is
//! what lets the same function guard search, sharing, invitations and mail.

use suveren_domain::{BarrierKind, Directory, Principal};

use crate::{Denial, Rule};

/// May `a` discover and communicate with `b`? Denials are always concealed:
/// an undiscoverable principal must look exactly like a nonexistent one.
pub fn discover(dir: &Directory, a: &Principal, b: &Principal) -> Result<(), Denial> {
    if a.id == b.id {
        return Ok(());
    }
    if a.tenant != b.tenant {
        let linked =
            dir.links_between(&a.tenant, &b.tenant).any(|(sa, sb)| dir.in_segment(sa, a) && dir.in_segment(sb, b));
        if !linked {
            return Err(Denial::hidden(Rule::TenantIsolation, "deny-no-such-person"));
        }
    }
    let rules = dir
        .barriers_of(&a.tenant)
        .chain(if a.tenant != b.tenant { Some(dir.barriers_of(&b.tenant)) } else { None }.into_iter().flatten());
    for r in rules {
        let blocked = match &r.rule {
            BarrierKind::Block { a: x, b: y } => {
                (dir.in_segment(x, a) && dir.in_segment(y, b)) || (dir.in_segment(y, a) && dir.in_segment(x, b))
            }
            BarrierKind::OnlyWith { a: x, with } => {
                let allowed = |p: &Principal| dir.in_segment(x, p) || with.iter().any(|w| dir.in_segment(w, p));
                (dir.in_segment(x, a) && !allowed(b)) || (dir.in_segment(x, b) && !allowed(a))
            }
        };
        if blocked {
            return Err(Denial::hidden(Rule::InformationBarrier, "deny-no-such-person"));
        }
    }
    Ok(())
}
