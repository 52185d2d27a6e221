//! Slows down password guessing: after a few free failures, each further failure locks the
//! key for a delay that doubles up to a cap. Kept per account and per client address, so
//! neither one attacker spraying many accounts nor many addresses hammering one account
//! gets far. In memory: one server process is the embedded default; several instances each
//! keep their own counts, which still bounds guessing per instance.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Failures allowed before any delay.
    pub free_failures: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// A key with no failure for this long starts again from zero.
    pub forget_after: Duration,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum Key {
    Account(String),
    Address(String),
}

#[derive(Debug)]
struct Entry {
    failures: u32,
    last_failure: Instant,
    locked_until: Option<Instant>,
}

pub struct Throttle {
    account_rule: Rule,
    address_rule: Rule,
    entries: Mutex<HashMap<Key, Entry>>,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new(
            Rule {
                free_failures: 5,
                first_delay: Duration::from_secs(30),
                max_delay: Duration::from_secs(15 * 60),
                forget_after: Duration::from_secs(60 * 60),
            },
            Rule {
                free_failures: 20,
                first_delay: Duration::from_secs(30),
                max_delay: Duration::from_secs(15 * 60),
                forget_after: Duration::from_secs(60 * 60),
            },
        )
    }
}

impl Throttle {
    pub fn new(account_rule: Rule, address_rule: Rule) -> Self {
        Throttle { account_rule, address_rule, entries: Mutex::new(HashMap::new()) }
    }

    fn rule(&self, key: &Key) -> Rule {
        match key {
            Key::Account(_) => self.account_rule,
            Key::Address(_) => self.address_rule,
        }
    }

    /// `Err(seconds)` when any of the keys is locked: how long until it may try again.
    pub fn check(&self, keys: &[Key]) -> Result<(), u64> {
        self.check_at(keys, Instant::now())
    }

    pub fn check_at(&self, keys: &[Key], now: Instant) -> Result<(), u64> {
        let entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let wait = keys
            .iter()
            .filter_map(|k| entries.get(k)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until.duration_since(now).as_secs_f64().ceil() as u64)
            .max();
        match wait {
            Some(seconds) => Err(seconds.max(1)),
            None => Ok(()),
        }
    }

    /// Counts a failure against every key; returns the new wait if one is now locked.
    pub fn record_failure(&self, keys: &[Key]) -> Option<u64> {
        self.record_failure_at(keys, Instant::now())
    }

    pub fn record_failure_at(&self, keys: &[Key], now: Instant) -> Option<u64> {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Drop forgotten keys now and then so the map cannot grow without bound.
        if entries.len() > 10_000 {
            let (account, address) = (self.account_rule, self.address_rule);
            entries.retain(|k, e| {
                let rule = if matches!(k, Key::Account(_)) { account } else { address };
                now.duration_since(e.last_failure) < rule.forget_after
            });
        }
        let mut longest: Option<u64> = None;
        for key in keys {
            let rule = self.rule(key);
            let entry = entries.entry(key.clone()).or_insert(Entry {
                failures: 0,
                last_failure: now,
                locked_until: None,
            });
            if now.duration_since(entry.last_failure) >= rule.forget_after {
                entry.failures = 0;
                entry.locked_until = None;
            }
            entry.failures += 1;
            entry.last_failure = now;
            if entry.failures > rule.free_failures {
                let doublings = (entry.failures - rule.free_failures - 1).min(16);
                let delay = rule.first_delay.saturating_mul(1 << doublings).min(rule.max_delay);
                entry.locked_until = Some(now + delay);
                let secs = delay.as_secs();
                longest = Some(longest.map_or(secs, |l| l.max(secs)));
            }
        }
        longest
    }

    /// A successful sign-in clears the account's count (not the address's: one valid
    /// account must not let an attacker reset the counter for their guesses elsewhere).
    pub fn forget(&self, key: &Key) {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Key {
        Key::Account("a@example.com".into())
    }

    #[test]
    fn free_failures_then_doubling_delays_up_to_the_cap() {
        let throttle = Throttle::default();
        let t0 = Instant::now();
        for _ in 0..5 {
            assert_eq!(throttle.record_failure_at(&[account()], t0), None);
        }
        assert!(throttle.check_at(&[account()], t0).is_ok());
        assert_eq!(throttle.record_failure_at(&[account()], t0), Some(30));
        assert_eq!(throttle.check_at(&[account()], t0), Err(30));
        assert_eq!(throttle.record_failure_at(&[account()], t0), Some(60));
        for _ in 0..10 {
            throttle.record_failure_at(&[account()], t0);
        }
        assert_eq!(throttle.check_at(&[account()], t0), Err(15 * 60));
    }

    #[test]
    fn a_lock_runs_out() {
        let throttle = Throttle::default();
        let t0 = Instant::now();
        for _ in 0..6 {
            throttle.record_failure_at(&[account()], t0);
        }
        assert_eq!(throttle.check_at(&[account()], t0 + Duration::from_secs(29)), Err(1));
        assert!(throttle.check_at(&[account()], t0 + Duration::from_secs(30)).is_ok());
    }

    #[test]
    fn addresses_get_more_free_failures_than_accounts() {
        let throttle = Throttle::default();
        let t0 = Instant::now();
        let address = Key::Address("203.0.113.9".into());
        for i in 0..20 {
            throttle.record_failure_at(
                &[Key::Account(format!("u{i}@example.com")), address.clone()],
                t0,
            );
        }
        assert!(throttle.check_at(std::slice::from_ref(&address), t0).is_ok());
        throttle
            .record_failure_at(&[Key::Account("other@example.com".into()), address.clone()], t0);
        assert_eq!(
            throttle.check_at(&[Key::Account("new@example.com".into()), address], t0),
            Err(30)
        );
    }

    #[test]
    fn old_failures_are_forgotten_and_success_clears_the_account() {
        let throttle = Throttle::default();
        let t0 = Instant::now();
        for _ in 0..5 {
            throttle.record_failure_at(&[account()], t0);
        }
        let later = t0 + Duration::from_secs(3600);
        assert_eq!(throttle.record_failure_at(&[account()], later), None);
        for _ in 0..4 {
            throttle.record_failure_at(&[account()], later);
        }
        throttle.forget(&account());
        assert_eq!(throttle.record_failure_at(&[account()], later), None);
    }
}
