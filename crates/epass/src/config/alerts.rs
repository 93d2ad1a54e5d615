//! The `[alerts]` section: how often alerts are computed and the thresholds that raise them.
//!
//! | key (file)                             | environment                  | default |
//! |----------------------------------------|------------------------------|---------|
//! | `alerts.interval_s`                    | `EPASS_ALERTS_INTERVAL_S`    | `30`: seconds between scans (0: never) |
//! | `alerts.batch`                         |                              | `1000`: checks and events read per scan at most |
//! | `alerts.top_speed_kmh`                 | `EPASS_ALERTS_TOP_SPEED_KMH` | `150`: faster travel between two checks of one pass is impossible |
//! | `alerts.travel_min_km`                 |                              | `5`: closer checks never count as travel (position noise) |
//! | `alerts.pii_reads_threshold`           |                              | `100` reads of personal data by one account |
//! | `alerts.pii_window_minutes`            |                              | `60`: … within this sliding window |
//! | `alerts.failed_logins_threshold`       |                              | `5` failed logins of one account |
//! | `alerts.failed_logins_window_minutes`  |                              | `15`: … within this sliding window |
//! | `alerts.reviewer_min_decisions`        |                              | `20`: a reviewer with fewer decisions in a day is never flagged |
//! | `alerts.reviewer_min_peers`            |                              | `2`: other reviewers needed the same day to compare with |
//! | `alerts.reviewer_volume_factor`        |                              | `3`: flagged at this many times the peers' median count |
//! | `alerts.reviewer_speed_factor`         |                              | `5`: flagged when the median time between decisions is under the peers' median divided by this |

use serde::Deserialize;

use super::ConfigError;

/// Thresholds of the alerts (SPEC §3.9).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertConfig {
    pub interval_s: u64,
    pub batch: i64,
    pub top_speed_kmh: f64,
    pub travel_min_km: f64,
    pub pii_reads_threshold: i64,
    pub pii_window_minutes: i64,
    pub failed_logins_threshold: i64,
    pub failed_logins_window_minutes: i64,
    pub reviewer_min_decisions: i64,
    pub reviewer_min_peers: i64,
    pub reviewer_volume_factor: f64,
    pub reviewer_speed_factor: f64,
}

impl Default for AlertConfig {
    fn default() -> Self {
        Self {
            interval_s: 30,
            batch: 1000,
            top_speed_kmh: 150.0,
            travel_min_km: 5.0,
            pii_reads_threshold: 100,
            pii_window_minutes: 60,
            failed_logins_threshold: 5,
            failed_logins_window_minutes: 15,
            reviewer_min_decisions: 20,
            reviewer_min_peers: 2,
            reviewer_volume_factor: 3.0,
            reviewer_speed_factor: 5.0,
        }
    }
}

/// Applies the `EPASS_ALERTS_*` variables.
pub(super) fn apply_env(
    alerts: &mut AlertConfig,
    get: &impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    if let Some(v) = get("EPASS_ALERTS_INTERVAL_S") {
        alerts.interval_s = v
            .parse()
            .map_err(|e: std::num::ParseIntError| ConfigError::Env {
                name: "EPASS_ALERTS_INTERVAL_S",
                why: e.to_string(),
            })?;
    }
    if let Some(v) = get("EPASS_ALERTS_TOP_SPEED_KMH") {
        alerts.top_speed_kmh = v
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0)
            .ok_or_else(|| ConfigError::Env {
                name: "EPASS_ALERTS_TOP_SPEED_KMH",
                why: format!("expected a positive speed, got {v:?}"),
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_settings_come_from_the_file_and_the_environment() {
        let config: super::super::Config =
            toml::from_str("[alerts]\ntop_speed_kmh = 120\ninterval_s = 10\n").unwrap();
        assert_eq!(config.alerts.top_speed_kmh, 120.0);
        assert_eq!(config.alerts.interval_s, 10);
        assert_eq!(config.alerts.failed_logins_threshold, 5);
        let mut alerts = AlertConfig::default();
        apply_env(&mut alerts, &|name: &str| {
            (name == "EPASS_ALERTS_TOP_SPEED_KMH").then(|| "200".to_owned())
        })
        .unwrap();
        assert_eq!(alerts.top_speed_kmh, 200.0);
        let bad = apply_env(&mut alerts, &|name: &str| {
            (name == "EPASS_ALERTS_TOP_SPEED_KMH").then(|| "-1".to_owned())
        });
        assert!(bad.is_err());
    }
}
