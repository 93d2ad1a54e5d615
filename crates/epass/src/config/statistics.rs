//! The `[statistics]` section: how often the dashboard's rollups catch up with the log.
//!
//! | key (file)              | environment                  | default |
//! |-------------------------|------------------------------|---------|
//! | `statistics.interval_s` | `EPASS_STATISTICS_INTERVAL_S` | `60`: seconds between roll-ups (0: never) |

use serde::Deserialize;

use super::ConfigError;

/// The dashboard's statistics (see `actions::statistics`).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatisticsConfig {
    /// Seconds between roll-ups of new log leaves into the statistics (0: never).
    pub interval_s: u64,
}

impl Default for StatisticsConfig {
    fn default() -> Self {
        Self { interval_s: 60 }
    }
}

/// Applies `EPASS_STATISTICS_INTERVAL_S`.
pub(super) fn apply_env(
    statistics: &mut StatisticsConfig,
    get: &impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    if let Some(v) = get("EPASS_STATISTICS_INTERVAL_S") {
        statistics.interval_s =
            v.parse()
                .map_err(|e: std::num::ParseIntError| ConfigError::Env {
                    name: "EPASS_STATISTICS_INTERVAL_S",
                    why: e.to_string(),
                })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_roll_up_interval_comes_from_the_file_and_the_environment() {
        let mut config: super::super::Config =
            toml::from_str("[statistics]\ninterval_s = 5\n").unwrap();
        assert_eq!(config.statistics.interval_s, 5);
        let get = |name: &str| (name == "EPASS_STATISTICS_INTERVAL_S").then(|| "0".to_owned());
        super::apply_env(&mut config.statistics, &get).unwrap();
        assert_eq!(config.statistics.interval_s, 0);
        assert!(super::apply_env(&mut config.statistics, &|_: &str| Some("x".into())).is_err());
    }
}
