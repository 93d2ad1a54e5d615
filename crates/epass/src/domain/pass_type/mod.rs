//! Pass types are data (SPEC §2, §3.3, §3.5): what a kind of pass asks of the applicant, who
//! reviews it at each level and how fast, what it promises and what it prints. A system admin
//! edits the definition as JSON; [`PassTypeDefinition::parse`] is the only way in, so a value of
//! the type is always internally consistent (every check has the form field it reads, every
//! workflow level has someone who may act, every limit is positive).
//!
//! The JSON format, in short:
//!
//! ```json
//! {
//!   "form": [{"key": "plate", "label": {"zh": "车牌号", "en": "Plate"}, "type": "plate", "required": true},
//!            {"key": "cargo", "label": {..}, "type": "choice", "options": [{"value": "food", "label": {..}}]}],
//!   "documents": [{"kind": "test_report", "label": {..}, "required": true}],
//!   "checks": ["vehicle_legal", {"negative_test_within_hours": {"hours": 48}}],
//!   "workflow": {"levels": [{"roles": ["reviewer"], "scope": "applicant_org", "time_limit_working_days": 1}]},
//!   "priority": "green_channel",
//!   "instructions": {"zh": "..", "en": ".."}, "agreement": {"zh": "..", "en": ".."},
//!   "validity": {"max_days": 3, "default_days": 1, "daily_windows": ["06:00-22:00"],
//!                "places": "zones_or_road_sections", "period": {"from": "travel_from", "to": "travel_to"}},
//!   "printed_rules": [{"zh": "..", "en": ".."}],
//!   "promised_working_days": 1
//! }
//! ```

mod error;
mod form;
mod validate;
mod window;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::roles::Role;

pub use error::DefinitionError;
pub use form::{FieldError, FieldValue, ValidatedForm};
pub use window::{DailyWindow, WindowError};

/// A text in both languages of the service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: &str, en: &str) -> Self {
        Text {
            zh: zh.to_owned(),
            en: en.to_owned(),
        }
    }

    pub fn get(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::Zh => &self.zh,
            crate::i18n::Lang::En => &self.en,
        }
    }
}

/// How urgently applications of a type are reviewed (特事特办, 急事急办).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[default]
    Normal,
    GreenChannel,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Normal => "normal",
            Priority::GreenChannel => "green_channel",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Priority::Normal, Priority::GreenChannel, Priority::Urgent]
            .into_iter()
            .find(|p| p.as_str() == s)
    }

    /// Queue order: higher is reviewed first.
    pub fn rank(self) -> u8 {
        match self {
            Priority::Normal => 0,
            Priority::GreenChannel => 1,
            Priority::Urgent => 2,
        }
    }
}

/// What a form field holds; each is parsed by the matching domain type in `validate_form`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Phone,
    IdNumber,
    Plate,
    DivisionCode,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339, e.g. `2026-11-22T08:00:00+08:00`.
    Datetime,
    /// A daily window `HH:MM-HH:MM`.
    TimeWindow,
    Number,
    /// One of the field's `options`.
    Choice,
    /// A list of zone codes.
    Zones,
    /// A list of road-section codes.
    RoadSections,
}

/// One choice of a `choice` field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    pub value: String,
    pub label: Text,
}

/// One field of the application form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// Stable key, `[a-z][a-z0-9_]*`, used in the submitted values and the CSV header.
    pub key: String,
    pub label: Text,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    /// Longest text, in characters (`text` only; 200 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u32>,
    /// Smallest number allowed (`number` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest number allowed (`number` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The choices (`choice` only, at least one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    /// A hint shown under the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<Text>,
}

/// The kinds of document an applicant uploads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    IdCard,
    DrivingLicence,
    VehicleLicence,
    TestReport,
    Other,
}

/// A document the type asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredDocument {
    pub kind: DocumentKind,
    pub label: Text,
    #[serde(default)]
    pub required: bool,
}

/// An eligibility check (SPEC §3.4), run against the registries before review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// The holder's ID number is valid (and registered).
    IdValid,
    /// The vehicle is registered and has no unresolved traffic violations.
    VehicleLegal,
    /// The holder's driving licence is valid: not detained, suspended, overdue or cancelled.
    LicenceValid,
    /// A negative nucleic-acid test sampled no more than `hours` before the period starts.
    NegativeTestWithinHours {
        hours: u32,
    },
    HealthCodeGreen,
    /// No other active pass of the same kind for the same plate in an overlapping period.
    OnePassPerVehicle,
}

impl Check {
    /// Stable code of the check, the prefix of its outcome codes (`vehicle_legal.violations`).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Check::NegativeTestWithinHours { .. } => "negative_test_within",
            other => other.name(),
        }
    }

    /// Short Chinese name, as shown to a reviewer.
    #[must_use]
    pub fn zh(self) -> String {
        match self {
            Check::IdValid => "身份证件有效".into(),
            Check::VehicleLegal => "车辆状态正常且无未处理违法".into(),
            Check::LicenceValid => "驾驶证有效".into(),
            Check::NegativeTestWithinHours { hours } => format!("{hours} 小时内核酸检测阴性"),
            Check::HealthCodeGreen => "健康码为绿码".into(),
            Check::OnePassPerVehicle => "一车一证".into(),
        }
    }

    /// Short English name.
    #[must_use]
    pub fn en(self) -> String {
        match self {
            Check::IdValid => "ID valid".into(),
            Check::VehicleLegal => "vehicle legal, no unresolved violations".into(),
            Check::LicenceValid => "driving licence valid".into(),
            Check::NegativeTestWithinHours { hours } => {
                format!("negative test within {hours} hours")
            }
            Check::HealthCodeGreen => "health code green".into(),
            Check::OnePassPerVehicle => "one pass per vehicle".into(),
        }
    }

    /// The stable name, as in the JSON.
    pub fn name(self) -> &'static str {
        match self {
            Check::IdValid => "id_valid",
            Check::VehicleLegal => "vehicle_legal",
            Check::LicenceValid => "licence_valid",
            Check::NegativeTestWithinHours { .. } => "negative_test_within_hours",
            Check::HealthCodeGreen => "health_code_green",
            Check::OnePassPerVehicle => "one_pass_per_vehicle",
        }
    }
}

/// Which organisations' staff may act at a workflow level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LevelScope {
    /// Holders of the role over the applicant's organisation (or an ancestor of it).
    ApplicantOrg,
    /// Holders of the role over the authority that owns the pass type.
    Authority,
}

/// One level of review: who may decide, and how many working days they have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowLevel {
    /// Any of these roles may act (at least one; never `applicant`).
    pub roles: Vec<Role>,
    pub scope: LevelScope,
    pub time_limit_working_days: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
}

/// The review levels, in order (level 1 first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    pub levels: Vec<WorkflowLevel>,
}

impl Workflow {
    /// Level `n`, counting from 1.
    pub fn level(&self, n: usize) -> Option<&WorkflowLevel> {
        n.checked_sub(1).and_then(|i| self.levels.get(i))
    }

    pub fn len(&self) -> usize {
        self.levels.len()
    }

    /// Never true for a parsed definition; here for clippy's sake.
    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }
}

/// Which places a pass must name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlaceRequirement {
    #[default]
    None,
    Zones,
    RoadSections,
    /// At least one zone or road section.
    ZonesOrRoadSections,
}

/// The two form fields (date or datetime) that bound the pass's validity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodFields {
    pub from: String,
    pub to: String,
}

/// How long and when a pass may be used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidityRules {
    pub max_days: u32,
    pub default_days: u32,
    /// The daily windows a pass may allow (empty: any time of day).
    #[serde(default)]
    #[schema(value_type = Vec<String>, example = json!(["06:00-22:00"]))]
    pub daily_windows: Vec<DailyWindow>,
    #[serde(default)]
    pub places: PlaceRequirement,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<PeriodFields>,
}

/// A pass type's definition, valid by construction (see the module documentation for the JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "RawDefinition")]
#[non_exhaustive]
pub struct PassTypeDefinition {
    pub form: Vec<FormField>,
    pub documents: Vec<RequiredDocument>,
    pub checks: Vec<Check>,
    pub workflow: Workflow,
    pub priority: Priority,
    /// Shown before applying.
    pub instructions: Text,
    /// Accepted by the applicant before applying.
    pub agreement: Text,
    pub validity: ValidityRules,
    /// Printed on the pass.
    pub printed_rules: Vec<Text>,
    /// The time promised to the applicant, in working days (e.g. 7).
    pub promised_working_days: u32,
}

/// The same fields before the semantic checks; serde fills it, `validate` promotes it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefinition {
    form: Vec<FormField>,
    #[serde(default)]
    documents: Vec<RequiredDocument>,
    #[serde(default)]
    checks: Vec<Check>,
    workflow: Workflow,
    #[serde(default)]
    priority: Priority,
    instructions: Text,
    agreement: Text,
    validity: ValidityRules,
    #[serde(default)]
    printed_rules: Vec<Text>,
    promised_working_days: u32,
}

impl TryFrom<RawDefinition> for PassTypeDefinition {
    type Error = DefinitionError;

    fn try_from(raw: RawDefinition) -> Result<Self, DefinitionError> {
        let def = PassTypeDefinition {
            form: raw.form,
            documents: raw.documents,
            checks: raw.checks,
            workflow: raw.workflow,
            priority: raw.priority,
            instructions: raw.instructions,
            agreement: raw.agreement,
            validity: raw.validity,
            printed_rules: raw.printed_rules,
            promised_working_days: raw.promised_working_days,
        };
        validate::definition(&def)?;
        Ok(def)
    }
}

impl PassTypeDefinition {
    /// Reads a definition from JSON text; the error names the path of the first bad value.
    pub fn parse(json: &str) -> Result<Self, DefinitionError> {
        let mut de = serde_json::Deserializer::from_str(json);
        let raw: RawDefinition = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| DefinitionError::from_serde(&e.path().to_string(), e.inner()))?;
        de.end().map_err(|e| DefinitionError::from_serde("$", &e))?;
        raw.try_into()
    }

    /// Reads a definition from a JSON value already parsed (an API body).
    pub fn from_value(value: serde_json::Value) -> Result<Self, DefinitionError> {
        let raw: RawDefinition = serde_path_to_error::deserialize(value)
            .map_err(|e| DefinitionError::from_serde(&e.path().to_string(), e.inner()))?;
        raw.try_into()
    }

    /// The definition as JSON, as stored; `parse` reads it back to an equal value.
    pub fn to_json(&self) -> serde_json::Value {
        // Serialising plain structs of strings and numbers to a Value cannot fail.
        serde_json::to_value(self).unwrap_or_default()
    }

    /// The form field with this key.
    pub fn field(&self, key: &str) -> Option<&FormField> {
        self.form.iter().find(|f| f.key == key)
    }

    /// Whether the type runs this check (whatever its parameters).
    pub fn has_check(&self, name: &str) -> bool {
        self.checks.iter().any(|c| c.name() == name)
    }
}
