//! Alerts from recorded checks: impossible travel between two checks of one pass, and checks
//! whose outcome is itself a warning (outside the zone or time, revoked, not in the log).

use serde_json::json;

use super::{AlertConfig, round1};
use crate::domain::geo::{Point, haversine_km};
use crate::store::StoreResult;
use crate::store::Tx;
use crate::store::alerts::{self, NewAlert, PlacedCheck, ScannedCheck};

pub(super) async fn scan(
    tx: &mut Tx,
    config: &AlertConfig,
    checks: &[ScannedCheck],
    out: &mut Vec<NewAlert>,
) -> StoreResult<()> {
    for check in checks {
        if let Some(alert) = outcome_alert(check) {
            out.push(alert);
        }
        let (Some(pass_id), Some(place)) = (check.pass_id, check.place) else {
            continue;
        };
        // Offline uploads arrive late: compare with the checks just before and just after in
        // time, whenever they were recorded.
        let this = PlacedCheck {
            id: check.id,
            checkpoint_id: check.checkpoint_id,
            checked_at: check.checked_at,
            place,
        };
        for earlier in [true, false] {
            if let Some(other) =
                alerts::neighbour(tx, pass_id, check.id, check.checked_at, earlier).await?
                && let Some(alert) = travel(config, check, &this, &other)
            {
                out.push(alert);
            }
        }
    }
    Ok(())
}

fn point((longitude, latitude): (f64, f64)) -> Point {
    Point {
        longitude,
        latitude,
    }
}

fn number(check: &ScannedCheck) -> String {
    check
        .pass_number
        .clone()
        .or_else(|| check.pass_id.map(|id| format!("#{id}")))
        .unwrap_or_else(|| "?".to_owned())
}

/// An alert when two checks of a pass lie further apart than the top speed covers in the time
/// between them (and at least `travel_min_km` apart, above position noise).
fn travel(
    config: &AlertConfig,
    check: &ScannedCheck,
    a: &PlacedCheck,
    b: &PlacedCheck,
) -> Option<NewAlert> {
    let (first, second) = if (a.checked_at, a.id) <= (b.checked_at, b.id) {
        (a, b)
    } else {
        (b, a)
    };
    let km = haversine_km(point(first.place), point(second.place));
    let ms = (second.checked_at - first.checked_at).max(0);
    let hours = ms as f64 / 3_600_000.0;
    if km < config.travel_min_km || km <= config.top_speed_kmh * hours {
        return None;
    }
    let minutes = ms as f64 / 60_000.0;
    let speed = (ms > 0).then(|| km / hours);
    let number = number(check);
    let speed_text = speed.map_or_else(|| "∞".to_owned(), |s| format!("{s:.0}"));
    let place = |c: &PlacedCheck| {
        json!({ "check_id": c.id, "checked_at": c.checked_at, "checkpoint_id": c.checkpoint_id,
                "longitude": c.place.0, "latitude": c.place.1 })
    };
    Some(NewAlert {
        kind: "impossible_travel",
        authority_id: check.authority_id,
        pass_id: check.pass_id,
        pass_number: check.pass_number.clone(),
        user_id: None,
        summary_zh: format!(
            "通行证 {number} 在 {minutes:.0} 分钟内先后于相距 {km:.1} 公里的两地被查验，\
             需时速 {speed_text} 公里，超过上限 {top} 公里，疑似二维码被复制。",
            top = config.top_speed_kmh
        ),
        summary_en: format!(
            "Pass {number} was checked at two places {km:.1} km apart within {minutes:.0} \
             minutes: {speed_text} km/h, above the top speed of {top} km/h. A copied code?",
            top = config.top_speed_kmh
        ),
        evidence: json!({
            "check_ids": [first.id, second.id],
            "checks": [place(first), place(second)],
            "distance_km": round1(km),
            "minutes": round1(minutes),
            "implied_speed_kmh": speed.map(round1),
            "top_speed_kmh": config.top_speed_kmh,
            "min_distance_km": config.travel_min_km,
            "rule": "great-circle distance > top speed × time between the checks",
        }),
        fingerprint: format!("impossible_travel:{}:{}", first.id, second.id),
        occurred_at: second.checked_at,
    })
}

/// An alert for a check whose outcome is itself a warning.
fn outcome_alert(check: &ScannedCheck) -> Option<NewAlert> {
    let outcome = check.outcome.as_str();
    let class = outcome.split('.').next().unwrap_or(outcome);
    let number = number(check);
    let revoked_at = (check.pass_status.as_deref() == Some("revoked"))
        .then_some(check.pass_status_changed_at)
        .flatten();
    let (kind, zh, en) = if outcome == "not_in_log"
        || class == "not_in_log"
        || outcome.ends_with(".not_in_log")
    {
        (
            "unlogged_pass",
            format!(
                "通行证 {number} 签名有效，但签发机关的日志中没有它的记录（签名密钥可能被盗用）。"
            ),
            format!(
                "Pass {number} is validly signed but its issuer's log never recorded it \
                 (a stolen signing key?)."
            ),
        )
    } else if class == "outside_zone" {
        (
            "outside_zone",
            format!("通行证 {number} 在许可区域和路段之外被查验。"),
            format!("Pass {number} was checked outside its permitted zones and road sections."),
        )
    } else if class == "outside_time" {
        (
            "outside_time",
            format!("通行证 {number} 在许可时段之外被查验。"),
            format!("Pass {number} was checked outside its permitted times."),
        )
    } else if class == "revoked" {
        // A check made offline before the revocation and uploaded after it is not one.
        if revoked_at.is_some_and(|at| check.checked_at < at) {
            return None;
        }
        (
            "checked_after_revocation",
            format!("已吊销的通行证 {number} 仍在使用并被查验。"),
            format!("Pass {number} was checked after it was revoked."),
        )
    } else {
        return None;
    };
    Some(NewAlert {
        kind,
        authority_id: check.authority_id,
        pass_id: check.pass_id,
        pass_number: check.pass_number.clone(),
        user_id: None,
        summary_zh: zh,
        summary_en: en,
        evidence: json!({
            "check_ids": [check.id],
            "outcome": check.outcome,
            "checked_at": check.checked_at,
            "checkpoint_id": check.checkpoint_id,
            "officer_id": check.officer_id,
            "longitude": check.place.map(|p| p.0),
            "latitude": check.place.map(|p| p.1),
            "revoked_at": revoked_at,
        }),
        fingerprint: format!("{kind}:check:{}", check.id),
        occurred_at: check.checked_at,
    })
}
