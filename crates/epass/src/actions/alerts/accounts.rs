//! Alerts about accounts from audit events, each over a sliding window: bulk reads of other
//! people's personal data by one account, and repeated failed logins of one account.

use std::collections::HashMap;

use serde_json::json;

use super::AlertConfig;
use crate::store::alerts::{self, NewAlert, PII_READS, ScannedEvent, WindowCount};
use crate::store::{StoreResult, Tx};

pub(super) async fn scan(
    tx: &mut Tx,
    config: &AlertConfig,
    events: &[ScannedEvent],
    out: &mut Vec<NewAlert>,
) -> StoreResult<()> {
    // When the alert raised in this scan for `(kind, account)` happened.
    let mut reported: HashMap<(&'static str, i64), i64> = HashMap::new();
    for event in events {
        let (kind, user_id, window_min, threshold) = if PII_READS.contains(&event.action.as_str()) {
            let Some(actor) = event.actor_user_id else {
                continue;
            };
            // One's own ID number and one's own documents are not someone else's data.
            let own = (event.action == "pii.id_number_read"
                && event.object_id == actor.to_string())
                || event.actor_role.as_deref() == Some("applicant");
            if own {
                continue;
            }
            (
                "bulk_personal_data",
                actor,
                config.pii_window_minutes,
                config.pii_reads_threshold,
            )
        } else if event.action == "auth.login_failed" && event.object_type == "user" {
            let Ok(user_id) = event.object_id.parse::<i64>() else {
                continue;
            };
            (
                "failed_logins",
                user_id,
                config.failed_logins_window_minutes,
                config.failed_logins_threshold,
            )
        } else {
            continue;
        };
        let window_ms = window_min.max(1) * 60_000;
        let since = event.at - window_ms;
        // One alert per episode: none while an alert of the same account falls in the window.
        if reported.get(&(kind, user_id)).is_some_and(|at| *at > since)
            || alerts::recent_for_user(tx, kind, user_id, since).await?
        {
            continue;
        }
        let counted = if kind == "failed_logins" {
            alerts::failed_logins(tx, user_id, since, event.at).await?
        } else {
            alerts::pii_reads(tx, user_id, since, event.at).await?
        };
        if counted.count < threshold.max(1) {
            continue;
        }
        let authority_id = alerts::user_authority(tx, user_id).await?;
        reported.insert((kind, user_id), event.at);
        out.push(alert(
            kind,
            user_id,
            authority_id,
            event,
            &counted,
            window_min,
            threshold,
        ));
    }
    Ok(())
}

fn alert(
    kind: &'static str,
    user_id: i64,
    authority_id: Option<i64>,
    event: &ScannedEvent,
    counted: &WindowCount,
    window_min: i64,
    threshold: i64,
) -> NewAlert {
    let n = counted.count;
    let (summary_zh, summary_en, what) = if kind == "failed_logins" {
        (
            format!(
                "账号 {user_id} 在 {window_min} 分钟内登录失败 {n} 次（阈值 {threshold} 次）。"
            ),
            format!(
                "Account {user_id} failed to log in {n} times within {window_min} minutes \
                 (threshold {threshold})."
            ),
            "auth.login_failed",
        )
    } else {
        (
            format!(
                "账号 {user_id} 在 {window_min} 分钟内查看他人个人信息（完整身份证号、证件材料）\
                 {n} 次（阈值 {threshold} 次）。"
            ),
            format!(
                "Account {user_id} read other people's personal data (full ID numbers, \
                 documents) {n} times within {window_min} minutes (threshold {threshold})."
            ),
            "pii.id_number_read, document.read",
        )
    };
    NewAlert {
        kind,
        authority_id,
        pass_id: None,
        pass_number: None,
        user_id: Some(user_id),
        summary_zh,
        summary_en,
        evidence: json!({
            "account": user_id,
            "count": n,
            "threshold": threshold,
            "window_minutes": window_min,
            "window": { "from": event.at - window_min.max(1) * 60_000, "to": event.at },
            "actions": what,
            "event_ids": counted.ids,
            "event_ids_truncated": n > counted.ids.len() as i64,
            "client_addrs": counted.client_addrs,
        }),
        fingerprint: format!("{kind}:{user_id}:{}", event.id),
        occurred_at: event.at,
    }
}
