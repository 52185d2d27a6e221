//! The bounded pool for memory-heavy CPU work: password hashing and checks (19 MiB of
//! argon2 memory each) and photo decoding. At most `2 × cores` run at once; others wait
//! in line briefly and are then answered "busy" (503 with Retry-After) instead of all
//! running together, so a burst of 200 sign-ins cannot take the server's memory with it,
//! and other requests keep being served.
//!
//! The jobs run on the pool's own threads at a lower scheduling priority (nice 10): when a
//! storm of sign-ins keeps every core busy hashing, the kernel still gives the request
//! handlers the CPU first, so pages and reads stay quick while the sign-ins take their
//! turn (README, "Performance": the read's p99 during 200 sign-ins at once).

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::error::AppError;

/// How long a job waits for a place before the request is answered "busy".
const QUEUE_WAIT: Duration = Duration::from_secs(10);
/// What a busy answer tells the client to wait.
const RETRY_AFTER_SECONDS: u64 = 5;
/// The pool threads' nice value: 10 gets about a tenth of a core's time against a request
/// handler at 0, and all of it when nothing else wants it.
const WORKER_NICENESS: i32 = 10;

type Job = Box<dyn FnOnce() + Send>;

pub struct CpuPool {
    places: Arc<Semaphore>,
    size: usize,
    wait: Duration,
    running: Arc<AtomicUsize>,
    most_at_once: Arc<AtomicUsize>,
    /// The worker threads' queue; `None` if no thread could be started (then jobs run on
    /// tokio's blocking threads, at normal priority).
    workers: Option<mpsc::Sender<Job>>,
}

impl CpuPool {
    pub fn new(size: usize, wait: Duration) -> Self {
        CpuPool {
            places: Arc::new(Semaphore::new(size)),
            size,
            wait,
            running: Arc::default(),
            most_at_once: Arc::default(),
            workers: start_workers(size),
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

    /// Runs `job` on a pool thread once a place is free, or answers busy.
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
        // dropped meanwhile (a client that disconnects): a running job cannot be stopped,
        // so its place must not be given to another while it still runs.
        let (answer, answered) = tokio::sync::oneshot::channel();
        let task: Job = Box::new(move || {
            let now = running.fetch_add(1, Ordering::Relaxed) + 1;
            most_at_once.fetch_max(now, Ordering::Relaxed);
            // A panicking job must not take its worker thread with it.
            let result = std::panic::catch_unwind(AssertUnwindSafe(job));
            running.fetch_sub(1, Ordering::Relaxed);
            drop(place);
            // The request may be gone; then nobody wants the answer.
            let _ = answer.send(result.ok());
        });
        match &self.workers {
            Some(queue) => {
                queue.send(task).map_err(|_| AppError::internal("a CPU pool job", "no worker"))?
            }
            None => drop(tokio::task::spawn_blocking(task)),
        }
        match answered.await {
            Ok(Some(result)) => Ok(result),
            Ok(None) => Err(AppError::internal("a CPU pool job", "the job panicked")),
            Err(e) => Err(AppError::internal("a CPU pool job", e)),
        }
    }
}

/// Starts `size` worker threads at lowered priority, sharing one queue. They end when the
/// pool (the queue's sender) is dropped.
fn start_workers(size: usize) -> Option<mpsc::Sender<Job>> {
    let (queue, jobs) = mpsc::channel::<Job>();
    let jobs = Arc::new(Mutex::new(jobs));
    let mut started = 0;
    for index in 0..size {
        let jobs = jobs.clone();
        let spawned =
            std::thread::Builder::new().name(format!("cpu-pool-{index}")).spawn(move || {
                lower_this_threads_priority();
                loop {
                    // The lock is held only while taking a job, not while running it.
                    let next =
                        jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner).recv();
                    match next {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
        match spawned {
            Ok(_) => started += 1,
            Err(e) => tracing::error!(error = %e, "could not start a CPU pool thread"),
        }
    }
    (started > 0).then_some(queue)
}

#[cfg(target_os = "linux")]
fn lower_this_threads_priority() {
    // On Linux a nice value belongs to the thread (its id is the `who` of PRIO_PROCESS).
    // SAFETY: gettid and setpriority only read their arguments; they touch no memory of ours.
    let result = unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, WORKER_NICENESS)
    };
    if result != 0 {
        tracing::warn!(error = %std::io::Error::last_os_error(), "could not lower the CPU pool's priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_this_threads_priority() {}

/// This thread's nice value (for the tests).
#[cfg(all(test, target_os = "linux"))]
fn this_threads_niceness() -> i32 {
    // SAFETY: as above.
    unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
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

    #[cfg(target_os = "linux")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_run_at_lower_priority_and_a_panic_is_an_error_not_a_lost_thread() {
        let pool = CpuPool::new(1, Duration::from_secs(5));
        assert_eq!(pool.run(this_threads_niceness).await, Ok(WORKER_NICENESS));
        assert_eq!(this_threads_niceness(), 0, "the request handlers keep their priority");
        #[allow(clippy::panic)]
        let panicked = pool.run(|| panic!("a bad image")).await;
        assert!(matches!(panicked, Err(AppError::Internal)));
        assert_eq!(pool.run(|| 7).await, Ok(7), "the one worker still runs jobs");
    }

    async fn futures_all<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
        let mut out = Vec::new();
        for handle in handles {
            out.push(handle.await.unwrap());
        }
        out
    }
}
