//! The semantic checks that promote a deserialised definition to a [`PassTypeDefinition`]:
//! what serde cannot see (empty lists, ranges, duplicates, references between parts).

use std::collections::HashSet;

use super::{
    Check, DefinitionError, FieldType, FormField, PassTypeDefinition, PlaceRequirement, Text,
};
use crate::domain::roles::Role;

type Result<T = ()> = std::result::Result<T, DefinitionError>;

const MAX_FIELDS: usize = 100;
const MAX_LEVELS: usize = 5;
const MAX_WORKING_DAYS: u32 = 90;
const MAX_VALIDITY_DAYS: u32 = 3660;

fn err(path: impl Into<String>, code: &'static str, zh: &str, en: &str) -> DefinitionError {
    DefinitionError::new(path, code, zh, en)
}

/// Both languages present and not too long.
fn text(path: &str, t: &Text, max: usize) -> Result {
    for (lang, s) in [("zh", &t.zh), ("en", &t.en)] {
        let n = s.trim().chars().count();
        if n == 0 || s.chars().count() > max {
            return Err(err(
                format!("{path}.{lang}"),
                "pass_type.text_length",
                &format!("文字须为 1 至 {max} 个字符。"),
                &format!("the text must be 1 to {max} characters."),
            ));
        }
    }
    Ok(())
}

fn in_range(path: &str, value: u32, min: u32, max: u32) -> Result {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(err(
            path,
            "pass_type.out_of_range",
            &format!("须在 {min} 至 {max} 之间，现为 {value}。"),
            &format!("must be between {min} and {max}, not {value}."),
        ))
    }
}

fn key_ok(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && key.len() <= 40
}

fn field(path: &str, f: &FormField) -> Result {
    if !key_ok(&f.key) {
        return Err(err(
            format!("{path}.key"),
            "pass_type.field_key",
            "字段键须以小写字母开头，只含小写字母、数字和下划线，最长 40 个字符。",
            "a field key starts with a lower-case letter and holds only a-z, 0-9 and _, at most 40.",
        ));
    }
    text(&format!("{path}.label"), &f.label, 100)?;
    if let Some(help) = &f.help {
        text(&format!("{path}.help"), help, 500)?;
    }
    let only_for = |name: &str, ty: &str| {
        err(
            format!("{path}.{name}"),
            "pass_type.option_not_for_type",
            &format!("只有 {ty} 类型的字段可以设置 {name}。"),
            &format!("only a {ty} field may set {name}."),
        )
    };
    if f.field_type != FieldType::Text && f.max_len.is_some() {
        return Err(only_for("max_len", "text"));
    }
    if let Some(n) = f.max_len {
        in_range(&format!("{path}.max_len"), n, 1, 2000)?;
    }
    if f.field_type != FieldType::Number && (f.min.is_some() || f.max.is_some()) {
        return Err(only_for(
            if f.min.is_some() { "min" } else { "max" },
            "number",
        ));
    }
    let finite = |v: Option<f64>| v.is_none_or(f64::is_finite);
    if !finite(f.min) || !finite(f.max) || matches!((f.min, f.max), (Some(a), Some(b)) if a > b) {
        return Err(err(
            format!("{path}.min"),
            "pass_type.number_range",
            "最小值须不大于最大值。",
            "min must not exceed max.",
        ));
    }
    if f.field_type != FieldType::Choice && !f.options.is_empty() {
        return Err(only_for("options", "choice"));
    }
    if f.field_type == FieldType::Choice && f.options.is_empty() {
        return Err(err(
            format!("{path}.options"),
            "pass_type.choice_without_options",
            "选择类字段至少要有一个选项。",
            "a choice field needs at least one option.",
        ));
    }
    let mut values = HashSet::new();
    for (i, o) in f.options.iter().enumerate() {
        let p = format!("{path}.options[{i}]");
        if o.value.trim().is_empty() || o.value.chars().count() > 50 || !values.insert(&o.value) {
            return Err(err(
                format!("{p}.value"),
                "pass_type.option_value",
                "选项值须为 1 至 50 个字符且互不相同。",
                "option values must be 1 to 50 characters and distinct.",
            ));
        }
        text(&format!("{p}.label"), &o.label, 100)?;
    }
    Ok(())
}

fn form(def: &PassTypeDefinition) -> Result {
    if def.form.is_empty() || def.form.len() > MAX_FIELDS {
        return Err(err(
            "form",
            "pass_type.form_size",
            &format!("表单须有 1 至 {MAX_FIELDS} 个字段。"),
            &format!("the form needs 1 to {MAX_FIELDS} fields."),
        ));
    }
    let mut keys = HashSet::new();
    for (i, f) in def.form.iter().enumerate() {
        let path = format!("form[{i}]");
        field(&path, f)?;
        if !keys.insert(f.key.as_str()) {
            return Err(err(
                format!("{path}.key"),
                "pass_type.duplicate_key",
                &format!("字段键 {} 重复。", f.key),
                &format!("the field key {} appears twice.", f.key),
            ));
        }
    }
    Ok(())
}

fn has_type(def: &PassTypeDefinition, ty: FieldType) -> bool {
    def.form.iter().any(|f| f.field_type == ty)
}

fn checks(def: &PassTypeDefinition) -> Result {
    let mut seen = HashSet::new();
    for (i, c) in def.checks.iter().enumerate() {
        let path = format!("checks[{i}]");
        if !seen.insert(c.name()) {
            return Err(err(
                path,
                "pass_type.duplicate_check",
                &format!("核验项 {} 重复。", c.name()),
                &format!("the check {} appears twice.", c.name()),
            ));
        }
        if let Check::NegativeTestWithinHours { hours } = c {
            in_range(
                &format!("{path}.negative_test_within_hours.hours"),
                *hours,
                1,
                720,
            )?;
            if def.validity.period.is_none() {
                return Err(err(
                    path,
                    "pass_type.check_needs_period",
                    "核酸检测时限从通行起始时间算起，须设置 validity.period。",
                    "the test age is counted from the start of the period: set validity.period.",
                ));
            }
        }
        let needs = match c {
            Check::VehicleLegal | Check::OnePassPerVehicle => FieldType::Plate,
            _ => FieldType::IdNumber,
        };
        if !has_type(def, needs) {
            let ty = if needs == FieldType::Plate {
                "plate"
            } else {
                "id_number"
            };
            return Err(err(
                path,
                "pass_type.check_needs_field",
                &format!("核验项 {} 需要表单中有 {ty} 类型的字段。", c.name()),
                &format!("the check {} needs a form field of type {ty}.", c.name()),
            ));
        }
    }
    Ok(())
}

fn workflow(def: &PassTypeDefinition) -> Result {
    let levels = &def.workflow.levels;
    if levels.is_empty() || levels.len() > MAX_LEVELS {
        return Err(err(
            "workflow.levels",
            "pass_type.level_count",
            &format!("审核须有 1 至 {MAX_LEVELS} 级。"),
            &format!("the workflow needs 1 to {MAX_LEVELS} levels."),
        ));
    }
    for (i, level) in levels.iter().enumerate() {
        let path = format!("workflow.levels[{i}]");
        if level.roles.is_empty() {
            return Err(err(
                format!("{path}.roles"),
                "pass_type.level_without_role",
                &format!("第 {} 级审核没有指定可审核的角色。", i + 1),
                &format!("level {} names no role that may review.", i + 1),
            ));
        }
        let mut seen = HashSet::new();
        for (j, role) in level.roles.iter().enumerate() {
            if *role == Role::Applicant || !seen.insert(*role) {
                return Err(err(
                    format!("{path}.roles[{j}]"),
                    "pass_type.level_role",
                    "审核角色不能是申请人，也不能重复。",
                    "a reviewing role cannot be applicant, nor appear twice.",
                ));
            }
        }
        in_range(
            &format!("{path}.time_limit_working_days"),
            level.time_limit_working_days,
            1,
            MAX_WORKING_DAYS,
        )?;
        if let Some(name) = &level.name {
            text(&format!("{path}.name"), name, 100)?;
        }
    }
    Ok(())
}

fn validity(def: &PassTypeDefinition) -> Result {
    let v = &def.validity;
    in_range("validity.max_days", v.max_days, 1, MAX_VALIDITY_DAYS)?;
    in_range("validity.default_days", v.default_days, 1, v.max_days)?;
    if v.daily_windows.len() > 10 {
        return Err(err(
            "validity.daily_windows",
            "pass_type.too_many_windows",
            "每日时段最多 10 个。",
            "at most 10 daily windows.",
        ));
    }
    let needed: &[FieldType] = match v.places {
        PlaceRequirement::None => &[],
        PlaceRequirement::Zones => &[FieldType::Zones],
        PlaceRequirement::RoadSections => &[FieldType::RoadSections],
        PlaceRequirement::ZonesOrRoadSections => &[FieldType::Zones, FieldType::RoadSections],
    };
    if !needed.is_empty() && !needed.iter().any(|t| has_type(def, *t)) {
        return Err(err(
            "validity.places",
            "pass_type.places_need_field",
            "要求填写区域或路段，表单中须有 zones 或 road_sections 类型的字段。",
            "places are required, so the form needs a zones or road_sections field.",
        ));
    }
    if let Some(period) = &v.period {
        let mut types = Vec::new();
        for (name, key) in [("from", &period.from), ("to", &period.to)] {
            match def.field(key) {
                Some(f) if matches!(f.field_type, FieldType::Date | FieldType::Datetime) => {
                    if !f.required {
                        return Err(err(
                            format!("validity.period.{name}"),
                            "pass_type.period_field_optional",
                            &format!("有效期字段 {key} 须为必填。"),
                            &format!("the period field {key} must be required."),
                        ));
                    }
                    types.push(f.field_type);
                }
                _ => {
                    return Err(err(
                        format!("validity.period.{name}"),
                        "pass_type.period_field",
                        &format!("有效期须引用表单中 date 或 datetime 类型的字段，{key} 不是。"),
                        &format!(
                            "the period must name a date or datetime form field; {key} is not one."
                        ),
                    ));
                }
            }
        }
        if types.first() != types.last() {
            return Err(err(
                "validity.period.to",
                "pass_type.period_field",
                "有效期起止字段类型须相同。",
                "the period's two fields must have the same type.",
            ));
        }
    }
    Ok(())
}

/// Every rule a definition must keep, checked in document order so the first error is the
/// first bad value a reader meets.
pub(super) fn definition(def: &PassTypeDefinition) -> Result {
    form(def)?;
    for (i, d) in def.documents.iter().enumerate() {
        text(&format!("documents[{i}].label"), &d.label, 100)?;
    }
    if def.documents.len() > 20 {
        return Err(err(
            "documents",
            "pass_type.too_many_documents",
            "所需材料最多 20 项。",
            "at most 20 documents.",
        ));
    }
    checks(def)?;
    workflow(def)?;
    text("instructions", &def.instructions, 20_000)?;
    text("agreement", &def.agreement, 20_000)?;
    validity(def)?;
    if def.printed_rules.len() > 20 {
        return Err(err(
            "printed_rules",
            "pass_type.too_many_rules",
            "通行证上印制的规定最多 20 条。",
            "at most 20 rules printed on the pass.",
        ));
    }
    for (i, rule) in def.printed_rules.iter().enumerate() {
        text(&format!("printed_rules[{i}]"), rule, 200)?;
    }
    in_range(
        "promised_working_days",
        def.promised_working_days,
        1,
        MAX_WORKING_DAYS,
    )
}
