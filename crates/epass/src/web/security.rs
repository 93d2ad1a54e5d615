//! Security defaults: headers (CSP without inline script), request rate limits per client.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// The Content-Security-Policy of every answer: our own scripts and styles only, nothing inline.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
    form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to a response.
pub async fn headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // `same-origin`, not `no-referrer`: under `no-referrer` browsers send `Origin: null` on
    // our own form posts, and the pages' origin check would refuse them. Other sites still get
    // no referrer.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// Fixed-window counters per (bucket, client). One node's memory is enough for a first line of
/// defence; the durable limits (code throttles, account lock-out) live in the database.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<WindowKey, (Instant, u32)>>,
}

/// A bucket name and a client address.
type WindowKey = (&'static str, String);

impl RateLimiter {
    /// Counts one request; `Err(seconds to wait)` once `limit` requests were seen in `window`.
    pub fn check(
        &self,
        bucket: &'static str,
        client: &str,
        limit: u32,
        window: Duration,
    ) -> Result<(), u64> {
        let now = Instant::now();
        // A poisoned lock only means another request panicked mid-count; the map is still usable.
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = windows
            .entry((bucket, client.to_owned()))
            .or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            let wait = window.saturating_sub(now.duration_since(entry.0));
            return Err(wait.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_refuses_past_the_limit_and_counts_clients_apart() {
        let limiter = RateLimiter::default();
        let minute = Duration::from_secs(60);
        for _ in 0..3 {
            assert!(limiter.check("login", "1.2.3.4", 3, minute).is_ok());
        }
        assert!(limiter.check("login", "1.2.3.4", 3, minute).is_err());
        assert!(limiter.check("login", "5.6.7.8", 3, minute).is_ok());
        assert!(limiter.check("code", "1.2.3.4", 3, minute).is_ok());
    }

    #[test]
    fn the_window_resets() {
        let limiter = RateLimiter::default();
        let short = Duration::from_millis(20);
        assert!(limiter.check("login", "a", 1, short).is_ok());
        assert!(limiter.check("login", "a", 1, short).is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(limiter.check("login", "a", 1, short).is_ok());
    }
}
