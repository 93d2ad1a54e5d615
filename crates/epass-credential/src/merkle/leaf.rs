//! The leaf data of epass's tamper-evident log and the message its tree heads sign: the one
//! definition, shared by the service (which appends and verifies) and an outside auditor.

use super::{Hash, leaf_hash};

/// The leaf data of an audit event: a JSON array of `"event"`, its position and its stored
/// columns, in this order. The row id is not part of it: the position is the event's identity in
/// the log (and leaves it free to be hashed before the row is written).
#[derive(Clone, Debug)]
pub struct EventLeaf<'a> {
    pub index: u64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_role: Option<&'a str>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub client_addr: Option<&'a str>,
}

/// The field names of an event leaf after its leading `"event"`, in leaf order.
pub const EVENT_FIELDS: [&str; 10] = [
    "log_index",
    "at",
    "actor_user_id",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "client_addr",
];

impl EventLeaf<'_> {
    pub fn hash(&self) -> Hash {
        leaf_hash(&self.encode())
    }

    pub fn encode(&self) -> Vec<u8> {
        serde_json::json!([
            "event",
            self.index,
            self.at,
            self.actor_user_id,
            self.actor_role,
            self.action,
            self.object_type,
            self.object_id,
            self.before,
            self.after,
            self.client_addr
        ])
        .to_string()
        .into_bytes()
    }
}

/// The leaf data of a recorded check: a JSON array of `"check"`, its position and its stored
/// columns, in this order (the row id is not part of it, as for events).
#[derive(Clone, Debug)]
pub struct CheckLeaf<'a> {
    pub index: u64,
    pub pass_id: Option<i64>,
    pub pass_number: Option<&'a str>,
    pub checkpoint_id: Option<i64>,
    pub officer_id: i64,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub checked_at: i64,
    pub outcome: &'a str,
    pub client_ref: Option<&'a str>,
    pub recorded_at: i64,
}

/// The field names of a check leaf after its leading `"check"`, in leaf order.
pub const CHECK_FIELDS: [&str; 11] = [
    "log_index",
    "pass_id",
    "pass_number",
    "checkpoint_id",
    "officer_id",
    "longitude",
    "latitude",
    "checked_at",
    "outcome",
    "client_ref",
    "recorded_at",
];

impl CheckLeaf<'_> {
    pub fn hash(&self) -> Hash {
        leaf_hash(&self.encode())
    }

    pub fn encode(&self) -> Vec<u8> {
        serde_json::json!([
            "check",
            self.index,
            self.pass_id,
            self.pass_number,
            self.checkpoint_id,
            self.officer_id,
            self.longitude,
            self.latitude,
            self.checked_at,
            self.outcome,
            self.client_ref,
            self.recorded_at
        ])
        .to_string()
        .into_bytes()
    }
}

/// A leaf's data read back: its kind (`event` or `check`) and its fields by name (see
/// [`EVENT_FIELDS`], [`CHECK_FIELDS`]). `None` when the data is not a leaf of this log.
pub fn decode_leaf(data: &[u8]) -> Option<(&'static str, Vec<(&'static str, serde_json::Value)>)> {
    let serde_json::Value::Array(items) = serde_json::from_slice(data).ok()? else {
        return None;
    };
    let (kind, names): (&'static str, &[&'static str]) = match items.first()?.as_str()? {
        "event" => ("event", &EVENT_FIELDS),
        "check" => ("check", &CHECK_FIELDS),
        _ => return None,
    };
    if items.len() != names.len() + 1 {
        return None;
    }
    Some((
        kind,
        names
            .iter()
            .copied()
            .zip(items.into_iter().skip(1))
            .collect(),
    ))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of hex text; `None` when it is not hex.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The bytes a signed tree head's signature covers: `epass-log/v1\n{size}\n{root hex}\n{at}\n`.
pub fn tree_head_message(size: u64, root: &Hash, at: i64) -> Vec<u8> {
    format!("epass-log/v1\n{size}\n{}\n{at}\n", hex(root)).into_bytes()
}
