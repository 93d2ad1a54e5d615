//! Registry facts as the eligibility checks read them, whichever registry supplied them.
//!
//! Status words are stable English codes (stored, exchanged over HTTP, written in CSV files);
//! each has a Chinese and an English label for messages.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::domain::ids::Plate;

/// Declares a closed set of status codes with `as_str`, `parse`, `ALL` and bilingual labels.
macro_rules! status_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The value for a stable code (exact, lower case).
            #[must_use]
            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// Chinese label.
            #[must_use]
            pub fn zh(self) -> &'static str {
                match self { $($name::$variant => $zh,)+ }
            }

            /// English label.
            #[must_use]
            pub fn en(self) -> &'static str {
                match self { $($name::$variant => $en,)+ }
            }

            /// The codes joined with `", "`, for error messages.
            #[must_use]
            pub fn codes() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }
    };
}

status_enum! {
    /// Legal status of a vehicle in the vehicle registry.
    VehicleStatus {
        /// 正常: the only status that passes.
        Normal = "normal", "正常", "normal";
        InspectionOverdue = "inspection_overdue", "逾期未检验", "inspection overdue";
        Scrapped = "scrapped", "已达报废标准", "scrapped";
        Stolen = "stolen", "被盗抢", "reported stolen";
        Seized = "seized", "被查封或扣押", "seized";
        Deregistered = "deregistered", "已注销", "deregistered";
    }
}

status_enum! {
    /// Status of a driving licence.
    LicenceStatus {
        /// 正常: the only status that passes.
        Valid = "valid", "正常", "valid";
        Detained = "detained", "扣押", "detained";
        Suspended = "suspended", "暂扣", "suspended";
        OverdueExam = "overdue_exam", "逾期未换证", "overdue for renewal examination";
        OverdueReview = "overdue_review", "逾期未审验", "overdue for periodic review";
        Cancelled = "cancelled", "注销", "cancelled";
    }
}

status_enum! {
    /// Result of a nucleic-acid test.
    TestResult {
        Negative = "negative", "阴性", "negative";
        Positive = "positive", "阳性", "positive";
    }
}

status_enum! {
    /// Colour of a health code.
    HealthColour {
        Green = "green", "绿码", "green";
        Yellow = "yellow", "黄码", "yellow";
        Red = "red", "红码", "red";
    }
}

/// Driving licence classes (准驾车型) as printed on Chinese licences.
pub const LICENCE_CLASSES: &[&str] = &[
    "A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C5", "C6", "D", "E", "F", "M", "N", "P",
];

/// Points at which a licence must be surrendered for re-examination (满分).
pub const FULL_POINTS: u32 = 12;

/// A vehicle as the registry knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VehicleRecord {
    pub plate: Plate,
    pub vehicle_type: String,
    pub owner_name: String,
    pub unresolved_violations: u32,
    pub legal_status: VehicleStatus,
    pub updated_at: OffsetDateTime,
}

/// A driving licence as the registry knows it. The holder is known only by the look-up hash
/// of their ID number, which the registry keeps and this record does not carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenceRecord {
    /// The licence file number (档案编号).
    pub licence_number: String,
    pub holder_name: String,
    /// Canonical class codes, in [`LICENCE_CLASSES`] order.
    pub classes: Vec<String>,
    pub valid_from: Date,
    pub valid_until: Date,
    pub issuing_office: String,
    pub points: u32,
    pub status: LicenceStatus,
    pub address: String,
}

/// One nucleic-acid test result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestRecord {
    pub sampled_at: OffsetDateTime,
    pub result: TestResult,
    pub institution: String,
}

/// A person's current health code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthRecord {
    pub colour: HealthColour,
    pub updated_at: OffsetDateTime,
}
