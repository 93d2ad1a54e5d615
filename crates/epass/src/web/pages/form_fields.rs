//! A pass type's form as the applicant's pages show it (direct application and correction): each
//! field with its input type, label, help, choices, value and the error beside it; the posted
//! values read back (`v.<key>` fields and `doc.<kind>` files of a multipart body), and the
//! documents the type asks for checked before anything is submitted.

use std::collections::HashMap;

use serde_json::Value;

use super::multipart::Part;
use crate::actions::ActionError;
use crate::domain::documents;
use crate::domain::pass_type::{FieldError, FieldType, PassTypeDefinition};
use crate::i18n::{Lang, Localized};

/// One field of the form as the page shows it.
#[derive(Debug)]
pub struct FieldView {
    pub key: String,
    pub label: String,
    /// `text`, `tel`, `date`, `datetime-local`, `number` or `select`.
    pub input: &'static str,
    pub inputmode: &'static str,
    pub placeholder: &'static str,
    pub required: bool,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub help: String,
    pub error: String,
    /// Given by an invitation: shown, not asked.
    pub preset: bool,
}

/// One document the type asks for, with the error beside it.
#[derive(Debug)]
pub struct DocView {
    pub kind: String,
    pub label: String,
    pub required: bool,
    pub error: String,
}

fn joined(errors: &[FieldError], key: &str, lang: Lang) -> String {
    errors
        .iter()
        .filter(|e| e.key == key)
        .map(|e| e.message(lang))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The form's fields with `values` (as typed, or prefilled) and `errors` beside them; fields in
/// `preset` are shown with that value and not asked.
pub fn views(
    def: &PassTypeDefinition,
    values: &HashMap<String, String>,
    preset: &HashMap<String, String>,
    errors: &[FieldError],
    lang: Lang,
) -> Vec<FieldView> {
    def.form
        .iter()
        .map(|f| {
            let (input, inputmode, placeholder) = match f.field_type {
                FieldType::Phone => ("tel", "tel", ""),
                FieldType::Date => ("date", "", "YYYY-MM-DD"),
                FieldType::Datetime => ("datetime-local", "", ""),
                FieldType::Number => ("number", "decimal", ""),
                FieldType::Choice => ("select", "", ""),
                FieldType::DivisionCode => ("text", "numeric", "150621"),
                FieldType::TimeWindow => ("text", "", "06:00-22:00"),
                FieldType::Plate => ("text", "", "蒙K12345"),
                FieldType::Zones | FieldType::RoadSections => ("text", "", "1,2"),
                _ => ("text", "", ""),
            };
            let mut help = f
                .help
                .as_ref()
                .map(|h| h.get(lang).to_owned())
                .unwrap_or_default();
            if help.is_empty() && matches!(f.field_type, FieldType::Zones | FieldType::RoadSections)
            {
                help = match lang {
                    Lang::Zh => "填写编号，多个用逗号分隔。".to_owned(),
                    Lang::En => "Their numbers, separated by commas.".to_owned(),
                };
            }
            let shown_preset = preset.get(&f.key);
            FieldView {
                key: f.key.clone(),
                label: f.label.get(lang).to_owned(),
                input,
                inputmode,
                placeholder,
                required: f.required,
                value: shown_preset
                    .or_else(|| values.get(&f.key))
                    .cloned()
                    .unwrap_or_default(),
                options: f
                    .options
                    .iter()
                    .map(|o| (o.value.clone(), o.label.get(lang).to_owned()))
                    .collect(),
                help,
                error: joined(errors, &f.key, lang),
                preset: shown_preset.is_some(),
            }
        })
        .collect()
}

/// The documents the type asks for, with their errors.
pub fn doc_views(def: &PassTypeDefinition, errors: &[FieldError], lang: Lang) -> Vec<DocView> {
    def.documents
        .iter()
        .map(|d| {
            let kind = documents::kind_code(d.kind);
            DocView {
                kind: kind.to_owned(),
                label: d.label.get(lang).to_owned(),
                required: d.required,
                error: joined(errors, &format!("doc.{kind}"), lang),
            }
        })
        .collect()
}

/// Errors not about a field or document of the form (an eligibility check, the agreement), as
/// sentences to show above it.
pub fn other_errors(def: &PassTypeDefinition, errors: &[FieldError], lang: Lang) -> Vec<String> {
    errors
        .iter()
        .filter(|e| def.field(&e.key).is_none() && !e.key.starts_with("doc."))
        .map(|e| e.message(lang))
        .collect()
}

/// The field-level errors of an action's refusal.
pub fn errors_of(e: &ActionError) -> Vec<FieldError> {
    match e {
        ActionError::InvalidForm(errors) | ActionError::Ineligible(errors) => errors.clone(),
        ActionError::Invalid {
            field,
            code,
            zh,
            en,
            ..
        } => vec![FieldError {
            key: (*field).to_owned(),
            code,
            zh: zh.clone(),
            en: en.clone(),
        }],
        _ => Vec::new(),
    }
}

/// A text part of the body, trimmed (empty when absent).
pub fn text_of(parts: &[Part], name: &str) -> String {
    parts
        .iter()
        .find(|p| p.name == name)
        .map(|p| String::from_utf8_lossy(&p.data).trim().to_owned())
        .unwrap_or_default()
}

/// The `v.<key>` values posted, as typed.
pub fn posted(parts: &[Part]) -> HashMap<String, String> {
    parts
        .iter()
        .filter_map(|p| {
            let key = p.name.strip_prefix("v.")?;
            Some((
                key.to_owned(),
                String::from_utf8_lossy(&p.data).into_owned(),
            ))
        })
        .collect()
}

/// A `datetime-local` value (`2026-11-22T08:00`) as the RFC 3339 time in China the form takes.
fn form_value(def: &PassTypeDefinition, key: &str, raw: &str) -> Value {
    let raw = raw.trim();
    let is_local = raw.len() == 16 && raw.as_bytes().get(10) == Some(&b'T');
    match def.field(key).map(|f| f.field_type) {
        Some(FieldType::Datetime) if is_local => Value::String(format!("{raw}:00+08:00")),
        _ => Value::String(raw.to_owned()),
    }
}

/// The values to submit: every non-empty posted value of a field.
pub fn values(
    def: &PassTypeDefinition,
    posted: &HashMap<String, String>,
) -> serde_json::Map<String, Value> {
    posted
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), form_value(def, k, v)))
        .collect()
}

/// The stored values of an application as the form shows them again: lists joined, times in
/// the `datetime-local` form, ID numbers left to type again (they are stored masked).
pub fn prefill(def: &PassTypeDefinition, form: &Value) -> HashMap<String, String> {
    def.form
        .iter()
        .filter_map(|f| {
            let v = form.get(&f.key)?;
            let shown = match (f.field_type, v) {
                (FieldType::IdNumber, _) => return None,
                (FieldType::Datetime, Value::String(s)) if s.len() >= 16 => s[..16].to_owned(),
                (_, Value::Array(items)) => items
                    .iter()
                    .map(super::format::value)
                    .collect::<Vec<_>>()
                    .join(","),
                (_, other) => super::format::value(other),
            };
            Some((f.key.clone(), shown))
        })
        .collect()
}

/// A document sent with the form, checked: its kind and bytes.
#[derive(Debug)]
pub struct Attached {
    pub kind: String,
    pub bytes: Vec<u8>,
}

/// The `doc.<kind>` files posted, each checked (size, type by content, images decode); every
/// required one must be there unless `required` is false (a correction adds to what is on
/// record). Returns the files and the errors by `doc.<kind>`.
pub async fn attached(
    def: &PassTypeDefinition,
    parts: &[Part],
    max_bytes: u64,
    required: bool,
) -> (Vec<Attached>, Vec<FieldError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for d in &def.documents {
        let kind = documents::kind_code(d.kind);
        let key = format!("doc.{kind}");
        let Some(part) = parts.iter().find(|p| p.name == key && !p.data.is_empty()) else {
            if required && d.required {
                errors.push(FieldError {
                    key,
                    code: "document.required",
                    zh: "请上传此材料。".to_owned(),
                    en: "Upload this document.".to_owned(),
                });
            }
            continue;
        };
        if part.data.len() as u64 > max_bytes {
            errors.push(FieldError {
                key,
                code: "document.too_large",
                zh: format!("文件不得超过 {} MB。", max_bytes >> 20),
                en: format!("The file may be at most {} MB.", max_bytes >> 20),
            });
            continue;
        }
        let bytes = part.data.clone();
        let inspected = tokio::task::spawn_blocking(move || {
            let t = documents::inspect(&bytes);
            (t, bytes)
        })
        .await;
        match inspected {
            Ok((Ok(_), bytes)) => files.push(Attached {
                kind: kind.to_owned(),
                bytes,
            }),
            Ok((Err(e), _)) => errors.push(FieldError {
                key,
                code: e.code(),
                zh: e.message(Lang::Zh),
                en: e.message(Lang::En),
            }),
            Err(e) => {
                tracing::error!(error = %e, "inspecting an upload failed");
                errors.push(FieldError {
                    key,
                    code: "document.unreadable",
                    zh: "无法读取该文件，请重试。".to_owned(),
                    en: "The file could not be read; try again.".to_owned(),
                });
            }
        }
    }
    (files, errors)
}

/// The label of a stored document's kind in the type's words (its code otherwise).
pub fn doc_label(def: &PassTypeDefinition, kind: &str, lang: Lang) -> String {
    def.documents
        .iter()
        .find(|d| documents::kind_code(d.kind) == kind)
        .map_or_else(|| kind.to_owned(), |d| d.label.get(lang).to_owned())
}
