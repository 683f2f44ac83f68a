//! Lockbox requests (trust-model rule 4): how an operator or a tenant
//! administrator gets time-boxed, reviewed access to content they have no
//! rights to.
//!
//! The state machine is pure so that every transition (and every refusal)
//! is decided here with the time passed in, and tests can walk a request
//! through expiry without waiting. The service stores the request, the
//! policy engine honours the grant it yields.

use serde::{Deserialize, Serialize};

/// A tenant's lockbox rules, set by its administrators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LockboxSettings {
    /// Principal ids allowed to decide; empty means everyone of the tenant
    /// holding the `lockbox_approver` role.
    pub approvers: Vec<String>,
    /// Approvals needed (N of M); the requester never counts.
    pub required: u8,
    /// Longest grant an approval may create.
    pub max_minutes: u32,
    /// How long a request waits for its approvals before it lapses.
    pub pending_minutes: u32,
    /// Whether the people whose content a grant opens are told of it.
    pub notify_users: bool,
}

impl Default for LockboxSettings {
    fn default() -> Self {
        LockboxSettings {
            approvers: Vec::new(),
            required: 1,
            max_minutes: 4 * 60,
            pending_minutes: 12 * 60,
            notify_users: true,
        }
    }
}

/// Upper bounds for settings, so a typo cannot make a grant last a year.
pub const MAX_GRANT_MINUTES: u32 = 7 * 24 * 60;
pub const MAX_PENDING_MINUTES: u32 = 30 * 24 * 60;

impl LockboxSettings {
    pub fn validate(&self) -> Result<(), String> {
        if self.required == 0 || self.required > 9 {
            return Err("the number of approvals needed is between 1 and 9".into());
        }
        if self.max_minutes == 0 || self.max_minutes > MAX_GRANT_MINUTES {
            return Err(format!("the longest grant is between 1 and {MAX_GRANT_MINUTES} minutes"));
        }
        if self.pending_minutes == 0 || self.pending_minutes > MAX_PENDING_MINUTES {
            return Err(format!("a request may wait between 1 and {MAX_PENDING_MINUTES} minutes"));
        }
        if !self.approvers.is_empty() && self.approvers.len() < self.required as usize {
            return Err(format!(
                "{} approvals are needed but only {} approvers are named",
                self.required,
                self.approvers.len()
            ));
        }
        Ok(())
    }
}

/// What a request opens, resolved to ids when it is filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LockboxScope {
    /// A principal's personal drive.
    DriveOf { principal: String, login: String },
    /// One team drive.
    Drive { drive: String, name: String },
    /// A folder and everything below it. `drive` is the drive id, or for a
    /// personal drive the owner's principal id (`personal`).
    Folder {
        drive: String,
        #[serde(default)]
        personal: bool,
        path: String,
        /// As the requester wrote it (`drives/barnevern/Saker`).
        label: String,
    },
}

impl LockboxScope {
    /// Plain words for approvers and the affected users.
    pub fn describe(&self) -> String {
        match self {
            LockboxScope::DriveOf { login, .. } => format!("the personal files of {login}"),
            LockboxScope::Drive { name, .. } => format!("the team drive {name}"),
            LockboxScope::Folder { label, .. } => format!("the folder {label} and everything in it"),
        }
    }
}

/// The operations a grant may allow. Lockbox access is for looking, never
/// for changing: a support case or an investigation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockboxAction {
    List,
    Read,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approve,
    Deny,
}

/// One approver's decision with their review note (the secrecy review).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub by: String,
    pub by_login: String,
    pub verdict: Verdict,
    pub note: String,
    pub at: i64,
}

/// The stored state; [`LockboxRequest::status`] derives the state at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stored {
    Pending,
    Approved,
    Denied,
    Revoked,
}

/// The state a request is in at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for approvals.
    Pending,
    /// Approved and live: the grant works now.
    Active,
    Denied,
    Revoked,
    /// Lapsed unanswered, or the grant ran out.
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Active => "active",
            Status::Denied => "denied",
            Status::Revoked => "revoked",
            Status::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockboxRequest {
    pub id: String,
    /// The tenant whose content is asked for.
    pub tenant: String,
    pub requester: String,
    pub requester_login: String,
    /// The requester's own tenant (the operator realm for operators).
    pub requester_tenant: String,
    pub scope: LockboxScope,
    pub actions: Vec<LockboxAction>,
    pub reason: String,
    pub case_ref: String,
    pub minutes: u32,
    /// Unix seconds.
    pub created: i64,
    pub pending_until: i64,
    /// Approvals needed, fixed when filed so a later settings change does
    /// not decide a request under review.
    pub required: u8,
    pub state: Stored,
    #[serde(default)]
    pub reviews: Vec<Review>,
    /// When the grant started and ends (set on approval).
    #[serde(default)]
    pub granted_at: Option<i64>,
    #[serde(default)]
    pub expires: Option<i64>,
    /// Whether the affected users are told; false with a reason when an
    /// approver withheld it, or when the tenant tells nobody.
    pub notify: bool,
    #[serde(default)]
    pub withheld_reason: Option<String>,
    #[serde(default)]
    pub revoked_by: Option<String>,
    #[serde(default)]
    pub revoke_note: Option<String>,
    #[serde(default)]
    pub closed_at: Option<i64>,
}

/// Why a transition is refused; the message is shown to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockboxError {
    #[error("You filed this request; another approver must decide it.")]
    OwnRequest,
    #[error("You have already decided this request.")]
    AlreadyDecided,
    #[error("This request is {0} and can no longer be decided.")]
    Closed(&'static str),
    #[error("This request is {0}; there is nothing to revoke.")]
    NotRevocable(&'static str),
    #[error("A review note is required: say what you checked.")]
    NoteMissing,
    #[error("Withholding the notice from the affected people needs a recorded reason.")]
    WithholdReasonMissing,
    #[error("{0}")]
    Invalid(String),
}

/// What a caller asks for; validated against the tenant's settings.
#[derive(Debug, Clone)]
pub struct Filing {
    pub actions: Vec<LockboxAction>,
    pub reason: String,
    pub case_ref: String,
    pub minutes: u32,
}

const MAX_TEXT: usize = 2000;

fn text(what: &str, s: &str) -> Result<String, LockboxError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(LockboxError::Invalid(format!("A {what} is required.")));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(LockboxError::Invalid(format!("The {what} is limited to {MAX_TEXT} characters.")));
    }
    if t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(LockboxError::Invalid(format!("The {what} cannot contain control characters.")));
    }
    Ok(t.to_string())
}

impl LockboxRequest {
    /// A new pending request, or why it cannot be filed.
    #[allow(clippy::too_many_arguments)]
    pub fn file(
        id: String,
        tenant: &str,
        tenant_name: &str,
        requester: (&str, &str, &str),
        scope: LockboxScope,
        f: Filing,
        settings: &LockboxSettings,
        now: i64,
    ) -> Result<LockboxRequest, LockboxError> {
        let reason = text("reason", &f.reason)?;
        let case_ref = text("case reference", &f.case_ref)?;
        if case_ref.chars().count() > 200 {
            return Err(LockboxError::Invalid("The case reference is limited to 200 characters.".into()));
        }
        let mut actions = f.actions.clone();
        actions.sort_by_key(|a| *a as u8);
        actions.dedup();
        if actions.is_empty() {
            return Err(LockboxError::Invalid("Name at least one action: list or read.".into()));
        }
        if f.minutes == 0 || f.minutes > settings.max_minutes {
            return Err(LockboxError::Invalid(format!(
                "A grant lasts between 1 and {} minutes ({tenant_name}'s maximum).",
                settings.max_minutes
            )));
        }
        Ok(LockboxRequest {
            id,
            tenant: tenant.to_string(),
            requester: requester.0.to_string(),
            requester_login: requester.1.to_string(),
            requester_tenant: requester.2.to_string(),
            scope,
            actions,
            reason,
            case_ref,
            minutes: f.minutes,
            created: now,
            pending_until: now + i64::from(settings.pending_minutes) * 60,
            required: settings.required,
            state: Stored::Pending,
            reviews: Vec::new(),
            granted_at: None,
            expires: None,
            notify: settings.notify_users,
            withheld_reason: None,
            revoked_by: None,
            revoke_note: None,
            closed_at: None,
        })
    }

    pub fn status(&self, now: i64) -> Status {
        match self.state {
            Stored::Pending if now >= self.pending_until => Status::Expired,
            Stored::Pending => Status::Pending,
            Stored::Approved if self.expires.is_some_and(|e| now >= e) => Status::Expired,
            Stored::Approved => Status::Active,
            Stored::Denied => Status::Denied,
            Stored::Revoked => Status::Revoked,
        }
    }

    /// Distinct approvals so far.
    pub fn approvals(&self) -> usize {
        self.reviews.iter().filter(|r| r.verdict == Verdict::Approve).count()
    }

    /// Records one approver's decision. Approval by the last approver needed
    /// starts the grant; one denial closes the request.
    pub fn decide(
        &mut self,
        approver: (&str, &str),
        verdict: Verdict,
        note: &str,
        withhold: Option<&str>,
        now: i64,
    ) -> Result<(), LockboxError> {
        if approver.0 == self.requester {
            return Err(LockboxError::OwnRequest);
        }
        let st = self.status(now);
        if st != Status::Pending {
            return Err(LockboxError::Closed(st.as_str()));
        }
        if self.reviews.iter().any(|r| r.by == approver.0) {
            return Err(LockboxError::AlreadyDecided);
        }
        let note = text("review note", note).map_err(|_| LockboxError::NoteMissing)?;
        let withhold = match withhold {
            Some(w) if verdict == Verdict::Approve => {
                Some(text("reason", w).map_err(|_| LockboxError::WithholdReasonMissing)?)
            }
            _ => None,
        };
        self.reviews.push(Review { by: approver.0.into(), by_login: approver.1.into(), verdict, note, at: now });
        if withhold.is_some() {
            self.notify = false;
            self.withheld_reason = withhold;
        }
        match verdict {
            Verdict::Deny => {
                self.state = Stored::Denied;
                self.closed_at = Some(now);
            }
            Verdict::Approve if self.approvals() >= usize::from(self.required.max(1)) => {
                self.state = Stored::Approved;
                self.granted_at = Some(now);
                self.expires = Some(now + i64::from(self.minutes) * 60);
            }
            Verdict::Approve => {}
        }
        Ok(())
    }

    /// Ends a live grant at once, or withdraws a pending request.
    pub fn revoke(&mut self, by: &str, note: &str, now: i64) -> Result<(), LockboxError> {
        let st = self.status(now);
        if !matches!(st, Status::Pending | Status::Active) {
            return Err(LockboxError::NotRevocable(st.as_str()));
        }
        let note = text("note", note).map_err(|_| LockboxError::NoteMissing)?;
        self.state = Stored::Revoked;
        self.revoked_by = Some(by.to_string());
        self.revoke_note = Some(note);
        self.closed_at = Some(now);
        Ok(())
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Step {
        Decide { who: u8, approve: bool, withhold: bool },
        Revoke { who: u8 },
        Wait(i64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0u8..5, any::<bool>(), any::<bool>()).prop_map(|(who, approve, withhold)| Step::Decide {
                who,
                approve,
                withhold
            }),
            (0u8..5).prop_map(|who| Step::Revoke { who }),
            (0i64..20_000).prop_map(Step::Wait),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000)
        ))]

        /// Whatever happens in whatever order: the requester (person 0)
        /// never counts, a grant starts only with N distinct approvals and
        /// lasts exactly its minutes, and a closed request never reopens.
        #[test]
        fn a_request_only_ever_moves_forward(required in 1u8..4, minutes in 1u32..=240, steps in prop::collection::vec(step(), 0..24)) {
            let settings = LockboxSettings { required, ..Default::default() };
            let mut r = LockboxRequest::file(
                "r".into(), "t", "T", ("p0", "p0", "t"),
                LockboxScope::Drive { drive: "d".into(), name: "D".into() },
                Filing { actions: vec![LockboxAction::Read], reason: "r".into(), case_ref: "c".into(), minutes },
                &settings, 0,
            ).unwrap();
            let mut now = 0i64;
            let mut was_closed = false;
            for s in steps {
                let before = r.status(now);
                match s {
                    Step::Decide { who, approve, withhold } => {
                        let id = format!("p{who}");
                        let v = if approve { Verdict::Approve } else { Verdict::Deny };
                        let res = r.decide((&id, &id), v, "note", withhold.then_some("why"), now);
                        if who == 0 { prop_assert_eq!(res.clone(), Err(LockboxError::OwnRequest)); }
                        if before != Status::Pending { prop_assert!(res.is_err()); }
                    }
                    Step::Revoke { who } => {
                        let res = r.revoke(&format!("p{who}"), "note", now);
                        prop_assert_eq!(res.is_ok(), matches!(before, Status::Pending | Status::Active));
                    }
                    Step::Wait(d) => now += d,
                }
                let st = r.status(now);
                prop_assert!(r.reviews.iter().all(|v| v.by != "p0"));
                let mut who: Vec<&str> = r.reviews.iter().map(|v| v.by.as_str()).collect();
                who.sort();
                who.dedup();
                prop_assert_eq!(who.len(), r.reviews.len(), "one decision per approver");
                if st == Status::Active || r.state == Stored::Approved {
                    prop_assert!(r.approvals() >= usize::from(required));
                    prop_assert_eq!(r.expires.unwrap() - r.granted_at.unwrap(), i64::from(minutes) * 60);
                }
                let closed = matches!(st, Status::Denied | Status::Revoked | Status::Expired);
                if was_closed { prop_assert!(closed, "closed stays closed"); }
                was_closed = closed;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(settings: &LockboxSettings) -> LockboxRequest {
        LockboxRequest::file(
            "r1".into(),
            "nordvik",
            "Nordvik kommune",
            ("op", "operator", "operator"),
            LockboxScope::DriveOf { principal: "siri".into(), login: "siri@x".into() },
            Filing {
                actions: vec![LockboxAction::Read, LockboxAction::List, LockboxAction::Read],
                reason: "support".into(),
                case_ref: "SAK-1".into(),
                minutes: 60,
            },
            settings,
            1000,
        )
        .unwrap()
    }

    #[test]
    fn two_of_three_needs_two_other_people() {
        let s = LockboxSettings { required: 2, ..Default::default() };
        let mut r = req(&s);
        assert_eq!(r.actions, vec![LockboxAction::List, LockboxAction::Read]);
        assert_eq!(r.decide(("op", "operator"), Verdict::Approve, "ok", None, 1001), Err(LockboxError::OwnRequest));
        r.decide(("a", "a"), Verdict::Approve, "checked", None, 1002).unwrap();
        assert_eq!(r.status(1003), Status::Pending);
        assert_eq!(r.decide(("a", "a"), Verdict::Approve, "again", None, 1003), Err(LockboxError::AlreadyDecided));
        r.decide(("b", "b"), Verdict::Approve, "checked", None, 1004).unwrap();
        assert_eq!(r.status(1005), Status::Active);
        assert_eq!(r.expires, Some(1004 + 3600));
        assert_eq!(r.status(1004 + 3600), Status::Expired);
    }

    #[test]
    fn pending_lapses_and_closed_requests_stay_closed() {
        let s = LockboxSettings::default();
        let mut r = req(&s);
        let late = r.pending_until;
        assert_eq!(r.decide(("a", "a"), Verdict::Approve, "ok", None, late), Err(LockboxError::Closed("expired")));
        let mut r = req(&s);
        r.decide(("a", "a"), Verdict::Deny, "no legal basis", None, 1001).unwrap();
        assert_eq!(r.status(1002), Status::Denied);
        assert_eq!(r.decide(("b", "b"), Verdict::Approve, "ok", None, 1002), Err(LockboxError::Closed("denied")));
        assert_eq!(r.revoke("a", "x", 1003), Err(LockboxError::NotRevocable("denied")));
    }

    #[test]
    fn revoke_ends_a_live_grant_and_cannot_be_repeated() {
        let mut r = req(&LockboxSettings::default());
        r.decide(("a", "a"), Verdict::Approve, "ok", Some("ongoing investigation"), 1001).unwrap();
        assert!(!r.notify);
        r.revoke("a", "done", 1002).unwrap();
        assert_eq!(r.status(1003), Status::Revoked);
        assert_eq!(r.revoke("a", "again", 1004), Err(LockboxError::NotRevocable("revoked")));
    }

    #[test]
    fn filing_checks_duration_text_and_actions() {
        let s = LockboxSettings::default();
        let mk = |minutes, reason: &str, actions: Vec<LockboxAction>| {
            LockboxRequest::file(
                "r".into(),
                "t",
                "T kommune",
                ("p", "p", "t"),
                LockboxScope::Drive { drive: "d".into(), name: "D".into() },
                Filing { actions, reason: reason.into(), case_ref: "C".into(), minutes },
                &s,
                0,
            )
        };
        assert!(mk(241, "r", vec![LockboxAction::Read]).unwrap_err().to_string().contains("240"));
        assert!(mk(0, "r", vec![LockboxAction::Read]).is_err());
        assert!(mk(10, "  ", vec![LockboxAction::Read]).is_err());
        assert!(mk(10, "r", vec![]).is_err());
        assert!(mk(240, "r", vec![LockboxAction::List]).is_ok());
        assert!(LockboxSettings { required: 3, approvers: vec!["a".into()], ..s.clone() }.validate().is_err());
    }
}
