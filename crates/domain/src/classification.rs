//! Classification schemes (trust model rule 3): an ordered list of levels,
//! each saying what content at that level may be used for.
//!
//! The scheme is data so that a tenant can edit it; the policy engine reads
//! the flags, never a level's name, so a Swedish KLASSA scheme and the
//! Norwegian four classes are enforced by the same code.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExternalSharing {
    /// Anyone, including other tenants without a federation link.
    Any,
    /// Only tenants joined by a federation link.
    FederatedOnly,
    /// Never outside the owning tenant.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailOutside {
    Allow,
    WarnConfirm,
    Block,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// Position in the order; higher is more sensitive.
    pub rank: u8,
    pub name: String,
    /// CSS colour for the banner, e.g. `#2e7d32`.
    pub colour: String,
    /// One plain sentence of what the level allows, shown on every container.
    pub description: String,
    pub external_sharing: ExternalSharing,
    pub guests: bool,
    pub public_links: bool,
    pub mail_outside: MailOutside,
    pub mfa: bool,
    /// Earlier versions of files kept at this level; `None` takes the
    /// default for the rank ([`Level::version_keep`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<VersionKeep>,
    /// How long content at this level is kept at least and at most; unset
    /// fields take the default for the rank ([`Level::retention_rules`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Retention>,
}

/// Retention of content at one level, in days. Every field is optional: an
/// unset field takes the rank's default (see [`Level::retention_rules`]).
///
/// Ages count from when the server first stored an item (its `created`
/// time; a copy is a new item), never from a client-supplied modification
/// time, so a client cannot make a file expire early.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// A file may not be deleted or purged before it is this old (a legal
    /// obligation to keep, e.g. case material). Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_min_days: Option<u32>,
    /// A file this old goes to the trash, and from there is purged after
    /// `trash_days` (data minimisation). Default: none (kept until deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_max_days: Option<u32>,
    /// Earlier versions older than this are pruned. Default: the `days` of
    /// the level's version setting (30, 90, 365, 3650 days by rank).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_max_days: Option<u32>,
    /// Deleted items are purged from the trash after this many days.
    /// Default: 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trash_days: Option<u32>,
}

/// The effective retention of a level, defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RetentionRules {
    pub file_min_days: Option<u32>,
    pub file_max_days: Option<u32>,
    pub version_max_days: u32,
    pub trash_days: u32,
}

/// The longest retention period a scheme may set: 100 years.
pub const MAX_RETENTION_DAYS: u32 = 36_500;

/// The trash period when a level sets none.
pub const DEFAULT_TRASH_DAYS: u32 = 30;

/// How many earlier versions of a file to keep, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionKeep {
    pub count: u32,
    pub days: u32,
}

impl Level {
    /// More sensitive content keeps a longer history (case files must show
    /// what was changed when), less sensitive content a shorter one.
    pub fn version_keep(&self) -> VersionKeep {
        self.versions.unwrap_or(match self.rank {
            0 => VersionKeep { count: 10, days: 30 },
            1 => VersionKeep { count: 25, days: 90 },
            2 => VersionKeep { count: 50, days: 365 },
            _ => VersionKeep { count: 100, days: 3650 },
        })
    }

    /// Retention with the rank's defaults filled in. No default sets a
    /// minimum or a maximum for files: keeping and deleting someone's work
    /// automatically is a decision the tenant takes explicitly. Versions
    /// default to the level's version setting, the trash to 30 days.
    pub fn retention_rules(&self) -> RetentionRules {
        let r = self.retention.unwrap_or_default();
        RetentionRules {
            file_min_days: r.file_min_days.filter(|d| *d > 0),
            file_max_days: r.file_max_days,
            version_max_days: r.version_max_days.unwrap_or(self.version_keep().days),
            trash_days: r.trash_days.unwrap_or(DEFAULT_TRASH_DAYS),
        }
    }
}

impl Retention {
    fn validate(&self) -> Result<(), String> {
        let fields = [
            ("file_min_days", self.file_min_days),
            ("file_max_days", self.file_max_days),
            ("version_max_days", self.version_max_days),
            ("trash_days", self.trash_days),
        ];
        for (what, v) in fields {
            if v.is_some_and(|d| d > MAX_RETENTION_DAYS) {
                return Err(format!("`{what}` is at most {MAX_RETENTION_DAYS} days"));
            }
        }
        if self.file_max_days == Some(0) {
            return Err("`file_max_days` must be at least 1 day; leave it out to keep files until deleted".into());
        }
        if let (Some(min), Some(max)) = (self.file_min_days, self.file_max_days) {
            if min > max {
                return Err(format!("`file_min_days` ({min}) is more than `file_max_days` ({max})"));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassificationScheme {
    /// Which preset it started from ("default", "norway", "sweden", "custom").
    pub preset: String,
    pub levels: Vec<Level>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemeError {
    #[error("a classification scheme needs at least one level")]
    Empty,
    #[error("level ranks must be 0, 1, 2, ... in order; level {index} has rank {rank}")]
    Ranks { index: usize, rank: u8 },
    #[error("level {rank} is less strict than level {prev} in `{what}`; each level must be at least as strict as the one below")]
    NotMonotone { rank: u8, prev: u8, what: &'static str },
    #[error("level {rank}: {0}", rank = .1)]
    Name(crate::names::NameError, u8),
    #[error("level {rank}: retention: {msg}")]
    Retention { rank: u8, msg: String },
}

fn ext_rank(e: ExternalSharing) -> u8 {
    match e {
        ExternalSharing::Any => 0,
        ExternalSharing::FederatedOnly => 1,
        ExternalSharing::None => 2,
    }
}
fn mail_rank(m: MailOutside) -> u8 {
    match m {
        MailOutside::Allow => 0,
        MailOutside::WarnConfirm => 1,
        MailOutside::Block => 2,
    }
}

impl ClassificationScheme {
    /// Checks ranks are contiguous and every level is at least as strict as
    /// the one below: inheritance ("never lowered below the container") is
    /// only meaningful if a higher rank never allows more.
    pub fn validate(&self) -> Result<(), SchemeError> {
        if self.levels.is_empty() {
            return Err(SchemeError::Empty);
        }
        for (i, l) in self.levels.iter().enumerate() {
            if l.rank as usize != i {
                return Err(SchemeError::Ranks { index: i, rank: l.rank });
            }
            crate::names::display_name("name", &l.name).map_err(|e| SchemeError::Name(e, l.rank))?;
            crate::names::display_name("description", &l.description).map_err(|e| SchemeError::Name(e, l.rank))?;
            if let Some(r) = &l.retention {
                r.validate().map_err(|msg| SchemeError::Retention { rank: l.rank, msg })?;
            }
            if i > 0 {
                let p = &self.levels[i - 1];
                let checks: [(&'static str, bool); 5] = [
                    ("external_sharing", ext_rank(l.external_sharing) < ext_rank(p.external_sharing)),
                    ("guests", l.guests && !p.guests),
                    ("public_links", l.public_links && !p.public_links),
                    ("mail_outside", mail_rank(l.mail_outside) < mail_rank(p.mail_outside)),
                    ("mfa", !l.mfa && p.mfa),
                ];
                for (what, bad) in checks {
                    if bad {
                        return Err(SchemeError::NotMonotone { rank: l.rank, prev: p.rank, what });
                    }
                }
            }
        }
        Ok(())
    }

    pub fn level(&self, rank: u8) -> Option<&Level> {
        self.levels.get(rank as usize)
    }

    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "default" => Some(Self::default_scheme()),
            "norway" => Some(Self::norway()),
            "sweden" => Some(Self::sweden()),
            _ => None,
        }
    }

    /// The trust model's default table.
    pub fn default_scheme() -> Self {
        Self::from_names(
            "default",
            [
                ("Open", "#2e7d32", "Open: may be published. Sharing, guests and public links are allowed."),
                ("Internal", "#f9a825", "Internal: for work. Sharing with federated municipalities and guests, no public links."),
                ("Confidential", "#ef6c00", "Confidential: personal data. No sharing outside the organisation, no guests, no links; sign-in with a second factor."),
                ("Restricted", "#c62828", "Restricted: secret under law. Only the members of this place; no sharing outside, no links, no e-mail to outside; second factor required."),
            ],
        )
    }

    /// Norwegian public bodies' four classes.
    pub fn norway() -> Self {
        Self::from_names(
            "norway",
            [
                ("Åpen", "#2e7d32", "Åpen: kan publiseres. Deling, gjester og offentlige lenker er tillatt."),
                ("Intern", "#f9a825", "Intern: til arbeidsbruk. Deling med samarbeidende kommuner og gjester, ingen offentlige lenker."),
                ("Fortrolig", "#ef6c00", "Fortrolig: personopplysninger. Ingen deling utenfor virksomheten, ingen gjester eller lenker; innlogging med to faktorer."),
                ("Strengt fortrolig", "#c62828", "Strengt fortrolig: taushetsbelagt. Bare medlemmene her; ingen deling utenfor, ingen lenker, ingen e-post ut; to faktorer kreves."),
            ],
        )
    }

    /// SKR's KLASSA consequence levels for confidentiality, 0 to 3. Level 4
    /// (security-protected information) is outside the product on purpose.
    pub fn sweden() -> Self {
        Self::from_names(
            "sweden",
            [
                ("Ingen eller försumbar skada", "#2e7d32", "Nivå 0: kan publiceras. Delning, gäster och offentliga länkar är tillåtna."),
                ("Måttlig skada", "#f9a825", "Nivå 1: för arbetet. Delning med federerade organisationer och gäster, inga offentliga länkar."),
                ("Betydande skada", "#ef6c00", "Nivå 2: personuppgifter. Ingen delning utanför organisationen, inga gäster eller länkar; inloggning med två faktorer."),
                ("Allvarlig skada", "#c62828", "Nivå 3: sekretess. Bara medlemmarna här; ingen delning utanför, inga länkar, ingen e-post ut; två faktorer krävs."),
            ],
        )
    }

    fn from_names(preset: &str, names: [(&str, &str, &str); 4]) -> Self {
        let flags = [
            (ExternalSharing::Any, true, true, MailOutside::Allow, false),
            (ExternalSharing::FederatedOnly, true, false, MailOutside::Allow, false),
            (ExternalSharing::None, false, false, MailOutside::WarnConfirm, true),
            (ExternalSharing::None, false, false, MailOutside::Block, true),
        ];
        let levels = names
            .iter()
            .zip(flags)
            .enumerate()
            .map(|(i, ((name, colour, desc), (ext, guests, links, mail, mfa)))| Level {
                rank: i as u8,
                name: name.to_string(),
                colour: colour.to_string(),
                description: desc.to_string(),
                external_sharing: ext,
                guests,
                public_links: links,
                mail_outside: mail,
                mfa,
                versions: None,
                retention: None,
            })
            .collect();
        Self { preset: preset.into(), levels }
    }
}

impl Default for ClassificationScheme {
    fn default() -> Self {
        Self::default_scheme()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid() {
        for p in ["default", "norway", "sweden"] {
            ClassificationScheme::preset(p).unwrap().validate().unwrap();
        }
    }

    #[test]
    fn a_level_looser_than_the_one_below_is_refused() {
        let mut s = ClassificationScheme::default();
        s.levels[3].public_links = true;
        let e = s.validate().unwrap_err();
        assert!(e.to_string().contains("public_links"), "{e}");
        let mut s = ClassificationScheme::default();
        s.levels[3].mfa = false;
        assert!(s.validate().is_err());
    }

    #[test]
    fn retention_defaults_and_bounds() {
        let s = ClassificationScheme::default();
        let r = s.levels[2].retention_rules();
        assert_eq!((r.file_min_days, r.file_max_days, r.version_max_days, r.trash_days), (None, None, 365, 30));
        let mut s = ClassificationScheme::default();
        s.levels[2].retention =
            Some(Retention { file_min_days: Some(400), file_max_days: Some(365), ..Default::default() });
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("file_min_days") && e.contains("level 2"), "{e}");
        s.levels[2].retention = Some(Retention { trash_days: Some(MAX_RETENTION_DAYS + 1), ..Default::default() });
        assert!(s.validate().is_err());
        s.levels[2].retention =
            Some(Retention { file_min_days: Some(30), file_max_days: Some(3650), ..Default::default() });
        s.validate().unwrap();
    }
}
