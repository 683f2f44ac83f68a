//! Sign-in rate limiting and lockout (ASVS 2.2.1) that an attacker cannot turn into a way of
//! locking people out of their own accounts.
//!
//! Three counters, each answering a different attack:
//!
//! * **pair** (account, source): one address guessing one account is locked out for a while
//!   after a few failures. This stops the common case without touching anyone else.
//! * **source**: one address guessing across many accounts (password spraying) is throttled
//!   regardless of which accounts it tries.
//! * **account**: many addresses guessing one account are slowed by an exponential back-off
//!   capped at a few minutes, never a hard lock; a lock here would let anyone with a botnet
//!   deny an account, while a capped delay still makes distributed guessing hopeless.
//!
//! Unknown accounts are counted exactly like known ones, so the throttle does not reveal which
//! accounts exist. Callers must run [`Throttle::check`] before verifying the password, skip the
//! verification when throttled, and then report the outcome with `record_failure` or
//! `record_success`.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use thiserror::Error;

/// Tunables; the defaults follow the task's policy and NIST SP 800-63B's "no more than 100
/// consecutive failures" for a single account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub pair_failures: u32,
    pub pair_lock: Duration,
    pub source_failures_per_window: u32,
    pub source_window: Duration,
    pub account_failures_per_window: u32,
    pub account_window: Duration,
    /// First back-off delay once an account is over its limit; doubles with each further failure.
    pub account_backoff_base: Duration,
    /// Longest an account can be made to wait, so its owner always gets in eventually.
    pub account_backoff_max: Duration,
    /// Entries kept per table before the oldest are forgotten, bounding memory under a flood.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            pair_failures: 5,
            pair_lock: Duration::from_secs(15 * 60),
            source_failures_per_window: 30,
            source_window: Duration::from_secs(10 * 60),
            account_failures_per_window: 100,
            account_window: Duration::from_secs(60 * 60),
            account_backoff_base: Duration::from_secs(1),
            account_backoff_max: Duration::from_secs(5 * 60),
            max_entries: 100_000,
        }
    }
}

/// Which counter refused the attempt; useful for logs and metrics, not for the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThrottleScope {
    Pair,
    Source,
    Account,
}

/// The attempt must not be checked now. `retry_after` fits a `Retry-After` header.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("Too many failed sign-in attempts. Please wait {} seconds and try again.", retry_after_secs(.retry_after))]
pub struct Throttled {
    pub retry_after: Duration,
    pub scope: ThrottleScope,
}

fn retry_after_secs(d: &Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// Addresses are grouped as an attacker controls them: one IPv4 address, or one IPv6 /64,
/// since a single customer usually gets a whole /64 and could otherwise rotate freely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum SourceKey {
    V4(u32),
    V6Prefix(u64),
}

impl From<IpAddr> for SourceKey {
    fn from(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => SourceKey::V4(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => SourceKey::V4(u32::from(v4)),
                None => SourceKey::V6Prefix((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

/// Logins longer than this are cut for keying, so huge inputs cannot inflate memory.
const MAX_ACCOUNT_KEY_CHARS: usize = 256;
/// Prune stale entries after this many recorded failures.
const PRUNE_EVERY: u64 = 1024;

fn account_key(account: &str) -> String {
    account.trim().chars().take(MAX_ACCOUNT_KEY_CHARS).flat_map(char::to_lowercase).collect()
}

struct Pair {
    failures: u32,
    locked_until: Option<Instant>,
    last: Instant,
}

/// Failure times inside a sliding window, newest last, trimmed to what decisions need.
#[derive(Default)]
struct Window {
    hits: VecDeque<Instant>,
}

impl Window {
    fn expire(&mut self, now: Instant, window: Duration) {
        while let Some(&first) = self.hits.front() {
            if now.saturating_duration_since(first) >= window {
                self.hits.pop_front();
            } else {
                break;
            }
        }
    }

    fn push(&mut self, now: Instant, window: Duration, keep: usize) {
        self.expire(now, window);
        self.hits.push_back(now);
        while self.hits.len() > keep.max(1) {
            self.hits.pop_front();
        }
    }

    fn last(&self) -> Option<Instant> {
        self.hits.back().copied()
    }
}

#[derive(Default)]
struct State {
    pairs: HashMap<(String, SourceKey), Pair>,
    sources: HashMap<SourceKey, Window>,
    accounts: HashMap<String, Window>,
    recorded: u64,
}

/// Shared by all sign-in paths (form, app passwords, OIDC fallback) of one process.
pub struct Throttle {
    limits: Limits,
    state: Mutex<State>,
}

/// How many extra account failures past the limit still double the delay; beyond this the
/// delay is at its cap anyway (2^20 s is far above any sensible cap).
const MAX_DOUBLINGS: u32 = 20;

impl Throttle {
    pub fn new(limits: Limits) -> Self {
        Self { limits, state: Mutex::new(State::default()) }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Counters stay usable after a panic elsewhere; failing open or closed on a poisoned
        // lock would both be worse than continuing with slightly stale counts.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a sign-in attempt for `account` from `source` may be checked now. When several
    /// counters refuse, the longest wait is reported.
    pub fn check(&self, account: &str, source: IpAddr, now: Instant) -> Result<(), Throttled> {
        let l = &self.limits;
        let account = account_key(account);
        let source = SourceKey::from(source);
        let mut st = self.lock();
        let mut worst: Option<Throttled> = None;
        let mut refuse = |until: Instant, scope: ThrottleScope| {
            let retry_after = until.saturating_duration_since(now);
            if retry_after > Duration::ZERO && worst.as_ref().is_none_or(|w| retry_after > w.retry_after) {
                worst = Some(Throttled { retry_after, scope });
            }
        };

        if let Some(pair) = st.pairs.get(&(account.clone(), source)) {
            if let Some(until) = pair.locked_until {
                refuse(until, ThrottleScope::Pair);
            }
        }

        if let Some(win) = st.sources.get_mut(&source) {
            win.expire(now, l.source_window);
            let limit = l.source_failures_per_window as usize;
            if win.hits.len() >= limit.max(1) {
                // Allowed again when enough of the counted failures have left the window.
                let pivot = win.hits[win.hits.len() - limit.max(1)];
                refuse(pivot + l.source_window, ThrottleScope::Source);
            }
        }

        if let Some(win) = st.accounts.get_mut(&account) {
            win.expire(now, l.account_window);
            if let Some(until) = self.account_backoff_until(win) {
                refuse(until, ThrottleScope::Account);
            }
        }

        match worst {
            Some(t) => Err(t),
            None => Ok(()),
        }
    }

    fn account_backoff_until(&self, win: &Window) -> Option<Instant> {
        let l = &self.limits;
        let count = win.hits.len() as u64;
        let limit = u64::from(l.account_failures_per_window);
        if count < limit.max(1) {
            return None;
        }
        let doublings = (count - limit).min(u64::from(MAX_DOUBLINGS)) as u32;
        let delay = l.account_backoff_base.saturating_mul(1u32 << doublings).min(l.account_backoff_max);
        Some(win.last()? + delay)
    }

    /// Records a wrong password (or wrong second factor) for this account and source.
    pub fn record_failure(&self, account: &str, source: IpAddr, now: Instant) {
        let l = &self.limits;
        let account = account_key(account);
        let source = SourceKey::from(source);
        let mut st = self.lock();

        let pair =
            st.pairs.entry((account.clone(), source)).or_insert(Pair { failures: 0, locked_until: None, last: now });
        let lock_over = pair.locked_until.is_some_and(|until| now >= until);
        let stale = now.saturating_duration_since(pair.last) >= l.pair_lock;
        if lock_over || stale {
            pair.failures = 0;
            pair.locked_until = None;
        }
        pair.failures = pair.failures.saturating_add(1);
        pair.last = now;
        if pair.failures >= l.pair_failures.max(1) {
            pair.locked_until = Some(now + l.pair_lock);
        }

        st.sources.entry(source).or_default().push(now, l.source_window, l.source_failures_per_window as usize);
        st.accounts.entry(account).or_default().push(
            now,
            l.account_window,
            l.account_failures_per_window as usize + MAX_DOUBLINGS as usize + 1,
        );

        st.recorded += 1;
        let over =
            st.pairs.len() > l.max_entries || st.sources.len() > l.max_entries || st.accounts.len() > l.max_entries;
        if over || st.recorded.is_multiple_of(PRUNE_EVERY) {
            self.prune_locked(&mut st, now);
        }
    }

    /// A correct credential clears the pair's counter, so the owner's own typos do not add up
    /// over time. It does not clear the source or account counters: an attacker who also owns
    /// one account must not be able to reset their budget by signing in to it.
    pub fn record_success(&self, account: &str, source: IpAddr) {
        let key = (account_key(account), SourceKey::from(source));
        self.lock().pairs.remove(&key);
    }

    /// Drops entries that no longer influence any decision. Runs automatically; exposed for a
    /// periodic housekeeping task.
    pub fn prune(&self, now: Instant) {
        let mut st = self.lock();
        self.prune_locked(&mut st, now);
    }

    fn prune_locked(&self, st: &mut State, now: Instant) {
        let l = &self.limits;
        st.pairs.retain(|_, p| {
            let locked = p.locked_until.is_some_and(|until| now < until);
            locked || now.saturating_duration_since(p.last) < l.pair_lock
        });
        st.sources.retain(|_, w| {
            w.expire(now, l.source_window);
            !w.hits.is_empty()
        });
        st.accounts.retain(|_, w| {
            w.expire(now, l.account_window);
            !w.hits.is_empty()
        });
        // Under a flood from very many addresses, forget the least recently active entries
        // rather than grow without bound; the survivors are the ones under current attack.
        let cap = l.max_entries;
        evict_oldest(&mut st.pairs, cap, |p| p.last);
        evict_oldest(&mut st.sources, cap, |w| w.last().unwrap_or(now));
        evict_oldest(&mut st.accounts, cap, |w| w.last().unwrap_or(now));
    }

    /// Number of tracked entries (pairs, sources, accounts), for metrics and tests.
    pub fn tracked(&self) -> (usize, usize, usize) {
        let st = self.lock();
        (st.pairs.len(), st.sources.len(), st.accounts.len())
    }
}

impl Default for Throttle {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

/// Shrinks a table to 90 % of `cap` by dropping the entries with the oldest activity.
fn evict_oldest<K, V>(map: &mut HashMap<K, V>, cap: usize, last: impl Fn(&V) -> Instant)
where
    K: Clone + Eq + std::hash::Hash,
{
    if map.len() <= cap {
        return;
    }
    let target = cap - cap / 10;
    let mut by_age: Vec<(Instant, K)> = map.iter().map(|(k, v)| (last(v), k.clone())).collect();
    by_age.sort_by_key(|(t, _)| *t);
    let excess = map.len() - target;
    for (_, k) in by_age.into_iter().take(excess) {
        map.remove(&k);
    }
}

#[cfg(test)]
#[path = "throttle_tests.rs"]
mod tests;
