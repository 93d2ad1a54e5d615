//! How pages show times and states: China time (UTC+8), and every state in both languages.

use time::OffsetDateTime;

use crate::i18n::Lang;

fn beijing(ms: i64) -> OffsetDateTime {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
}

/// `2026-11-21`, in China time.
pub fn day(ms: i64) -> String {
    beijing(ms).date().to_string()
}

/// `2026-11-21 14:05`, in China time.
pub fn minute(ms: i64) -> String {
    let t = beijing(ms);
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}

/// The last day of a period ending (exclusively) at `until_ms`.
pub fn last_day(until_ms: i64) -> String {
    day(until_ms - 1)
}

fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// An application's status.
pub fn application_status(status: &str, lang: Lang) -> String {
    let (zh, en) = match status {
        "in_review" => ("审核中", "In review"),
        "returned" => ("已退回修改", "Returned for correction"),
        "rejected" => ("未通过", "Rejected"),
        "issued" => ("已办结（已发证）", "Completed (pass issued)"),
        "withdrawn" => ("已撤回", "Withdrawn"),
        other => (other, other),
    };
    pick(lang, zh, en)
}

/// A reviewer's decision.
pub fn decision(action: &str, lang: Lang) -> String {
    let (zh, en) = match action {
        "approve" => ("审核通过", "Approved"),
        "reject" => ("驳回", "Rejected"),
        "return" => ("退回修改", "Returned for correction"),
        other => (other, other),
    };
    pick(lang, zh, en)
}

/// A pass's state now: its status, or expired / not yet valid by its dates.
pub fn pass_state(status: &str, valid_from: i64, valid_until: i64, now: i64, lang: Lang) -> String {
    let (zh, en) = match status {
        "revoked" => ("已撤销", "Revoked"),
        "suspended" => ("已暂停", "Suspended"),
        _ if now >= valid_until => ("已过期", "Expired"),
        _ if now < valid_from => ("尚未生效", "Not yet valid"),
        _ => ("有效", "Valid"),
    };
    pick(lang, zh, en)
}

/// The reasons a reviewer may give for a rejection, as `(code, zh, en)`.
pub const REJECT_REASONS: &[(&str, &str, &str)] = &[
    ("documents_missing", "材料不全", "Documents missing"),
    ("not_eligible", "不符合申领条件", "Not eligible"),
    ("false_information", "信息不实", "False information"),
    ("not_needed", "无通行必要", "No need to travel"),
    ("other", "其他", "Other"),
];

/// A rejection reason code in words (the code itself when it is not one of ours).
pub fn reject_reason(code: &str, lang: Lang) -> String {
    REJECT_REASONS
        .iter()
        .find(|(c, ..)| *c == code)
        .map_or_else(|| code.to_owned(), |(_, zh, en)| pick(lang, zh, en))
}

/// A form value as text: lists joined, strings as they are.
pub fn value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items.iter().map(value).collect::<Vec<_>>().join("、"),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// An application's form as `(label, value)` rows in the definition's order, choices in words.
pub fn form_rows(
    def: &crate::domain::pass_type::PassTypeDefinition,
    form: &serde_json::Value,
    lang: Lang,
) -> Vec<(String, String)> {
    def.form
        .iter()
        .filter_map(|f| {
            let v = form.get(&f.key)?;
            let shown = match v.as_str() {
                Some(s) if !f.options.is_empty() => f
                    .options
                    .iter()
                    .find(|o| o.value == s)
                    .map_or_else(|| s.to_owned(), |o| o.label.get(lang).to_owned()),
                _ => value(v),
            };
            (!shown.is_empty()).then(|| (f.label.get(lang).to_owned(), shown))
        })
        .collect()
}
