//! The bounded pool for memory-heavy CPU work: password hashing and checks (19 MiB of
//! argon2 memory each) and photo decoding. At most `2 × cores` run at once; others wait
//! in line briefly and are then answered "busy" (503 with Retry-After) instead of all
//! running together, so a burst of 200 sign-ins cannot take the server's memory with it,
//! and other requests keep being served.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::error::AppError;

/// How long a job waits for a place before the request is answered "busy".
const QUEUE_WAIT: Duration = Duration::from_secs(10);
/// What a busy answer tells the client to wait.
const RETRY_AFTER_SECONDS: u64 = 5;

pub struct CpuPool {
    places: Arc<Semaphore>,
    size: usize,
    wait: Duration,
    running: Arc<AtomicUsize>,
    most_at_once: Arc<AtomicUsize>,
}

impl CpuPool {
    pub fn new(size: usize, wait: Duration) -> Self {
        CpuPool {
            places: Arc::new(Semaphore::new(size)),
            size,
            wait,
            running: Arc::default(),
            most_at_once: Arc::default(),
        }
    }

    /// The process's pool: twice the cores, at least two.
    pub fn shared() -> &'static CpuPool {
        static POOL: OnceLock<CpuPool> = OnceLock::new();
        POOL.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, usize::from);
            CpuPool::new((2 * cores).max(2), QUEUE_WAIT)
        })
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// The most jobs that ever ran at once (never more than `size`).
    pub fn most_at_once(&self) -> usize {
        self.most_at_once.load(Ordering::Relaxed)
    }

    /// Runs `job` on a blocking thread once a place is free, or answers busy.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let waiting = self.places.clone().acquire_owned();
        let Ok(Ok(place)) = tokio::time::timeout(self.wait, waiting).await else {
            tracing::warn!(size = self.size, "the CPU pool is full; a request was answered busy");
            return Err(AppError::Busy { retry_after_seconds: RETRY_AFTER_SECONDS });
        };
        let (running, most_at_once) = (self.running.clone(), self.most_at_once.clone());
        // The job holds its place until it ends, even if the request that asked for it is
        // dropped meanwhile (a client that disconnects): a blocking job cannot be stopped,
        // so its place must not be given to another while it still runs.
        tokio::task::spawn_blocking(move || {
            let now = running.fetch_add(1, Ordering::Relaxed) + 1;
            most_at_once.fetch_max(now, Ordering::Relaxed);
            let result = job();
            running.fetch_sub(1, Ordering::Relaxed);
            drop(place);
            result
        })
        .await
        .map_err(|e| AppError::internal("a CPU pool job", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_more_than_its_size_at_once_and_busy_after_the_wait() {
        let pool = std::sync::Arc::new(CpuPool::new(2, Duration::from_secs(5)));
        // Spawned all at once (collected), then awaited.
        let jobs: Vec<_> = (0..12)
            .map(|_| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    pool.run(|| std::thread::sleep(Duration::from_millis(30))).await
                })
            })
            .collect();
        for job in futures_all(jobs.into_iter()).await {
            assert!(job.is_ok());
        }
        assert_eq!(pool.most_at_once(), 2);

        let short = std::sync::Arc::new(CpuPool::new(1, Duration::from_millis(50)));
        let long = {
            let short = short.clone();
            tokio::spawn(async move {
                short.run(|| std::thread::sleep(Duration::from_millis(400))).await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let refused = short.run(|| ()).await;
        assert_eq!(refused, Err(AppError::Busy { retry_after_seconds: RETRY_AFTER_SECONDS }));
        assert!(long.await.unwrap().is_ok());
        assert!(short.run(|| ()).await.is_ok(), "free again afterwards");

        // A request dropped while its job runs does not free the place early.
        let one = std::sync::Arc::new(CpuPool::new(1, Duration::from_millis(50)));
        let abandoned = {
            let one = one.clone();
            tokio::spawn(
                async move { one.run(|| std::thread::sleep(Duration::from_millis(400))).await },
            )
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        abandoned.abort();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            matches!(one.run(|| ()).await, Err(AppError::Busy { .. })),
            "the abandoned job still holds its place"
        );
    }

    async fn futures_all<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
        let mut out = Vec::new();
        for handle in handles {
            out.push(handle.await.unwrap());
        }
        out
    }
}
