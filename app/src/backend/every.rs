//! Background passes (deliveries, task deadlines, expired sessions): one loop that runs a
//! pass at a fixed period for as long as the server runs, the first at once.

use std::future::Future;
use std::time::Duration;

/// Spawns `pass` every `period`. A pass that runs long delays the next one rather than
/// overlapping it; each pass logs its own outcome.
pub fn every<F, Fut>(period: Duration, mut pass: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        loop {
            ticker.tick().await;
            pass().await;
        }
    });
}
