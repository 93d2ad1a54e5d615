//! Why a pass-type definition was refused: the path of the bad value and a sentence in each
//! language. Structural errors come from serde (wrong JSON type, unknown key, unknown name) and
//! are translated here; semantic ones are written where they are found.

use std::fmt;

use crate::i18n::{Lang, Localized};

/// A definition that cannot be accepted, with the JSON path of the first bad value
/// (`workflow.levels[1].roles`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinitionError {
    path: String,
    code: &'static str,
    zh: String,
    en: String,
}

impl DefinitionError {
    /// An error at `path` with its code and the two sentences (without the path; it is added).
    pub(crate) fn new(path: impl Into<String>, code: &'static str, zh: &str, en: &str) -> Self {
        let path = path.into();
        DefinitionError {
            zh: format!("通行证类型定义 {path} 处有误：{zh}"),
            en: format!("Pass type definition, at {path}: {en}"),
            path,
            code,
        }
    }

    /// Translates a serde error found at `path`.
    pub(crate) fn from_serde(path: &str, err: &serde_json::Error) -> Self {
        let mut path = match path {
            "." | "" => "$".to_owned(),
            p => p.to_owned(),
        };
        let raw = err.to_string();
        // serde_json appends the position in the text; the path already says where.
        let msg = raw
            .rsplit_once(" at line ")
            .map_or(raw.as_str(), |(m, _)| m)
            .to_owned();
        if err.is_syntax() || err.is_eof() {
            return DefinitionError::new(
                "$",
                "pass_type.definition_not_json",
                &format!("不是有效的 JSON（{raw}）。"),
                &format!("not valid JSON ({raw})."),
            );
        }
        let quoted = |s: &str| s.split('`').nth(1).unwrap_or_default().to_owned();
        let (code, zh) = if let Some(rest) = msg.strip_prefix("unknown variant ") {
            let expected = rest.split_once("expected ").map_or("", |(_, e)| e);
            (
                "pass_type.unknown_name",
                format!("不支持的取值 {}，可选：{expected}。", quoted(rest)),
            )
        } else if let Some(rest) = msg.strip_prefix("unknown field ") {
            let name = quoted(rest);
            // serde_path_to_error has already entered the unknown key.
            if !path.ends_with(&format!(".{name}")) && path != name {
                path = join(&path, &name);
            }
            ("pass_type.unknown_key", format!("不认识的字段 {name}。"))
        } else if let Some(rest) = msg.strip_prefix("missing field ") {
            let name = quoted(rest);
            path = join(&path, &name);
            ("pass_type.missing_key", format!("缺少必填字段 {name}。"))
        } else if msg.starts_with("invalid value") && msg.contains("expected u") {
            ("pass_type.not_a_count", "须为非负整数。".to_owned())
        } else if msg.starts_with("invalid type") || msg.starts_with("invalid value") {
            ("pass_type.wrong_type", format!("类型或取值不对（{msg}）。"))
        } else {
            ("pass_type.invalid", format!("取值无效（{msg}）。"))
        };
        DefinitionError::new(path, code, &zh, &format!("{msg}."))
    }

    /// The JSON path of the bad value, `$` for the whole document.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// `a.b` from a parent path and a key, without a leading `$.`.
pub(crate) fn join(parent: &str, key: &str) -> String {
    if parent == "$" || parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

impl Localized for DefinitionError {
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

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for DefinitionError {}
