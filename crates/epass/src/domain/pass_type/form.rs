//! Filling in a pass type's form: every submitted value is parsed by its domain type, and every
//! bad field is reported at once (key, code, Chinese and English), so an applicant fixes all of
//! them in one go and a CSV import reports every cell of a line.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use time::{Date, OffsetDateTime, Time, UtcOffset};

use super::{DailyWindow, FieldType, FormField, PassTypeDefinition, PlaceRequirement};
use crate::domain::ids::{DivisionCode, IdNumber, Phone, Plate};
use crate::i18n::{Lang, Localized};

/// Default longest text when a field sets no `max_len`.
const DEFAULT_MAX_LEN: usize = 200;
/// Most zones or road sections one pass may name.
const MAX_PLACES: usize = 50;

/// One bad value of a submitted form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The form field's key (or the unknown key that was sent).
    pub key: String,
    /// Stable code, e.g. `form.required` or `plate.province`.
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl Localized for FieldError {
    fn code(&self) -> &'static str {
        self.code
    }

    fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => self.zh.clone(),
            Lang::En => self.en.clone(),
        }
    }
}

/// A value of a form field, parsed by its type.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum FieldValue {
    Text(String),
    Phone(Phone),
    IdNumber(IdNumber),
    Plate(Plate),
    DivisionCode(DivisionCode),
    Date(Date),
    Datetime(OffsetDateTime),
    TimeWindow(DailyWindow),
    Number(f64),
    Choice(String),
    Zones(Vec<String>),
    RoadSections(Vec<String>),
}

/// A form whose every value passed its field's rules, and whose fields agree with each other.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidatedForm {
    values: BTreeMap<String, FieldValue>,
    period: Option<(OffsetDateTime, OffsetDateTime)>,
}

impl ValidatedForm {
    pub fn get(&self, key: &str) -> Option<&FieldValue> {
        self.values.get(key)
    }

    /// The filled-in fields, by key.
    pub fn values(&self) -> &BTreeMap<String, FieldValue> {
        &self.values
    }

    /// The first plate of the form (the vehicle of "one vehicle, one pass").
    pub fn plate(&self) -> Option<&Plate> {
        self.values.values().find_map(|v| match v {
            FieldValue::Plate(p) => Some(p),
            _ => None,
        })
    }

    /// The first ID number of the form (the holder).
    pub fn id_number(&self) -> Option<&IdNumber> {
        self.values.values().find_map(|v| match v {
            FieldValue::IdNumber(id) => Some(id),
            _ => None,
        })
    }

    /// The validity period `[start, end)` when the type names its period fields; date fields
    /// run from the first day's start to the last day's end, in Beijing time.
    pub fn period(&self) -> Option<(OffsetDateTime, OffsetDateTime)> {
        self.period
    }
}

fn beijing() -> UtcOffset {
    // +08:00 is within the range UtcOffset accepts; the fallback is never taken.
    UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC)
}

fn bad(f: &FormField, code: &'static str, zh: &str, en: &str) -> FieldError {
    FieldError {
        key: f.key.clone(),
        code,
        zh: format!("{}：{zh}", f.label.zh),
        en: format!("{}: {en}", f.label.en),
    }
}

fn from_parser(f: &FormField, e: &impl Localized) -> FieldError {
    bad(f, e.code(), &e.message(Lang::Zh), &e.message(Lang::En))
}

/// A value that counts as "not filled in".
fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn string<'v>(f: &FormField, v: &'v Value) -> Result<&'v str, FieldError> {
    v.as_str().map(str::trim).ok_or_else(|| {
        bad(
            f,
            "form.not_text",
            "应填写文字。",
            "a text value is expected.",
        )
    })
}

/// A list of place codes: a JSON array of strings, or one string separated by commas (CSV).
fn places(f: &FormField, v: &Value) -> Result<Vec<String>, FieldError> {
    let items: Vec<String> = match v {
        Value::Array(a) => a
            .iter()
            .map(|i| i.as_str().map(|s| s.trim().to_owned()))
            .collect::<Option<_>>()
            .unwrap_or_else(|| vec![String::new()]),
        Value::String(s) => s
            .split([',', '，', '、'])
            .map(|s| s.trim().to_owned())
            .collect(),
        _ => vec![String::new()],
    };
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if item.is_empty() || item.chars().count() > 50 {
            return Err(bad(
                f,
                "form.place_code",
                "区域或路段编码须为 1 至 50 个字符。",
                "each zone or road-section code must be 1 to 50 characters.",
            ));
        }
        if !out.contains(&item) {
            out.push(item);
        }
    }
    if out.len() > MAX_PLACES {
        return Err(bad(
            f,
            "form.too_many_places",
            &format!("最多选择 {MAX_PLACES} 个。"),
            &format!("at most {MAX_PLACES} may be chosen."),
        ));
    }
    Ok(out)
}

fn number(f: &FormField, v: &Value) -> Result<f64, FieldError> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|n| n.is_finite())
    .ok_or_else(|| {
        bad(
            f,
            "form.not_a_number",
            "应填写数字。",
            "a number is expected.",
        )
    })?;
    let below = f.min.is_some_and(|min| n < min);
    let above = f.max.is_some_and(|max| n > max);
    if below || above {
        let range = |lo: &str, hi: &str| {
            format!(
                "{}{}{}",
                f.min.map_or(String::new(), |m| format!("{lo} {m}")),
                if f.min.is_some() && f.max.is_some() {
                    ", "
                } else {
                    ""
                },
                f.max.map_or(String::new(), |m| format!("{hi} {m}")),
            )
        };
        return Err(bad(
            f,
            "form.number_range",
            &format!("超出范围（{}）。", range("不小于", "不大于")),
            &format!("out of range ({}).", range("at least", "at most")),
        ));
    }
    Ok(n)
}

/// Parses one filled-in value by the field's type.
fn value(def: &PassTypeDefinition, f: &FormField, v: &Value) -> Result<FieldValue, FieldError> {
    Ok(match f.field_type {
        FieldType::Text => {
            let s = string(f, v)?;
            let max = f.max_len.map_or(DEFAULT_MAX_LEN, |n| n as usize);
            if s.chars().count() > max {
                return Err(bad(
                    f,
                    "form.too_long",
                    &format!("最多 {max} 个字符。"),
                    &format!("at most {max} characters."),
                ));
            }
            FieldValue::Text(s.to_owned())
        }
        FieldType::Phone => {
            FieldValue::Phone(Phone::parse(string(f, v)?).map_err(|e| from_parser(f, &e))?)
        }
        FieldType::IdNumber => {
            FieldValue::IdNumber(IdNumber::parse(string(f, v)?).map_err(|e| from_parser(f, &e))?)
        }
        FieldType::Plate => {
            FieldValue::Plate(Plate::parse(string(f, v)?).map_err(|e| from_parser(f, &e))?)
        }
        FieldType::DivisionCode => FieldValue::DivisionCode(
            DivisionCode::parse(string(f, v)?).map_err(|e| from_parser(f, &e))?,
        ),
        FieldType::Date => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            FieldValue::Date(Date::parse(string(f, v)?, format).map_err(|_| {
                bad(
                    f,
                    "form.date",
                    "日期格式应为 YYYY-MM-DD。",
                    "a date reads YYYY-MM-DD.",
                )
            })?)
        }
        FieldType::Datetime => {
            let rfc3339 = &time::format_description::well_known::Rfc3339;
            FieldValue::Datetime(OffsetDateTime::parse(string(f, v)?, rfc3339).map_err(|_| {
                bad(
                    f,
                    "form.datetime",
                    "时间格式应为 2026-11-22T08:00:00+08:00。",
                    "a date and time reads like 2026-11-22T08:00:00+08:00.",
                )
            })?)
        }
        FieldType::TimeWindow => {
            let w = DailyWindow::parse(string(f, v)?).map_err(|e| from_parser(f, &e))?;
            if !w.within(&def.validity.daily_windows) {
                let allowed: Vec<String> = def
                    .validity
                    .daily_windows
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                return Err(bad(
                    f,
                    "form.window_not_allowed",
                    &format!("时段须在允许的时段内：{}。", allowed.join("、")),
                    &format!("the window must lie within {}.", allowed.join(", ")),
                ));
            }
            FieldValue::TimeWindow(w)
        }
        FieldType::Number => FieldValue::Number(number(f, v)?),
        FieldType::Choice => {
            let s = string(f, v)?;
            if !f.options.iter().any(|o| o.value == s) {
                let values: Vec<&str> = f.options.iter().map(|o| o.value.as_str()).collect();
                return Err(bad(
                    f,
                    "form.not_an_option",
                    &format!("须为以下之一：{}。", values.join("、")),
                    &format!("must be one of {}.", values.join(", ")),
                ));
            }
            FieldValue::Choice(s.to_owned())
        }
        FieldType::Zones => FieldValue::Zones(places(f, v)?),
        FieldType::RoadSections => FieldValue::RoadSections(places(f, v)?),
    })
}

/// The instant a period field stands for: a date's start (`end` false) or its end (true).
fn instant(v: Option<&FieldValue>, end: bool) -> Option<OffsetDateTime> {
    match v? {
        FieldValue::Datetime(t) => Some(*t),
        FieldValue::Date(d) => {
            let day = if end { d.next_day()? } else { *d };
            Some(day.with_time(Time::MIDNIGHT).assume_offset(beijing()))
        }
        _ => None,
    }
}

impl PassTypeDefinition {
    /// Checks submitted values against the form; every bad field is reported, in form order.
    pub fn validate_form(
        &self,
        values: &Map<String, Value>,
    ) -> Result<ValidatedForm, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut parsed = BTreeMap::new();
        for f in &self.form {
            match values.get(&f.key).filter(|v| !is_blank(v)) {
                None if f.required => errors.push(bad(
                    f,
                    "form.required",
                    "此项为必填项。",
                    "this field is required.",
                )),
                None => {}
                Some(v) => match value(self, f, v) {
                    Ok(p) => {
                        parsed.insert(f.key.clone(), p);
                    }
                    Err(e) => errors.push(e),
                },
            }
        }
        for key in values.keys().filter(|k| self.field(k).is_none()) {
            errors.push(FieldError {
                key: key.clone(),
                code: "form.unknown_field",
                zh: format!("表单中没有字段 {key}。"),
                en: format!("The form has no field {key}."),
            });
        }
        let first_of = |ty: FieldType| self.form.iter().find(|f| f.field_type == ty);
        let filled = |ty: FieldType| {
            self.form
                .iter()
                .any(|f| f.field_type == ty && parsed.contains_key(&f.key))
        };
        let places_field = match self.validity.places {
            PlaceRequirement::None => None,
            PlaceRequirement::Zones => {
                (!filled(FieldType::Zones)).then(|| first_of(FieldType::Zones))
            }
            PlaceRequirement::RoadSections => {
                (!filled(FieldType::RoadSections)).then(|| first_of(FieldType::RoadSections))
            }
            PlaceRequirement::ZonesOrRoadSections => (!filled(FieldType::Zones)
                && !filled(FieldType::RoadSections))
            .then(|| first_of(FieldType::Zones).or_else(|| first_of(FieldType::RoadSections))),
        };
        if let Some(Some(f)) = places_field
            && !errors.iter().any(|e| e.key == f.key)
        {
            errors.push(bad(
                f,
                "form.places_required",
                "请至少选择一个通行区域或路段。",
                "choose at least one zone or road section.",
            ));
        }
        let mut period = None;
        if let Some(p) = &self.validity.period
            && let (Some(start), Some(end)) = (
                instant(parsed.get(&p.from), false),
                instant(parsed.get(&p.to), true),
            )
            && let Some(to_field) = self.field(&p.to)
        {
            let max = self.validity.max_days;
            if end <= start {
                errors.push(bad(
                    to_field,
                    "form.period_order",
                    "结束时间须晚于开始时间。",
                    "the end must come after the start.",
                ));
            } else if end - start > time::Duration::days(i64::from(max)) {
                errors.push(bad(
                    to_field,
                    "form.period_too_long",
                    &format!("有效期最长 {max} 天。"),
                    &format!("the period may last at most {max} days."),
                ));
            } else {
                period = Some((start, end));
            }
        }
        if errors.is_empty() {
            Ok(ValidatedForm {
                values: parsed,
                period,
            })
        } else {
            Err(errors)
        }
    }
}
