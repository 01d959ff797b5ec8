//! Failures counted per client address, and refused past a bound: failed dashboard logins, and
//! failed authentications on the API (a token guessed at).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Addresses kept before the ones with no recent failure are forgotten.
const MAX_ADDRESSES: usize = 10_000;

/// At most `max` failures per address within `window`; past that, refused until the oldest
/// failure ages out.
pub struct FailureLimiter {
    max: usize,
    window: Duration,
    failures: Mutex<HashMap<IpAddr, Vec<Instant>>>,
}

impl FailureLimiter {
    /// A limiter of `max` failures per `window`.
    pub fn new(max: usize, window: Duration) -> Self {
        Self {
            max,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// How long `client` must wait, if it is over the bound.
    pub fn limited(&self, client: IpAddr, now: Instant) -> Option<Duration> {
        let mut failures = self.failures.lock();
        let list = failures.get_mut(&client)?;
        list.retain(|at| now.duration_since(*at) < self.window);
        (list.len() >= self.max).then(|| self.window.saturating_sub(now.duration_since(list[0])))
    }

    /// Counts a failure of `client`.
    pub fn failed(&self, client: IpAddr, now: Instant) {
        let mut failures = self.failures.lock();
        if failures.len() >= MAX_ADDRESSES {
            failures.retain(|_, list| list.iter().any(|at| now.duration_since(*at) < self.window));
        }
        let list = failures.entry(client).or_default();
        list.push(now);
        // Only the latest `max` matter.
        if list.len() > self.max {
            list.remove(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_limited_per_address_and_age_out() {
        let window = Duration::from_secs(300);
        let limiter = FailureLimiter::new(10, window);
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let now = Instant::now();
        for _ in 0..10 {
            assert!(limiter.limited(a, now).is_none());
            limiter.failed(a, now);
        }
        let wait = limiter.limited(a, now).expect("limited");
        assert!(wait <= window && wait > Duration::from_secs(290));
        assert!(limiter.limited(b, now).is_none(), "per address");
        assert!(limiter.limited(a, now + window).is_none(), "failures age out");
    }
}
