//! Tests for the sign-in throttle, driven by a synthetic clock.

use super::*;
use std::net::{Ipv4Addr, Ipv6Addr};

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn fail_n(t: &Throttle, account: &str, source: IpAddr, now: Instant, n: u32) {
    for _ in 0..n {
        t.record_failure(account, source, now);
    }
}

#[test]
fn pair_locks_after_limit_and_unlocks_after_lock_time() {
    let t = Throttle::default();
    let t0 = Instant::now();
    fail_n(&t, "lars", ip(1), t0, 4);
    assert!(t.check("lars", ip(1), t0).is_ok(), "four failures are not yet a lock");
    t.record_failure("lars", ip(1), t0);
    let err = t.check("lars", ip(1), t0 + secs(1)).unwrap_err();
    assert_eq!(err.scope, ThrottleScope::Pair);
    assert_eq!(err.retry_after, secs(15 * 60 - 1));
    assert!(t.check("lars", ip(1), t0 + secs(15 * 60 - 1)).is_err());
    assert!(t.check("lars", ip(1), t0 + secs(15 * 60)).is_ok());
    // After the lock the count starts over rather than re-locking at once.
    t.record_failure("lars", ip(1), t0 + secs(15 * 60));
    assert!(t.check("lars", ip(1), t0 + secs(15 * 60)).is_ok());
}

#[test]
fn other_source_still_allowed_for_same_account() {
    let t = Throttle::default();
    let t0 = Instant::now();
    fail_n(&t, "lars", ip(1), t0, 5);
    assert!(t.check("lars", ip(1), t0).is_err());
    assert!(t.check("lars", ip(2), t0).is_ok(), "owner on another address is unaffected");
    assert!(t.check("eva", ip(1), t0).is_ok(), "attacker's other pairs are separate");
}

#[test]
fn account_key_ignores_case_and_whitespace() {
    let t = Throttle::default();
    let t0 = Instant::now();
    fail_n(&t, " Lars ", ip(1), t0, 5);
    assert!(t.check("lars", ip(1), t0).is_err());
    assert!(t.check("LARS", ip(1), t0).is_err());
}

#[test]
fn source_throttled_across_accounts() {
    let t = Throttle::default();
    let t0 = Instant::now();
    // Spraying: one failure each against 30 different (possibly nonexistent) accounts.
    for i in 0..29 {
        t.record_failure(&format!("user{i}"), ip(9), t0 + secs(i));
    }
    assert!(t.check("fresh", ip(9), t0 + secs(29)).is_ok());
    t.record_failure("user29", ip(9), t0 + secs(29));
    let err = t.check("fresh", ip(9), t0 + secs(30)).unwrap_err();
    assert_eq!(err.scope, ThrottleScope::Source);
    // The first failure leaves the 10-minute window at t0 + 600.
    assert_eq!(err.retry_after, secs(570));
    assert!(t.check("fresh", ip(10), t0 + secs(30)).is_ok(), "other sources unaffected");
    assert!(t.check("fresh", ip(9), t0 + secs(600)).is_ok());
}

#[test]
fn ipv6_sources_are_grouped_by_64_prefix() {
    let t = Throttle::default();
    let t0 = Instant::now();
    for i in 0..30u16 {
        let addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, i + 1);
        t.record_failure(&format!("user{i}"), IpAddr::V6(addr), t0);
    }
    let same_64 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0xffff, 1, 2, 3));
    let other_64 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, 1));
    assert_eq!(t.check("x", same_64, t0).unwrap_err().scope, ThrottleScope::Source);
    assert!(t.check("x", other_64, t0).is_ok());
    // IPv4-mapped IPv6 is the IPv4 address.
    fail_n(&t, "lars", ip(7), t0, 5);
    let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 7).to_ipv6_mapped());
    assert!(t.check("lars", mapped, t0).is_err());
}

#[test]
fn account_under_distributed_attack_backs_off_but_is_never_locked() {
    let limits = Limits::default();
    let t = Throttle::new(limits.clone());
    let t0 = Instant::now();
    // 15 rounds take 1 + 2 + ... + 256 + 6 × 300 s, well inside the one-hour window.
    // 99 failures from 99 different addresses: each pair and source stays under its limit.
    for i in 0..99u32 {
        let src = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
        t.record_failure("rektor", src, t0);
    }
    let owner = ip(200);
    assert!(t.check("rektor", owner, t0).is_ok());
    let mut now = t0;
    let mut last_delay = Duration::ZERO;
    for i in 0..15u32 {
        let src = IpAddr::V4(Ipv4Addr::from(0x0b00_0000 + i));
        t.record_failure("rektor", src, now);
        let err = t.check("rektor", owner, now).unwrap_err();
        assert_eq!(err.scope, ThrottleScope::Account);
        assert!(err.retry_after >= last_delay, "delay never shrinks while attacked");
        assert!(err.retry_after <= limits.account_backoff_max, "delay is capped");
        last_delay = err.retry_after;
        // The attacker waits out each delay and tries again.
        now += err.retry_after;
        assert!(t.check("rektor", owner, now).is_ok(), "owner gets in after the back-off");
    }
    assert_eq!(last_delay, limits.account_backoff_max, "cap reached");
    // Exponential: the first delays are 1 s, 2 s, 4 s.
    let t2 = Throttle::default();
    for i in 0..100u32 {
        t2.record_failure("x", IpAddr::V4(Ipv4Addr::from(0x0c00_0000 + i)), t0);
    }
    assert_eq!(t2.check("x", owner, t0).unwrap_err().retry_after, secs(1));
    t2.record_failure("x", ip(1), t0);
    assert_eq!(t2.check("x", owner, t0).unwrap_err().retry_after, secs(2));
    t2.record_failure("x", ip(2), t0);
    assert_eq!(t2.check("x", owner, t0).unwrap_err().retry_after, secs(4));
    // Once the window has passed the account is no longer slowed at all.
    assert!(t2.check("x", owner, t0 + secs(3600)).is_ok());
}

#[test]
fn success_clears_pair_only() {
    let t = Throttle::default();
    let t0 = Instant::now();
    fail_n(&t, "lars", ip(1), t0, 4);
    t.record_success("lars", ip(1));
    fail_n(&t, "lars", ip(1), t0, 4);
    assert!(t.check("lars", ip(1), t0).is_ok(), "counter restarted after success");
    t.record_failure("lars", ip(1), t0);
    assert!(t.check("lars", ip(1), t0).is_err());
    // A success does not reset the source budget of a sprayer who owns one account.
    let t = Throttle::default();
    for i in 0..30 {
        t.record_failure(&format!("victim{i}"), ip(5), t0);
    }
    t.record_success("own-account", ip(5));
    assert_eq!(t.check("victim31", ip(5), t0).unwrap_err().scope, ThrottleScope::Source);
}

#[test]
fn unknown_and_known_accounts_are_counted_alike() {
    let t = Throttle::default();
    let t0 = Instant::now();
    fail_n(&t, "exists", ip(1), t0, 5);
    fail_n(&t, "does-not-exist", ip(2), t0, 5);
    let a = t.check("exists", ip(1), t0).unwrap_err();
    let b = t.check("does-not-exist", ip(2), t0).unwrap_err();
    assert_eq!(a, b);
}

#[test]
fn memory_is_bounded() {
    let limits = Limits { max_entries: 50, ..Limits::default() };
    let t = Throttle::new(limits);
    let t0 = Instant::now();
    for i in 0..1000u32 {
        let src = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
        t.record_failure(&format!("acct{i}"), src, t0 + Duration::from_millis(u64::from(i)));
    }
    let (pairs, sources, accounts) = t.tracked();
    assert!(pairs <= 50 && sources <= 50 && accounts <= 50, "{pairs} {sources} {accounts}");
    // The most recent attacker is still tracked.
    fail_n(&t, "acct999", IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + 999)), t0 + secs(1), 4);
    assert!(t.check("acct999", IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + 999)), t0 + secs(1)).is_err());
    // Everything stale is pruned.
    t.prune(t0 + secs(2 * 3600));
    assert_eq!(t.tracked(), (0, 0, 0));
}

#[test]
fn throttled_message_is_a_sentence() {
    let e = Throttled { retry_after: Duration::from_millis(1500), scope: ThrottleScope::Pair };
    assert_eq!(e.to_string(), "Too many failed sign-in attempts. Please wait 2 seconds and try again.");
}
