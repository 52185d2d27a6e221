//! Guessing limits for every secret a person or script can guess: passwords, second
//! factors, API tokens. An attempt is reserved before the secret is checked and refunded
//! if it was right, so a burst of simultaneous guesses gets no more checks than the free
//! allowance; after that each failure locks the key for a delay that doubles up to a cap.
//!
//! Keys are fixed-size digests (a submitted email of any length costs 17 bytes) and the
//! map has a hard cap, so a flood of made-up keys cannot grow memory without bound. In
//! memory: one server process is the embedded default; several instances each keep their
//! own counts, which still bounds guessing per instance.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Failures allowed before any delay.
    pub free_failures: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// A key with no failure for this long starts again from zero.
    pub forget_after: Duration,
}

impl Rule {
    const fn new(free_failures: u32, first_secs: u64, max_secs: u64) -> Rule {
        Rule {
            free_failures,
            first_delay: Duration::from_secs(first_secs),
            max_delay: Duration::from_secs(max_secs),
            forget_after: Duration::from_secs(60 * 60),
        }
    }

    /// The lock that follows the `failures`-th failure, if any.
    fn delay_after(&self, failures: u32) -> Option<Duration> {
        let over = failures.checked_sub(self.free_failures)?;
        Some(self.first_delay.saturating_mul(1 << over.min(16)).min(self.max_delay))
    }
}

/// What a key counts guesses of; each kind has its own rule.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Kind {
    /// One account, from clients it has never signed in from: slows a spread-out attack
    /// without ever keeping out the person on a device they used before.
    Account,
    /// One account from one client (a device cookie, or else an address): the hard limit.
    AccountClient,
    /// One client address (an IPv6 /64) across all accounts: slows password spraying.
    Address,
}

impl Kind {
    /// Whether a right guess clears the count. An address's count stays: one valid account
    /// must not reset the counter of guesses made at others.
    fn cleared_by_success(self) -> bool {
        !matches!(self, Kind::Address)
    }

    /// Whether its lock keeps the account's owner out somewhere, which they are told of.
    fn concerns_the_account(self) -> bool {
        matches!(self, Kind::Account | Kind::AccountClient)
    }
}

/// A limiter key: its kind and a 128-bit digest of what it names.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub struct Key {
    kind: Kind,
    digest: [u8; 16],
}

impl Key {
    fn of(kind: Kind, parts: &[&[u8]]) -> Key {
        let mut hasher = Sha256::new();
        for part in parts {
            // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        let mut digest = [0u8; 16];
        digest.copy_from_slice(&hasher.finalize()[..16]);
        Key { kind, digest }
    }

    /// An account, by its (normalised) email.
    pub fn account(email: &str) -> Key {
        Key::of(Kind::Account, &[email.as_bytes()])
    }

    /// An account as tried by one client: `client` is a device cookie's hash when the
    /// browser holds one this account signed in with, else the client's address.
    pub fn account_client(email: &str, client: &str) -> Key {
        Key::of(Kind::AccountClient, &[email.as_bytes(), client.as_bytes()])
    }

    /// A client address; IPv6 counts per /64, the block one subscriber usually holds.
    pub fn address(address: &str) -> Key {
        Key::of(Kind::Address, &[address_block(address).as_bytes()])
    }

    /// A key of its own kind for another limiter (an API token's id, say).
    pub fn named(kind: Kind, name: &str) -> Key {
        Key::of(kind, &[name.as_bytes()])
    }
}

/// `limit_block` of a textual address; text that is not an address counts as itself.
pub fn address_block(address: &str) -> String {
    address.parse::<IpAddr>().map(limit_block).unwrap_or_else(|_| address.to_owned())
}

/// The block an address is limited as: itself for IPv4 (an IPv4-mapped IPv6 address is its
/// IPv4 address), its /64 for IPv6.
pub fn limit_block(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[derive(Debug)]
struct Entry {
    failures: u32,
    /// Attempts reserved and not yet resolved.
    in_flight: u32,
    last_activity: Instant,
    locked_until: Option<Instant>,
    /// The owner was told of this lock-out episode.
    reported: bool,
}

impl Entry {
    fn fresh(now: Instant) -> Entry {
        Entry { failures: 0, in_flight: 0, last_activity: now, locked_until: None, reported: false }
    }
}

/// The most keys kept at once (about 100 bytes each, so a few MB at most).
pub const MAX_ENTRIES: usize = 50_000;

pub struct Throttle {
    rules: fn(Kind) -> Rule,
    entries: Mutex<HashMap<Key, Entry>>,
}

fn default_rules(kind: Kind) -> Rule {
    match kind {
        Kind::Account => Rule::new(5, 30, 5 * 60),
        Kind::AccountClient => Rule::new(5, 30, 15 * 60),
        Kind::Address => Rule::new(20, 30, 15 * 60),
    }
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new(default_rules)
    }
}

/// What a failed attempt led to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Failure {
    /// Seconds until the client may try again, when this failure locked a key.
    pub retry_after_seconds: Option<u64>,
    /// This failure began a lock-out that keeps the account's owner out somewhere: worth a
    /// security event and (once per episode) an email.
    pub began_account_lock_out: bool,
}

impl Throttle {
    pub fn new(rules: fn(Kind) -> Rule) -> Self {
        Throttle { rules, entries: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reserves one attempt on every key, or `Err(seconds)` to wait when any key has no
    /// attempt left now (locked, or its allowance taken by attempts still being checked).
    pub fn reserve(&self, keys: &[Key]) -> Result<Attempt<'_>, u64> {
        self.reserve_at(keys, Instant::now())
    }

    pub fn reserve_at(&self, keys: &[Key], now: Instant) -> Result<Attempt<'_>, u64> {
        let mut entries = self.lock();
        let mut wait: Option<u64> = None;
        for key in keys {
            let rule = (self.rules)(key.kind);
            let Some(entry) = entries.get_mut(key) else { continue };
            if entry.in_flight == 0 && now.duration_since(entry.last_activity) >= rule.forget_after
            {
                *entry = Entry::fresh(now);
            }
            let refused = match entry.locked_until.filter(|until| *until > now) {
                Some(until) => Some(until.duration_since(now)),
                None if entry.failures + entry.in_flight < rule.free_failures => None,
                // Allowance spent, lock run out: one attempt at a time.
                None if entry.in_flight == 0 => None,
                // The attempts in flight may spend it: wait as long as their failure would.
                None => rule.delay_after(entry.failures + entry.in_flight),
            };
            if let Some(delay) = refused {
                let seconds = (delay.as_secs_f64().ceil() as u64).max(1);
                wait = Some(wait.map_or(seconds, |w| w.max(seconds)));
            }
        }
        if let Some(seconds) = wait {
            return Err(seconds);
        }
        if entries.len() + keys.len() > MAX_ENTRIES {
            self.make_room(&mut entries, now);
        }
        for key in keys {
            let entry = entries.entry(*key).or_insert_with(|| Entry::fresh(now));
            entry.in_flight += 1;
            entry.last_activity = now;
        }
        Ok(Attempt { throttle: self, keys: keys.to_vec(), resolved: false })
    }

    /// Drops forgotten keys; if the map is still full, the unlocked ones with nothing in
    /// flight, then the locks that end soonest, so the cap holds whatever is sent.
    fn make_room(&self, entries: &mut HashMap<Key, Entry>, now: Instant) {
        let rules = self.rules;
        entries.retain(|k, e| {
            e.in_flight > 0 || now.duration_since(e.last_activity) < rules(k.kind).forget_after
        });
        if entries.len() < MAX_ENTRIES * 3 / 4 {
            return;
        }
        entries.retain(|_, e| e.in_flight > 0 || e.locked_until.is_some_and(|u| u > now));
        if entries.len() < MAX_ENTRIES * 3 / 4 {
            return;
        }
        let mut ends: Vec<Instant> =
            entries.values().filter_map(|e| e.locked_until.filter(|_| e.in_flight == 0)).collect();
        let half = ends.len() / 2;
        if half > 0 {
            let (_, cut, _) = ends.select_nth_unstable(half);
            let cut = *cut;
            entries.retain(|_, e| e.in_flight > 0 || e.locked_until.is_some_and(|u| u > cut));
        }
    }

    /// Clears the counts a success clears, outside an attempt: a sign-in finished by its
    /// second step clears what its password step counted.
    pub fn forget(&self, keys: &[Key]) {
        let mut entries = self.lock();
        for key in keys.iter().filter(|k| k.kind.cleared_by_success()) {
            if let Some(entry) = entries.get_mut(key) {
                entry.failures = 0;
                entry.locked_until = None;
                entry.reported = false;
            }
        }
    }

    /// How many keys are kept (for the memory tests).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn resolve(&self, keys: &[Key], outcome: Outcome, now: Instant) -> Failure {
        let mut entries = self.lock();
        let mut failure = Failure::default();
        for key in keys {
            let Some(entry) = entries.get_mut(key) else { continue };
            entry.in_flight = entry.in_flight.saturating_sub(1);
            match outcome {
                Outcome::Released => {}
                Outcome::Succeeded => {
                    if key.kind.cleared_by_success() {
                        entry.failures = 0;
                        entry.locked_until = None;
                        entry.reported = false;
                    }
                }
                Outcome::Failed => {
                    entry.failures += 1;
                    entry.last_activity = now;
                    if let Some(delay) = (self.rules)(key.kind).delay_after(entry.failures) {
                        entry.locked_until = Some(now + delay);
                        let seconds = delay.as_secs();
                        failure.retry_after_seconds =
                            Some(failure.retry_after_seconds.map_or(seconds, |s| s.max(seconds)));
                        if key.kind.concerns_the_account() && !entry.reported {
                            entry.reported = true;
                            failure.began_account_lock_out = true;
                        }
                    }
                }
            }
        }
        failure
    }
}

#[derive(Clone, Copy)]
enum Outcome {
    Succeeded,
    Failed,
    Released,
}

/// A reserved attempt. Resolve it with `succeeded` or `failed`; dropped unresolved (an
/// internal error, a request cancelled before its answer), it is released uncounted, as
/// nobody learnt whether the guess was right.
#[must_use = "an attempt must be resolved"]
pub struct Attempt<'a> {
    throttle: &'a Throttle,
    keys: Vec<Key>,
    resolved: bool,
}

impl Attempt<'_> {
    /// The secret was right: the attempt is refunded and the account's counts cleared.
    pub fn succeeded(mut self) {
        self.resolved = true;
        self.throttle.resolve(&self.keys, Outcome::Succeeded, Instant::now());
    }

    /// The secret was right but the work goes on elsewhere (a second step): refunded, and
    /// the counts stay until that step succeeds.
    pub fn release(mut self) {
        self.resolved = true;
        self.throttle.resolve(&self.keys, Outcome::Released, Instant::now());
    }

    /// The secret was wrong: counted, perhaps locking.
    pub fn failed(self) -> Failure {
        self.failed_at(Instant::now())
    }

    pub fn failed_at(mut self, now: Instant) -> Failure {
        self.resolved = true;
        self.throttle.resolve(&self.keys, Outcome::Failed, now)
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.resolved {
            self.throttle.resolve(&self.keys, Outcome::Released, Instant::now());
        }
    }
}

/// At most `per_window` requests per key in each window: for callers that prove who they
/// are (an integration token) but must not take the whole server.
pub struct RateLimit {
    per_window: u32,
    window: Duration,
    entries: Mutex<HashMap<Key, (Instant, u32)>>,
}

impl RateLimit {
    pub fn new(per_window: u32, window: Duration) -> Self {
        RateLimit { per_window, window, entries: Mutex::new(HashMap::new()) }
    }

    /// Counts one request, or `Err(seconds)` until the key's window ends.
    pub fn take(&self, key: Key) -> Result<(), u64> {
        self.take_at(key, Instant::now())
    }

    pub fn take_at(&self, key: Key, now: Instant) -> Result<(), u64> {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= MAX_ENTRIES {
            let window = self.window;
            entries.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let (start, count) = entries.entry(key).or_insert((now, 0));
        if now.duration_since(*start) >= self.window {
            *start = now;
            *count = 0;
        }
        if *count >= self.per_window {
            let left = self.window.saturating_sub(now.duration_since(*start));
            return Err((left.as_secs_f64().ceil() as u64).max(1));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Key {
        Key::account("a@example.com")
    }

    fn fail(throttle: &Throttle, keys: &[Key], now: Instant) -> Failure {
        throttle.reserve_at(keys, now).expect("an attempt is allowed").failed_at(now)
    }

    #[test]
    fn free_failures_then_doubling_delays_up_to_the_cap() {
        let throttle = Throttle::default();
        let key = Key::account_client("a@example.com", "203.0.113.9");
        let t0 = Instant::now();
        for _ in 0..4 {
            assert_eq!(fail(&throttle, &[key], t0).retry_after_seconds, None);
        }
        let fifth = fail(&throttle, &[key], t0);
        assert_eq!(fifth.retry_after_seconds, Some(30));
        assert!(fifth.began_account_lock_out);
        assert_eq!(throttle.reserve_at(&[key], t0).err(), Some(30));
        let later = t0 + Duration::from_secs(30);
        let sixth = fail(&throttle, &[key], later);
        assert_eq!(sixth.retry_after_seconds, Some(60));
        assert!(!sixth.began_account_lock_out, "one report per episode");
        let mut now = later;
        for _ in 0..10 {
            now += Duration::from_secs(15 * 60);
            fail(&throttle, &[key], now);
        }
        assert_eq!(throttle.reserve_at(&[key], now).err(), Some(15 * 60));
    }

    #[test]
    fn a_burst_gets_only_the_free_allowance_checked() {
        let throttle = Throttle::default();
        let t0 = Instant::now();
        let attempts: Vec<_> =
            (0..60).map(|_| throttle.reserve_at(&[account()], t0)).collect::<Vec<_>>();
        let allowed = attempts.iter().filter(|a| a.is_ok()).count();
        assert_eq!(allowed, 5);
        assert!(attempts.iter().filter_map(|a| a.as_ref().err()).all(|wait| *wait == 30));
        for attempt in attempts.into_iter().flatten() {
            attempt.failed_at(t0);
        }
        assert_eq!(throttle.reserve_at(&[account()], t0).err(), Some(30));
    }

    #[test]
    fn a_right_guess_is_refunded_and_a_dropped_attempt_is_not_counted() {
        let throttle = Throttle::default();
        let t0 = Instant::now();
        for _ in 0..4 {
            fail(&throttle, &[account()], t0);
        }
        throttle.reserve_at(&[account()], t0).unwrap().succeeded();
        for _ in 0..4 {
            fail(&throttle, &[account()], t0);
        }
        drop(throttle.reserve_at(&[account()], t0).unwrap());
        assert!(throttle.reserve_at(&[account()], t0).is_ok(), "still one left");
    }

    #[test]
    fn a_lock_runs_out_then_one_attempt_at_a_time() {
        let throttle = Throttle::default();
        let t0 = Instant::now();
        for _ in 0..5 {
            fail(&throttle, &[account()], t0);
        }
        assert_eq!(throttle.reserve_at(&[account()], t0 + Duration::from_secs(29)).err(), Some(1));
        let after = t0 + Duration::from_secs(30);
        let one = throttle.reserve_at(&[account()], after).unwrap();
        assert!(throttle.reserve_at(&[account()], after).is_err());
        one.failed_at(after);
    }

    #[test]
    fn addresses_keep_their_count_after_a_success_and_ipv6_counts_per_64() {
        let throttle = Throttle::default();
        let t0 = Instant::now();
        for i in 0..19 {
            let host = format!("2001:db8:1:2::{i:x}");
            fail(&throttle, &[Key::account(&format!("u{i}@example.com")), Key::address(&host)], t0);
        }
        let address = Key::address("2001:db8:1:2:ffff::1");
        throttle.reserve_at(&[account(), address], t0).unwrap().succeeded();
        let twentieth = fail(&throttle, &[Key::account("z@example.com"), address], t0);
        assert_eq!(twentieth.retry_after_seconds, Some(30));
        assert!(throttle.reserve_at(&[Key::address("2001:db8:1:3::1")], t0).is_ok());
        assert_eq!(Key::address("::ffff:192.0.2.1"), Key::address("192.0.2.1"));
    }

    #[test]
    fn old_failures_are_forgotten() {
        let throttle = Throttle::default();
        let t0 = Instant::now();
        for _ in 0..4 {
            fail(&throttle, &[account()], t0);
        }
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..4 {
            assert_eq!(fail(&throttle, &[account()], later).retry_after_seconds, None);
        }
    }

    #[test]
    fn a_rate_limit_counts_per_window() {
        let rate = RateLimit::new(3, Duration::from_secs(60));
        let key = Key::named(Kind::Address, "token 7");
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(rate.take_at(key, t0).is_ok());
        }
        assert_eq!(rate.take_at(key, t0 + Duration::from_secs(20)), Err(40));
        assert!(rate.take_at(Key::named(Kind::Address, "token 8"), t0).is_ok());
        assert!(rate.take_at(key, t0 + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn a_flood_of_keys_stays_under_the_cap() {
        // One failure locks, so the map fills with locks, the hardest case to make room in.
        let throttle = Throttle::new(|_| Rule::new(0, 30, 60));
        let t0 = Instant::now();
        let huge = "x".repeat(300);
        for i in 0..(MAX_ENTRIES * 2) {
            let keys = [Key::account(&format!("{huge}{i}")), Key::address(&format!("10.{i}"))];
            if let Ok(attempt) = throttle.reserve_at(&keys, t0) {
                attempt.failed_at(t0);
            }
            assert!(throttle.len() <= MAX_ENTRIES, "{} keys after {i}", throttle.len());
        }
    }
}
