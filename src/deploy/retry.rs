//! Retries with exponential backoff and jitter around every [`Cloud`](super::Cloud) call.
//!
//! The SDK's own retries are turned off (see [`AwsCloud`](super::AwsCloud)), so this
//! is the only retry layer: throttling and transient errors (timeouts, connection
//! failures, 5xx) are retried up to [`RetryPolicy::attempts`] times; every other error is
//! returned at once. Calls that change state carry idempotency tokens, so a retry of a call
//! that did reach CloudFormation does nothing twice.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::cloud::{CloudError, CloudResult};

/// How often and how patiently to retry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The delay before the first retry; it doubles with every further retry.
    pub base_delay: Duration,
    /// The longest delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 8,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (1-based): exponential, capped, with "equal
    /// jitter" (half fixed, half random) so parallel deploys do not retry in lockstep.
    pub fn delay(&self, retry: u32) -> Duration {
        let exponential = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let capped = exponential.min(self.max_delay);
        let half = capped / 2;
        let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let random = if jitter_nanos == 0 {
            0
        } else {
            next_random() % jitter_nanos
        };
        half + Duration::from_nanos(random)
    }

    /// Runs `call` until it succeeds, fails for good, or the attempts run out. `on_retry`
    /// is told about every retry (the error and the delay), so the user sees throttling.
    pub async fn run<T, F, Fut>(
        &self,
        mut call: F,
        mut on_retry: impl FnMut(&CloudError, Duration),
    ) -> CloudResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = CloudResult<T>>,
    {
        let mut attempt = 1;
        loop {
            match call().await {
                Ok(value) => return Ok(value),
                Err(error) if error.is_retryable() && attempt < self.attempts => {
                    let delay = self.delay(attempt);
                    on_retry(&error, delay);
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }
}

/// A small xorshift generator seeded from the clock: jitter needs no cryptographic
/// quality, only different values in different processes and calls.
fn next_random() -> u64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        x = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9E37_79B9_7F4A_7C15, |elapsed| {
                u64::try_from(elapsed.as_nanos() & u128::from(u64::MAX)).unwrap_or(1)
            })
            | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::cloud::ErrorKind;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime")
    }

    fn quick() -> RetryPolicy {
        RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
        }
    }

    #[test]
    fn delays_grow_exponentially_up_to_the_cap_with_jitter() {
        let policy = RetryPolicy::default();
        for retry in 1..20 {
            let delay = policy.delay(retry);
            let full = (policy.base_delay * (1 << (retry - 1).min(16))).min(policy.max_delay);
            assert!(delay >= full / 2 && delay <= full, "{retry}: {delay:?}");
        }
        assert!(policy.delay(30) <= policy.max_delay);
    }

    #[test]
    fn throttling_and_transient_errors_are_retried_until_they_pass() {
        let mut failures = vec![
            CloudError::new(ErrorKind::Throttling, "DescribeStacks", "Rate exceeded"),
            CloudError::new(ErrorKind::Transient, "DescribeStacks", "timed out"),
        ];
        let mut calls = 0;
        let mut retries = Vec::new();
        let result = runtime().block_on(quick().run(
            || {
                calls += 1;
                let next = failures.pop();
                async move { next.map_or(Ok(7), Err) }
            },
            |error, _| retries.push(error.message.clone()),
        ));
        assert_eq!(result, Ok(7));
        assert_eq!(calls, 3);
        assert_eq!(retries, ["timed out", "Rate exceeded"]);
    }

    #[test]
    fn other_errors_and_exhausted_attempts_are_returned() {
        let mut calls = 0;
        let result: CloudResult<()> = runtime().block_on(quick().run(
            || {
                calls += 1;
                async { Err(CloudError::new(ErrorKind::Other, "CreateChangeSet", "bad")) }
            },
            |_, _| {},
        ));
        assert_eq!(result.map_err(|e| e.message), Err("bad".to_owned()));
        assert_eq!(calls, 1);

        let mut calls = 0;
        let result: CloudResult<()> = runtime().block_on(quick().run(
            || {
                calls += 1;
                async { Err(CloudError::new(ErrorKind::Throttling, "X", "slow down")) }
            },
            |_, _| {},
        ));
        assert!(result.is_err());
        assert_eq!(calls, 4);
    }
}
