//! Per-integration rate limits: a token bucket of `rate_limit` requests per minute, shared by
//! every data key of the integration.

use std::time::Duration;

use tokio::time::Instant;

/// A token bucket refilled continuously at `per_minute` tokens per minute, holding at most
/// `per_minute` tokens.
#[derive(Debug, Clone)]
pub struct Bucket {
    per_minute: u32,
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn new(per_minute: u32, now: Instant) -> Self {
        Self {
            per_minute: per_minute.max(1),
            tokens: f64::from(per_minute.max(1)),
            updated: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        let cap = f64::from(self.per_minute);
        self.tokens = (self.tokens + elapsed * cap / 60.0).min(cap);
        self.updated = now;
    }

    /// Takes a token, or says when the next one is available.
    pub fn take(&mut self, now: Instant) -> Result<(), Instant> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let missing = 1.0 - self.tokens;
            let wait = missing * 60.0 / f64::from(self.per_minute);
            Err(now + Duration::from_secs_f64(wait))
        }
    }

    /// The configured rate.
    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn allows_the_rate_and_then_spaces_requests() {
        let start = Instant::now();
        let mut b = Bucket::new(60, start);
        for _ in 0..60 {
            b.take(start).unwrap();
        }
        let next = b.take(start).unwrap_err();
        assert_eq!(
            next - start,
            Duration::from_secs(1),
            "one token per second at 60/min"
        );
        b.take(start + Duration::from_secs(1)).unwrap();
        assert!(b.take(start + Duration::from_secs(1)).is_err());
    }
}
