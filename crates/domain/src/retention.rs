//! Retention and legal hold: why a piece of content must be kept.
//!
//! The level's retention rule ([`crate::classification::Retention`]) and
//! legal holds are facts about data, not about who asks, so they are decided
//! here, once, for every path that deletes: a user's delete or purge, the
//! retention job, and GDPR erasure. Each answer carries the sentence shown to
//! the user and written to the audit log. Pure: the caller passes `now`.

use serde::{Deserialize, Serialize};

use crate::classification::Level;

pub const DAY_MS: i64 = 86_400_000;

/// What a legal hold covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldScope {
    /// A principal's personal drive, and every file elsewhere whose current
    /// content they wrote (its author). `login` is kept so that the hold
    /// still names them after an erasure.
    Principal { id: String, login: String },
    /// One drive, by id.
    Drive { drive: String },
    /// One folder (path prefix) of a drive and everything below it.
    Folder { drive: String, path: String },
}

/// A legal hold (litigation hold): while active, nothing it covers is
/// deleted, purged, pruned or expired, whatever the retention rules say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalHold {
    pub id: String,
    pub tenant: String,
    pub scope: HoldScope,
    pub reason: String,
    pub case_ref: String,
    pub created_by: String,
    /// Unix ms.
    pub created: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released: Option<HoldRelease>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldRelease {
    pub by: String,
    /// Unix ms.
    pub at: i64,
    pub note: String,
}

/// One item as the retention rules see it.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub drive: &'a str,
    /// The principal whose personal drive holds the item, if any.
    pub personal_owner: Option<&'a str>,
    pub path: &'a str,
    pub author: Option<&'a str>,
    pub dir: bool,
    /// Unix ms when the server first stored it.
    pub created: i64,
}

/// Whether `path` is `base` or lies below it.
fn within(path: &str, base: &str) -> bool {
    let base = base.trim_end_matches('/');
    base.is_empty() || path == base || (path.starts_with(base) && path.as_bytes().get(base.len()) == Some(&b'/'))
}

impl LegalHold {
    pub fn active(&self) -> bool {
        self.released.is_none()
    }

    /// Whether the hold covers this item.
    pub fn covers(&self, it: &Item) -> bool {
        self.active()
            && match &self.scope {
                HoldScope::Principal { id, login } => {
                    it.personal_owner == Some(id.as_str()) || it.author.is_some_and(|a| a == login)
                }
                HoldScope::Drive { drive } => it.drive == drive,
                HoldScope::Folder { drive, path } => it.drive == drive && within(it.path, path),
            }
    }

    /// Whether moving `path` (with its subtree) out of `drive` to `to_drive`
    /// would take held content out of the hold's reach. Moves that stay
    /// inside what the hold covers are fine.
    pub fn escapes(&self, drive: &str, personal_owner: Option<&str>, path: &str, to_drive: &str, to: &str) -> bool {
        if !self.active() {
            return false;
        }
        match &self.scope {
            HoldScope::Principal { id, .. } => personal_owner == Some(id.as_str()) && drive != to_drive,
            HoldScope::Drive { drive: d } => d == drive && drive != to_drive,
            HoldScope::Folder { drive: d, path: p } => {
                let touches = d == drive && (within(path, p) || within(p, path));
                touches && !(d == to_drive && within(to, p) && within(path, p))
            }
        }
    }

    /// The sentence a refusal carries.
    pub fn refusal(&self) -> String {
        format!("Under legal hold (case {}) since {}.", self.case_ref, date(self.created))
    }

    /// Whether a move or deletion at `path` in `drive` reaches into what the
    /// hold covers (for folders: the held folder lies in the subtree).
    pub fn reaches_into(&self, drive: &str, path: &str) -> bool {
        match &self.scope {
            HoldScope::Folder { drive: d, path: p } => self.active() && d == drive && within(p, path),
            _ => false,
        }
    }
}

/// Why an item must be kept, if it must.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Keep {
    Hold { hold: String, case_ref: String, since: i64, message: String },
    MinRetention { level: String, until: i64, message: String },
}

impl Keep {
    pub fn message(&self) -> &str {
        match self {
            Keep::Hold { message, .. } | Keep::MinRetention { message, .. } => message,
        }
    }
}

/// Why `it` must not be deleted or purged at `now`, if anything keeps it:
/// first a legal hold (it has no end date), then the level's minimum.
pub fn keep(it: &Item, level: Option<&Level>, holds: &[LegalHold], now: i64) -> Option<Keep> {
    if let Some(h) = holds.iter().find(|h| h.covers(it)) {
        return Some(Keep::Hold {
            hold: h.id.clone(),
            case_ref: h.case_ref.clone(),
            since: h.created,
            message: h.refusal(),
        });
    }
    if it.dir {
        return None;
    }
    let level = level?;
    let min = level.retention_rules().file_min_days?;
    let until = it.created.saturating_add(i64::from(min) * DAY_MS);
    (now < until).then(|| Keep::MinRetention {
        level: level.name.clone(),
        until,
        message: format!("Kept until {} under the retention rule for {}.", date(until), level.name),
    })
}

/// `YYYY-MM-DD` (UTC) of a unix-ms instant; days from civil by Howard
/// Hinnant's algorithm, so this crate needs no clock or date library.
pub fn date(ms: i64) -> String {
    let z = ms.div_euclid(DAY_MS) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classification::{ClassificationScheme, Retention};

    fn hold(scope: HoldScope) -> LegalHold {
        LegalHold {
            id: "h1".into(),
            tenant: "t".into(),
            scope,
            reason: "r".into(),
            case_ref: "2026/17".into(),
            created_by: "a".into(),
            created: 1_795_000_000_000,
            released: None,
        }
    }

    fn item<'a>(drive: &'a str, path: &'a str) -> Item<'a> {
        Item { drive, personal_owner: None, path, author: None, dir: false, created: 0 }
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_803_859_200_000), "2027-03-01");
        assert_eq!(date(951_782_400_000), "2000-02-29");
    }

    #[test]
    fn folder_holds_cover_their_subtree_only() {
        let h = hold(HoldScope::Folder { drive: "d".into(), path: "/Saker".into() });
        assert!(h.covers(&item("d", "/Saker")));
        assert!(h.covers(&item("d", "/Saker/a.txt")));
        assert!(!h.covers(&item("d", "/Sakerx/a.txt")));
        assert!(!h.covers(&item("e", "/Saker/a.txt")));
        assert!(h.reaches_into("d", "/"));
        assert!(h.escapes("d", None, "/Saker/a.txt", "d", "/a.txt"));
        assert!(!h.escapes("d", None, "/Saker/a.txt", "d", "/Saker/b/a.txt"));
        assert!(h.escapes("d", None, "/", "d", "/x"), "moving an ancestor moves the held folder");
        let mut released = h.clone();
        released.released = Some(HoldRelease { by: "a".into(), at: 1, note: "n".into() });
        assert!(!released.covers(&item("d", "/Saker/a.txt")));
    }

    #[test]
    fn hold_comes_before_minimum_and_minimum_ends() {
        let mut s = ClassificationScheme::norway();
        s.levels[2].retention = Some(Retention { file_min_days: Some(365), ..Default::default() });
        let it = Item { created: 1_772_323_200_000, ..item("d", "/a.txt") }; // 2026-03-01
        let k = keep(&it, s.level(2), &[], it.created + DAY_MS).unwrap();
        assert_eq!(k.message(), "Kept until 2027-03-01 under the retention rule for Fortrolig.");
        assert!(keep(&it, s.level(2), &[], it.created + 365 * DAY_MS).is_none());
        let h = hold(HoldScope::Drive { drive: "d".into() });
        let k = keep(&it, s.level(2), std::slice::from_ref(&h), it.created + 400 * DAY_MS).unwrap();
        assert!(k.message().starts_with("Under legal hold (case 2026/17) since 2026-11-18"), "{}", k.message());
    }
}
