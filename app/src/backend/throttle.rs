//! Guessing limits for every secret a person or script can guess: passwords, second
//! factors, API tokens. An attempt is reserved before the secret is checked and refunded
//! if it was right, so a burst of simultaneous guesses gets no more checks than the free
//! allowance; after that each failure locks the key for a delay that doubles up to a cap.
//!
//! The counts live in the database (`guess_counters`), so every instance on one database
//! shares them and a restart forgets nothing. A reservation is one transaction that locks
//! the keys' rows (`SELECT … FOR UPDATE` on PostgreSQL; SQLite has one writer), so sixty
//! guesses sent at once to two instances still get the allowance once. Keys are digests
//! (a submitted email of any length is 34 hex characters), and rows left idle are deleted
//! by a periodic job, so a flood of made-up keys costs a bounded, shrinking table.

use std::net::IpAddr;
use std::time::Duration;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use sha2::{Digest, Sha256};

use super::entities::{guess_counter, rate_window};
use crate::error::AppError;

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
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, PartialOrd, Ord)]
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

    fn code(self) -> &'static str {
        match self {
            Kind::Account => "account",
            Kind::AccountClient => "account-client",
            Kind::Address => "address",
        }
    }
}

/// A limiter key: its kind and a 128-bit digest of what it names.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, PartialOrd, Ord)]
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

    /// Its row's key in limiter `limiter`'s rows.
    fn row_key(&self, limiter: &str) -> String {
        let hex: String = self.digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("{limiter}:{}:{hex}", self.kind.code())
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

/// Unix milliseconds: the limiters' clock, stored as a plain integer.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Whole seconds to wait for `millis`, at least one.
fn seconds(millis: i64) -> u64 {
    u64::try_from((millis + 999) / 1000).unwrap_or(0).max(1)
}

/// An attempt reserved this long ago and never resolved belongs to an instance that
/// stopped mid-request: it no longer holds the allowance. Far longer than any check
/// (argon2 waits in its pool a few seconds at worst).
pub const RESERVATION_TIMEOUT: Duration = Duration::from_secs(120);

/// One key's count: the decisions, apart from where it is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counter {
    failures: u32,
    /// Attempts reserved and not yet resolved.
    in_flight: u32,
    reserved_at: i64,
    last_activity: i64,
    locked_until: Option<i64>,
    /// The owner was told of this lock-out episode.
    reported: bool,
}

impl Counter {
    pub fn fresh(now: i64) -> Counter {
        Counter {
            failures: 0,
            in_flight: 0,
            reserved_at: now,
            last_activity: now,
            locked_until: None,
            reported: false,
        }
    }

    /// Drops what time has voided: reservations of a stopped instance, and every count
    /// after an hour without failures.
    fn refresh(&mut self, rule: &Rule, now: i64) {
        if self.in_flight > 0 && now - self.reserved_at >= ms(RESERVATION_TIMEOUT) {
            self.in_flight = 0;
        }
        if self.in_flight == 0 && now - self.last_activity >= ms(rule.forget_after) {
            *self = Counter::fresh(now);
        }
    }

    /// Milliseconds to wait before another attempt, or `None` when one may start now.
    fn refusal(&self, rule: &Rule, now: i64) -> Option<i64> {
        match self.locked_until.filter(|until| *until > now) {
            Some(until) => Some(until - now),
            None if self.failures + self.in_flight < rule.free_failures => None,
            // Allowance spent, lock run out: one attempt at a time.
            None if self.in_flight == 0 => None,
            // The attempts in flight may spend it: wait as long as their failure would.
            None => rule.delay_after(self.failures + self.in_flight).map(ms),
        }
    }

    fn reserve(&mut self, now: i64) {
        self.in_flight += 1;
        self.reserved_at = now;
        self.last_activity = now;
    }

    fn resolve(&mut self, kind: Kind, rule: &Rule, outcome: Outcome, now: i64) -> Failure {
        let mut failure = Failure::default();
        self.in_flight = self.in_flight.saturating_sub(1);
        match outcome {
            Outcome::Released => {}
            Outcome::Succeeded => {
                if kind.cleared_by_success() {
                    self.clear();
                }
            }
            Outcome::Failed => {
                self.failures += 1;
                self.last_activity = now;
                if let Some(delay) = rule.delay_after(self.failures) {
                    self.locked_until = Some(now + ms(delay));
                    failure.retry_after_seconds = Some(delay.as_secs());
                    if kind.concerns_the_account() && !self.reported {
                        self.reported = true;
                        failure.began_account_lock_out = true;
                    }
                }
            }
        }
        failure
    }

    fn clear(&mut self) {
        self.failures = 0;
        self.locked_until = None;
        self.reported = false;
    }

    fn from_row(row: &guess_counter::Model) -> Counter {
        Counter {
            failures: u32::try_from(row.failures).unwrap_or(0),
            in_flight: u32::try_from(row.in_flight).unwrap_or(0),
            reserved_at: row.reserved_at_ms,
            last_activity: row.last_activity_ms,
            locked_until: row.locked_until_ms,
            reported: row.reported,
        }
    }

    fn to_row(&self, key: String) -> guess_counter::ActiveModel {
        guess_counter::ActiveModel {
            key: Set(key),
            failures: Set(i32::try_from(self.failures).unwrap_or(i32::MAX)),
            in_flight: Set(i32::try_from(self.in_flight).unwrap_or(i32::MAX)),
            reserved_at_ms: Set(self.reserved_at),
            last_activity_ms: Set(self.last_activity),
            locked_until_ms: Set(self.locked_until),
            reported: Set(self.reported),
        }
    }
}

/// The decision for a set of keys, all or nothing: `Err(seconds)` when any key has no
/// attempt left now, else one attempt reserved on each.
pub fn reserve_all(
    rules: fn(Kind) -> Rule,
    counters: &mut [(Key, Counter)],
    now: i64,
) -> Result<(), u64> {
    let mut wait: Option<i64> = None;
    for (key, counter) in counters.iter_mut() {
        let rule = rules(key.kind);
        counter.refresh(&rule, now);
        if let Some(millis) = counter.refusal(&rule, now) {
            wait = Some(wait.map_or(millis, |w| w.max(millis)));
        }
    }
    if let Some(millis) = wait {
        return Err(seconds(millis));
    }
    for (_, counter) in counters.iter_mut() {
        counter.reserve(now);
    }
    Ok(())
}

fn resolve_all(
    rules: fn(Kind) -> Rule,
    counters: &mut [(Key, Counter)],
    outcome: Outcome,
    now: i64,
) -> Failure {
    let mut failure = Failure::default();
    for (key, counter) in counters.iter_mut() {
        let one = counter.resolve(key.kind, &rules(key.kind), outcome, now);
        failure.retry_after_seconds = match (failure.retry_after_seconds, one.retry_after_seconds) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        failure.began_account_lock_out |= one.began_account_lock_out;
    }
    failure
}

/// A guessing limiter: a name (its rows' prefix) and its rules.
#[derive(Clone, Copy)]
pub struct Throttle {
    name: &'static str,
    rules: fn(Kind) -> Rule,
}

fn default_rules(kind: Kind) -> Rule {
    match kind {
        Kind::Account => Rule::new(5, 30, 5 * 60),
        Kind::AccountClient => Rule::new(5, 30, 15 * 60),
        Kind::Address => Rule::new(20, 30, 15 * 60),
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
    /// A limiter with the default rules, its rows named `name:…`.
    pub const fn named(name: &'static str) -> Self {
        Throttle { name, rules: default_rules }
    }

    pub const fn with_rules(name: &'static str, rules: fn(Kind) -> Rule) -> Self {
        Throttle { name, rules }
    }

    /// Reserves one attempt on every key, or `AppError::RateLimited` with the seconds to
    /// wait when any key has no attempt left now (locked, or its allowance taken by
    /// attempts still being checked, on any instance).
    pub async fn reserve(
        &self,
        db: &DatabaseConnection,
        keys: &[Key],
    ) -> Result<Attempt, AppError> {
        self.reserve_at(db, keys, now_ms()).await
    }

    pub async fn reserve_at(
        &self,
        db: &DatabaseConnection,
        keys: &[Key],
        now: i64,
    ) -> Result<Attempt, AppError> {
        let rules = self.rules;
        let decided =
            self.change(db, keys, now, move |counters| reserve_all(rules, counters, now)).await?;
        decided.map_err(|retry_after_seconds| AppError::RateLimited { retry_after_seconds })?;
        Ok(Attempt { throttle: *self, db: db.clone(), keys: keys.to_vec(), resolved: false })
    }

    /// Clears the counts a success clears, outside an attempt: a sign-in finished by its
    /// second step clears what its password step counted.
    pub async fn forget(&self, db: &DatabaseConnection, keys: &[Key]) -> Result<(), AppError> {
        let keys: Vec<Key> = keys.iter().copied().filter(|k| k.kind.cleared_by_success()).collect();
        self.change(db, &keys, now_ms(), |counters| {
            for (_, counter) in counters.iter_mut() {
                counter.clear();
            }
        })
        .await
    }

    /// How many keys this limiter keeps (for the tests).
    pub async fn len(&self, db: &DatabaseConnection) -> Result<u64, AppError> {
        Ok(guess_counter::Entity::find()
            .filter(guess_counter::Column::Key.starts_with(format!("{}:", self.name)))
            .count(db)
            .await?)
    }

    /// Reads the keys' rows locked (creating missing ones), applies `decide`, writes them
    /// back, in one transaction: two instances changing one key take turns.
    async fn change<T>(
        &self,
        db: &DatabaseConnection,
        keys: &[Key],
        now: i64,
        decide: impl FnOnce(&mut [(Key, Counter)]) -> T,
    ) -> Result<T, AppError> {
        let mut keys = keys.to_vec();
        // One order for every transaction, so two never wait on each other's rows.
        keys.sort();
        keys.dedup();
        let row_keys: Vec<String> = keys.iter().map(|k| k.row_key(self.name)).collect();
        let txn = db.begin().await?;
        // Rows first, so that two first attempts at a key meet at the same row lock
        // instead of both finding nothing.
        guess_counter::Entity::insert_many(
            row_keys.iter().map(|key| Counter::fresh(now).to_row(key.clone())),
        )
        .on_conflict_do_nothing()
        .exec_without_returning(&txn)
        .await?;
        let rows = guess_counter::Entity::find()
            .filter(guess_counter::Column::Key.is_in(row_keys.clone()))
            .order_by_asc(guess_counter::Column::Key)
            .lock_exclusive()
            .all(&txn)
            .await?;
        let mut counters: Vec<(Key, Counter)> = keys
            .iter()
            .zip(&row_keys)
            .map(|(key, row_key)| {
                let counter = rows
                    .iter()
                    .find(|row| &row.key == row_key)
                    .map_or_else(|| Counter::fresh(now), Counter::from_row);
                (*key, counter)
            })
            .collect();
        let before = counters.clone();
        let decided = decide(&mut counters);
        for ((_, counter), ((_, old), row_key)) in counters.iter().zip(before.iter().zip(row_keys))
        {
            if counter != old {
                guess_counter::Entity::update(counter.to_row(row_key)).exec(&txn).await?;
            }
        }
        txn.commit().await?;
        Ok(decided)
    }

    async fn resolve(&self, db: &DatabaseConnection, keys: &[Key], outcome: Outcome) -> Failure {
        let rules = self.rules;
        let now = now_ms();
        match self.change(db, keys, now, move |c| resolve_all(rules, c, outcome, now)).await {
            Ok(failure) => failure,
            Err(err) => {
                // Rare (the database went away mid-request); the reservation then runs
                // out by itself after RESERVATION_TIMEOUT.
                tracing::warn!(?err, limiter = self.name, "could not record a guess's outcome");
                Failure::default()
            }
        }
    }
}

/// Deletes keys nobody has touched for a day (their counts were forgotten after an hour
/// anyway). Returns how many went.
pub async fn delete_idle(db: &DatabaseConnection) -> Result<u64, AppError> {
    let day = 24 * 60 * 60 * 1000;
    let guesses = guess_counter::Entity::delete_many()
        .filter(guess_counter::Column::LastActivityMs.lt(now_ms() - day))
        .exec(db)
        .await?
        .rows_affected;
    let windows = rate_window::Entity::delete_many()
        .filter(rate_window::Column::WindowStartMs.lt(now_ms() - day))
        .exec(db)
        .await?
        .rows_affected;
    Ok(guesses + windows)
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
pub struct Attempt {
    throttle: Throttle,
    db: DatabaseConnection,
    keys: Vec<Key>,
    resolved: bool,
}

impl Attempt {
    /// The secret was right: the attempt is refunded and the account's counts cleared.
    pub async fn succeeded(mut self) {
        self.resolved = true;
        self.throttle.resolve(&self.db, &self.keys, Outcome::Succeeded).await;
    }

    /// The secret was right but the work goes on elsewhere (a second step): refunded, and
    /// the counts stay until that step succeeds.
    pub async fn release(mut self) {
        self.resolved = true;
        self.throttle.resolve(&self.db, &self.keys, Outcome::Released).await;
    }

    /// The secret was wrong: counted, perhaps locking.
    pub async fn failed(mut self) -> Failure {
        self.resolved = true;
        self.throttle.resolve(&self.db, &self.keys, Outcome::Failed).await
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if self.resolved {
            return;
        }
        // Released in the background: a drop cannot wait. Without a runtime (never in
        // the server) the reservation runs out after RESERVATION_TIMEOUT.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (throttle, db, keys) =
                (self.throttle, self.db.clone(), std::mem::take(&mut self.keys));
            runtime.spawn(async move {
                throttle.resolve(&db, &keys, Outcome::Released).await;
            });
        }
    }
}

/// At most `per_window` requests per key in each window, counted for every instance: for
/// callers that prove who they are (an integration token) but must not take the whole
/// server, and for anything else done at most so often (a test push).
#[derive(Clone, Copy)]
pub struct RateLimit {
    name: &'static str,
    per_window: u32,
    window: Duration,
}

impl RateLimit {
    pub const fn new(name: &'static str, per_window: u32, window: Duration) -> Self {
        RateLimit { name, per_window, window }
    }

    /// Counts one request, or `AppError::RateLimited` until the key's window ends.
    pub async fn take(&self, db: &DatabaseConnection, key: Key) -> Result<(), AppError> {
        self.take_at(db, key, now_ms()).await
    }

    pub async fn take_at(
        &self,
        db: &DatabaseConnection,
        key: Key,
        now: i64,
    ) -> Result<(), AppError> {
        let row_key = key.row_key(self.name);
        let txn = db.begin().await?;
        rate_window::Entity::insert(rate_window::ActiveModel {
            key: Set(row_key.clone()),
            window_start_ms: Set(now),
            count: Set(0),
        })
        .on_conflict(OnConflict::column(rate_window::Column::Key).do_nothing().to_owned())
        .exec_without_returning(&txn)
        .await?;
        let Some(row) =
            rate_window::Entity::find_by_id(row_key.clone()).lock_exclusive().one(&txn).await?
        else {
            return Err(AppError::internal("rate window", "its row vanished"));
        };
        let window = ms(self.window);
        let (start, count) = if now - row.window_start_ms >= window {
            (now, 0)
        } else {
            (row.window_start_ms, row.count)
        };
        if u32::try_from(count).unwrap_or(u32::MAX) >= self.per_window {
            txn.commit().await?;
            // A request that read the clock a moment before the one that started the
            // window (or another instance's clock) must not be told to wait longer than it.
            let left = (start + window - now).min(window);
            return Err(AppError::RateLimited { retry_after_seconds: seconds(left) });
        }
        rate_window::Entity::update(rate_window::ActiveModel {
            key: Set(row_key),
            window_start_ms: Set(start),
            count: Set(count + 1),
        })
        .exec(&txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The decisions over a map, as the database holds them.
    struct Counts {
        rules: fn(Kind) -> Rule,
        map: HashMap<Key, Counter>,
    }

    impl Counts {
        fn new() -> Counts {
            Counts { rules: default_rules, map: HashMap::new() }
        }

        fn load(&self, keys: &[Key], now: i64) -> Vec<(Key, Counter)> {
            keys.iter()
                .map(|k| (*k, self.map.get(k).cloned().unwrap_or_else(|| Counter::fresh(now))))
                .collect()
        }

        fn store(&mut self, counters: Vec<(Key, Counter)>) {
            self.map.extend(counters);
        }

        fn reserve(&mut self, keys: &[Key], now: i64) -> Result<(), u64> {
            let mut counters = self.load(keys, now);
            let decided = reserve_all(self.rules, &mut counters, now);
            self.store(counters);
            decided
        }

        fn resolve(&mut self, keys: &[Key], outcome: Outcome, now: i64) -> Failure {
            let mut counters = self.load(keys, now);
            let failure = resolve_all(self.rules, &mut counters, outcome, now);
            self.store(counters);
            failure
        }

        fn fail(&mut self, keys: &[Key], now: i64) -> Failure {
            self.reserve(keys, now).expect("an attempt is allowed");
            self.resolve(keys, Outcome::Failed, now)
        }
    }

    const T0: i64 = 1_800_000_000_000;

    fn secs(n: i64) -> i64 {
        n * 1000
    }

    fn account() -> Key {
        Key::account("a@example.com")
    }

    #[test]
    fn free_failures_then_doubling_delays_up_to_the_cap() {
        let mut counts = Counts::new();
        let key = Key::account_client("a@example.com", "203.0.113.9");
        for _ in 0..4 {
            assert_eq!(counts.fail(&[key], T0).retry_after_seconds, None);
        }
        let fifth = counts.fail(&[key], T0);
        assert_eq!(fifth.retry_after_seconds, Some(30));
        assert!(fifth.began_account_lock_out);
        assert_eq!(counts.reserve(&[key], T0).err(), Some(30));
        let later = T0 + secs(30);
        let sixth = counts.fail(&[key], later);
        assert_eq!(sixth.retry_after_seconds, Some(60));
        assert!(!sixth.began_account_lock_out, "one report per episode");
        let mut now = later;
        for _ in 0..10 {
            now += secs(15 * 60);
            counts.fail(&[key], now);
        }
        assert_eq!(counts.reserve(&[key], now).err(), Some(15 * 60));
    }

    #[test]
    fn a_burst_gets_only_the_free_allowance_checked() {
        let mut counts = Counts::new();
        let answers: Vec<_> = (0..60).map(|_| counts.reserve(&[account()], T0)).collect();
        assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 5);
        assert!(answers.iter().filter_map(|a| a.as_ref().err()).all(|wait| *wait == 30));
        for _ in 0..5 {
            counts.resolve(&[account()], Outcome::Failed, T0);
        }
        assert_eq!(counts.reserve(&[account()], T0).err(), Some(30));
    }

    #[test]
    fn a_right_guess_is_refunded_and_a_released_attempt_is_not_counted() {
        let mut counts = Counts::new();
        for _ in 0..4 {
            counts.fail(&[account()], T0);
        }
        counts.reserve(&[account()], T0).unwrap();
        counts.resolve(&[account()], Outcome::Succeeded, T0);
        for _ in 0..4 {
            counts.fail(&[account()], T0);
        }
        counts.reserve(&[account()], T0).unwrap();
        counts.resolve(&[account()], Outcome::Released, T0);
        assert!(counts.reserve(&[account()], T0).is_ok(), "still one left");
    }

    #[test]
    fn reservations_of_a_stopped_instance_run_out() {
        let mut counts = Counts::new();
        for _ in 0..5 {
            counts.reserve(&[account()], T0).unwrap();
        }
        assert!(counts.reserve(&[account()], T0 + secs(60)).is_err());
        let after = T0 + i64::try_from(RESERVATION_TIMEOUT.as_millis()).unwrap();
        assert!(counts.reserve(&[account()], after).is_ok());
    }

    #[test]
    fn a_lock_runs_out_then_one_attempt_at_a_time() {
        let mut counts = Counts::new();
        for _ in 0..5 {
            counts.fail(&[account()], T0);
        }
        assert_eq!(counts.reserve(&[account()], T0 + secs(29)).err(), Some(1));
        let after = T0 + secs(30);
        counts.reserve(&[account()], after).unwrap();
        assert!(counts.reserve(&[account()], after).is_err());
    }

    #[test]
    fn addresses_keep_their_count_after_a_success_and_ipv6_counts_per_64() {
        let mut counts = Counts::new();
        for i in 0..19 {
            let host = format!("2001:db8:1:2::{i:x}");
            counts.fail(&[Key::account(&format!("u{i}@example.com")), Key::address(&host)], T0);
        }
        let address = Key::address("2001:db8:1:2:ffff::1");
        counts.reserve(&[account(), address], T0).unwrap();
        counts.resolve(&[account(), address], Outcome::Succeeded, T0);
        let twentieth = counts.fail(&[Key::account("z@example.com"), address], T0);
        assert_eq!(twentieth.retry_after_seconds, Some(30));
        assert!(counts.reserve(&[Key::address("2001:db8:1:3::1")], T0).is_ok());
        assert_eq!(Key::address("::ffff:192.0.2.1"), Key::address("192.0.2.1"));
    }

    #[test]
    fn old_failures_are_forgotten() {
        let mut counts = Counts::new();
        for _ in 0..4 {
            counts.fail(&[account()], T0);
        }
        let later = T0 + secs(3600);
        for _ in 0..4 {
            assert_eq!(counts.fail(&[account()], later).retry_after_seconds, None);
        }
    }

    #[test]
    fn row_keys_name_the_limiter_and_kind_but_not_the_email() {
        let key = Key::account("someone@example.com").row_key("password");
        assert!(key.starts_with("password:account:"));
        assert!(!key.contains("someone"));
        assert!(key.len() <= 64);
    }
}
