//! The claims a credential carries (SPEC §3.6) and their compact CWT encoding.
//!
//! See the crate documentation for the claim map table; this module is its implementation.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::cbor::CborError;
use crate::time;

/// The four kinds of credential (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 人员车辆电子通行证 — personnel and vehicle pass (wire code 1).
    PersonnelVehicle,
    /// 点对点运输电子通行证 — point-to-point freight pass (wire code 2).
    Freight,
    /// 货车电子通行码 — truck city-entry pass code (wire code 3).
    TruckEntry,
    /// 电子驾驶证 — electronic driving licence (wire code 4).
    DrivingLicence,
}

impl Kind {
    /// All kinds, in wire-code order.
    pub const ALL: [Kind; 4] = [
        Kind::PersonnelVehicle,
        Kind::Freight,
        Kind::TruckEntry,
        Kind::DrivingLicence,
    ];

    /// The wire code (claim -2).
    pub fn code(self) -> u64 {
        self as u64 + 1
    }

    /// The kind for a wire code.
    pub fn from_code(c: u64) -> Option<Self> {
        Self::ALL
            .get(usize::try_from(c.checked_sub(1)?).ok()?)
            .copied()
    }

    /// The JSON name (`personnel_vehicle`, `freight`, `truck_entry`, `driving_licence`).
    pub fn name(self) -> &'static str {
        match self {
            Self::PersonnelVehicle => "personnel_vehicle",
            Self::Freight => "freight",
            Self::TruckEntry => "truck_entry",
            Self::DrivingLicence => "driving_licence",
        }
    }

    /// Parses the JSON name.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// A permitted daily window in the issuer's local time, minutes since midnight.
/// `from > to` means the window crosses midnight; `from == to` means all day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    /// Start, inclusive (0..1440).
    pub from: u16,
    /// End, exclusive (0..=1440).
    pub to: u16,
}

impl TimeWindow {
    /// Whether local minute-of-day `m` falls in the window.
    pub fn contains(&self, m: u16) -> bool {
        match self.from.cmp(&self.to) {
            std::cmp::Ordering::Less => self.from <= m && m < self.to,
            std::cmp::Ordering::Greater => m >= self.from || m < self.to,
            std::cmp::Ordering::Equal => true,
        }
    }
}

/// One level of the approval trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Reviewer short id or name.
    pub reviewer: String,
    /// Date of the decision (days since 1970-01-01; `YYYY-MM-DD` in JSON).
    #[serde(with = "time::date")]
    pub date: i64,
}

/// Extra fields of a point-to-point freight pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Freight {
    /// Origin administrative division code.
    pub origin: u32,
    /// Destination administrative division code.
    pub destination: u32,
    /// Cargo type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cargo: Option<String>,
    /// When the negative nucleic-acid test was taken.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_time")]
    pub test_at: Option<i64>,
}

/// Extra fields of an electronic driving licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Licence {
    /// Class codes, e.g. `C1` or `A2D`.
    pub classes: String,
    /// Points accumulated in the current scoring cycle.
    #[serde(default)]
    pub points: u8,
}

/// The claims of one credential. JSON field names are those of `epass pass sign`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Pass number: the issuer's 6-digit division code followed by a serial (≥ 12 digits).
    pub pass_number: String,
    /// Kind of credential.
    pub kind: Kind,
    /// Issuer's 6-digit administrative division code.
    pub issuer: String,
    /// Holder's name.
    pub holder_name: String,
    /// Holder's masked ID number, e.g. `110***********002X`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked_id: Option<String>,
    /// Vehicle plate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plate: Option<String>,
    /// Vehicle type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle_type: Option<String>,
    /// Category of holder (issuer-defined code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_category: Option<u32>,
    /// Permitted zone ids (catalogue of the verifier bundle).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<u32>,
    /// Permitted road-section ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub road_sections: Vec<u32>,
    /// Permitted daily windows; empty = any time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_windows: Vec<TimeWindow>,
    /// Issuer's offset from UTC in minutes (default +480, China Standard Time).
    #[serde(default = "default_offset")]
    pub utc_offset_minutes: i16,
    /// Start of validity.
    #[serde(with = "time::rfc3339")]
    pub not_before: i64,
    /// End of validity.
    #[serde(with = "time::rfc3339")]
    pub expires: i64,
    /// Time of issue.
    #[serde(with = "time::rfc3339")]
    pub issued_at: i64,
    /// Approval trail, level 1 first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<Approval>,
    /// Index in the issuer's status list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_index: Option<u32>,
    /// Freight-pass fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freight: Option<Freight>,
    /// Driving-licence fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<Licence>,
    /// Rules printed on the pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<String>,
}

/// Default issuer offset: UTC+8.
pub const DEFAULT_UTC_OFFSET: i16 = 480;

fn default_offset() -> i16 {
    DEFAULT_UTC_OFFSET
}

mod opt_time {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => crate::time::rfc3339::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        #[derive(Deserialize)]
        struct W(#[serde(with = "crate::time::rfc3339")] i64);
        Ok(Option::<W>::deserialize(d)?.map(|w| w.0))
    }
}

/// Why claims were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimsError {
    /// The CBOR was malformed.
    Cbor(CborError),
    /// A required claim was missing.
    Missing(&'static str),
    /// A claim had a bad value.
    Invalid(&'static str),
    /// A claim key appeared twice.
    Duplicate(i64),
}

impl fmt::Display for ClaimsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cbor(e) => write!(f, "malformed claims CBOR: {e:?}"),
            Self::Missing(c) => write!(f, "missing claim: {c}"),
            Self::Invalid(c) => write!(f, "invalid claim: {c}"),
            Self::Duplicate(k) => write!(f, "duplicate claim key {k}"),
        }
    }
}

impl std::error::Error for ClaimsError {}

impl From<CborError> for ClaimsError {
    fn from(e: CborError) -> Self {
        Self::Cbor(e)
    }
}

impl Claims {
    /// Checks the shape rules a credential must satisfy before signing or after decoding.
    pub fn validate(&self) -> Result<(), ClaimsError> {
        let pn = self.pass_number.as_bytes();
        if pn.len() < 12 || pn.len() > 32 || !pn.iter().all(u8::is_ascii_digit) {
            return Err(ClaimsError::Invalid("pass_number must be 12 to 32 digits"));
        }
        if self.issuer.len() != 6 || !self.issuer.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ClaimsError::Invalid(
                "issuer must be a 6-digit division code",
            ));
        }
        if self.expires < self.not_before {
            return Err(ClaimsError::Invalid("expires before not_before"));
        }
        if self
            .time_windows
            .iter()
            .any(|w| w.from >= 1440 || w.to > 1440)
        {
            return Err(ClaimsError::Invalid("time window out of 0..1440"));
        }
        if !(-720..=840).contains(&self.utc_offset_minutes) {
            return Err(ClaimsError::Invalid("utc_offset_minutes out of range"));
        }
        Ok(())
    }
}

// Claim keys (see the table in the crate docs). Outer CWT keys are the registered ones plus
// one private-use key whose value is the epass map with its own small keys.
pub(crate) mod key {
    pub const ISS: i64 = 1;
    pub const EXP: i64 = 4;
    pub const NBF: i64 = 5;
    pub const IAT: i64 = 6;
    /// The private-use CWT claim (< −65536, RFC 8392 §9.1) holding the epass map.
    pub const EPASS: i64 = -65537;
    pub const PASS_NUMBER: i64 = 1;
    pub const KIND: i64 = 2;
    pub const HOLDER: i64 = 3;
    pub const MASKED_ID: i64 = 4;
    pub const PLATE: i64 = 5;
    pub const ZONES: i64 = 6;
    pub const ROADS: i64 = 7;
    pub const WINDOWS: i64 = 8;
    pub const UTC_OFFSET: i64 = 9;
    pub const APPROVALS: i64 = 10;
    pub const STATUS_INDEX: i64 = 11;
    pub const VEHICLE_TYPE: i64 = 12;
    pub const CATEGORY: i64 = 13;
    pub const RULES: i64 = 14;
    pub const ORIGIN: i64 = 15;
    pub const DESTINATION: i64 = 16;
    pub const CARGO: i64 = 17;
    pub const TEST_AT: i64 = 18;
    pub const CLASSES: i64 = 19;
    pub const POINTS: i64 = 20;
}

pub(crate) use crate::claims_codec::{decode, encode};
