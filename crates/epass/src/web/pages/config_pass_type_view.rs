//! A pass type's definition in words for the configuration page: the form's fields, the
//! documents, the eligibility checks, the workflow levels, the validity rules and the texts,
//! each in the reader's language.

use crate::domain::pass_type::{
    DocumentKind, FieldType, FormField, LevelScope, PassTypeDefinition, PlaceRequirement, Priority,
};
use crate::domain::roles::Role;
use crate::i18n::Lang;

use super::config::pick;

#[derive(Debug)]
pub struct FieldRow {
    pub key: String,
    pub label: String,
    pub kind: &'static str,
    pub required: bool,
    pub detail: String,
}

#[derive(Debug)]
pub struct DocRow {
    pub label: String,
    pub kind: &'static str,
    pub required: bool,
}

#[derive(Debug)]
pub struct LevelRow {
    pub n: usize,
    pub name: String,
    pub roles: String,
    pub scope: &'static str,
    pub days: u32,
}

/// The definition as the page shows it.
#[derive(Debug)]
pub struct Details {
    pub fields: Vec<FieldRow>,
    pub documents: Vec<DocRow>,
    pub checks: Vec<String>,
    pub levels: Vec<LevelRow>,
    /// Validity and service facts, as (term, value).
    pub facts: Vec<(&'static str, String)>,
    pub instructions: String,
    pub agreement: String,
    pub printed_rules: Vec<String>,
}

fn field_type(t: FieldType, lang: Lang) -> &'static str {
    let (zh, en) = match t {
        FieldType::Text => ("文本", "text"),
        FieldType::Phone => ("手机号", "phone number"),
        FieldType::IdNumber => ("身份证号", "ID number"),
        FieldType::Plate => ("车牌号", "plate"),
        FieldType::DivisionCode => ("行政区划代码", "division code"),
        FieldType::Date => ("日期", "date"),
        FieldType::Datetime => ("日期时间", "date and time"),
        FieldType::TimeWindow => ("每日时段", "daily hours"),
        FieldType::Number => ("数字", "number"),
        FieldType::Choice => ("选项", "choice"),
        FieldType::Zones => ("区域", "zones"),
        FieldType::RoadSections => ("路段", "road sections"),
    };
    pick(lang, zh, en)
}

fn field_detail(f: &FormField, lang: Lang) -> String {
    let mut parts = Vec::new();
    if let Some(n) = f.max_len {
        parts.push(match lang {
            Lang::Zh => format!("最多 {n} 字"),
            Lang::En => format!("at most {n} characters"),
        });
    }
    if let Some(n) = f.min {
        parts.push(format!("≥ {n}"));
    }
    if let Some(n) = f.max {
        parts.push(format!("≤ {n}"));
    }
    if !f.options.is_empty() {
        let options: Vec<&str> = f.options.iter().map(|o| o.label.get(lang)).collect();
        parts.push(options.join(pick(lang, "、", ", ")));
    }
    if let Some(help) = &f.help {
        parts.push(help.get(lang).to_owned());
    }
    parts.join(pick(lang, "；", "; "))
}

fn document_kind(k: DocumentKind, lang: Lang) -> &'static str {
    let (zh, en) = match k {
        DocumentKind::IdCard => ("身份证", "ID card"),
        DocumentKind::DrivingLicence => ("驾驶证", "driving licence"),
        DocumentKind::VehicleLicence => ("行驶证", "vehicle licence"),
        DocumentKind::TestReport => ("检测报告", "test report"),
        DocumentKind::Other => ("其他", "other"),
    };
    pick(lang, zh, en)
}

fn role(r: Role, lang: Lang) -> String {
    match lang {
        Lang::Zh => r.label_zh().to_owned(),
        Lang::En => r.as_str().replace('_', " "),
    }
}

fn places(p: PlaceRequirement, lang: Lang) -> &'static str {
    let (zh, en) = match p {
        PlaceRequirement::None => ("不限", "none required"),
        PlaceRequirement::Zones => ("须指定区域", "zones"),
        PlaceRequirement::RoadSections => ("须指定路段", "road sections"),
        PlaceRequirement::ZonesOrRoadSections => ("须指定区域或路段", "zones or road sections"),
    };
    pick(lang, zh, en)
}

fn priority(p: Priority, lang: Lang) -> &'static str {
    let (zh, en) = match p {
        Priority::Normal => ("普通", "normal"),
        Priority::GreenChannel => ("绿色通道（特事特办）", "green channel"),
        Priority::Urgent => ("加急（急事急办）", "urgent"),
    };
    pick(lang, zh, en)
}

/// The definition in words.
pub fn details(def: &PassTypeDefinition, lang: Lang) -> Details {
    let fields = def
        .form
        .iter()
        .map(|f| FieldRow {
            key: f.key.clone(),
            label: f.label.get(lang).to_owned(),
            kind: field_type(f.field_type, lang),
            required: f.required,
            detail: field_detail(f, lang),
        })
        .collect();
    let documents = def
        .documents
        .iter()
        .map(|d| DocRow {
            label: d.label.get(lang).to_owned(),
            kind: document_kind(d.kind, lang),
            required: d.required,
        })
        .collect();
    let checks = def
        .checks
        .iter()
        .map(|c| match lang {
            Lang::Zh => c.zh(),
            Lang::En => c.en(),
        })
        .collect();
    let levels = def
        .workflow
        .levels
        .iter()
        .enumerate()
        .map(|(i, l)| LevelRow {
            n: i + 1,
            name: l
                .name
                .as_ref()
                .map(|t| t.get(lang).to_owned())
                .unwrap_or_default(),
            roles: l
                .roles
                .iter()
                .map(|r| role(*r, lang))
                .collect::<Vec<_>>()
                .join(pick(lang, "、", ", ")),
            scope: match l.scope {
                LevelScope::ApplicantOrg => pick(
                    lang,
                    "申请人所在单位（或其上级）",
                    "the applicant's organisation (or above)",
                ),
                LevelScope::Authority => pick(lang, "主管机关", "the authority"),
            },
            days: l.time_limit_working_days,
        })
        .collect();
    let v = &def.validity;
    let windows = if v.daily_windows.is_empty() {
        pick(lang, "全天", "any time of day").to_owned()
    } else {
        v.daily_windows
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut facts = vec![
        (
            pick(lang, "最长有效天数", "Longest validity"),
            format!("{} {}", v.max_days, pick(lang, "天", "days")),
        ),
        (
            pick(lang, "默认有效天数", "Default validity"),
            format!("{} {}", v.default_days, pick(lang, "天", "days")),
        ),
        (pick(lang, "每日通行时段", "Daily hours"), windows),
        (
            pick(lang, "通行地点", "Places"),
            places(v.places, lang).to_owned(),
        ),
        (
            pick(lang, "优先级", "Priority"),
            priority(def.priority, lang).to_owned(),
        ),
        (
            pick(lang, "承诺办结时限", "Promised time"),
            format!(
                "{} {}",
                def.promised_working_days,
                pick(lang, "个工作日", "working days")
            ),
        ),
    ];
    if let Some(p) = &v.period {
        facts.push((
            pick(lang, "有效期取自字段", "Period from the fields"),
            format!("{} – {}", p.from, p.to),
        ));
    }
    Details {
        fields,
        documents,
        checks,
        levels,
        facts,
        instructions: def.instructions.get(lang).to_owned(),
        agreement: def.agreement.get(lang).to_owned(),
        printed_rules: def
            .printed_rules
            .iter()
            .map(|t| t.get(lang).to_owned())
            .collect(),
    }
}
