//! Bilingual (Chinese / English) messages.
//!
//! The convention used across the service: every user-facing error or notice
//! implements [`Localized`], which gives a *stable machine code* (for API
//! clients, tests and translations: `"id_number.checksum"`) and a sentence in
//! the requested [`Lang`]. Chinese is the default language.

use serde::{Deserialize, Serialize};

/// A language the service speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Simplified Chinese (the default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Reads a language tag (`"zh"`, `"en"`, `"zh-CN"`, `"en_US"`) or an
    /// `Accept-Language` header value (`"en-US,en;q=0.9,zh;q=0.8"`), picking
    /// the supported language with the highest quality. Anything that names
    /// no supported language gives the default, [`Lang::Zh`].
    #[must_use]
    pub fn parse(s: &str) -> Lang {
        let mut best: Option<(Lang, f32)> = None;
        for item in s.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let Some(lang) = Lang::from_tag(tag) else {
                continue;
            };
            let mut q = 1.0_f32;
            for param in parts {
                if let Some((k, v)) = param.split_once('=')
                    && k.trim().eq_ignore_ascii_case("q")
                {
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
            if q <= 0.0 {
                continue;
            }
            // Strictly greater: on a tie the first listed wins.
            if best.is_none_or(|(_, bq)| q > bq) {
                best = Some((lang, q));
            }
        }
        best.map(|(l, _)| l).unwrap_or_default()
    }

    /// Reads a single language tag: its primary subtag decides
    /// (`zh`, `zh-CN`, `zh_Hans_CN` → Zh; `en`, `en-GB` → En).
    #[must_use]
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("zh") {
            Some(Lang::Zh)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The BCP 47 tag: `"zh"` or `"en"`.
    #[must_use]
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

/// A message with a stable code and a sentence in each language.
pub trait Localized {
    /// Stable machine code such as `"id_number.checksum"`. Never changes once
    /// published: API clients and translations key on it.
    fn code(&self) -> &'static str;
    /// A full sentence in `lang`.
    fn message(&self, lang: Lang) -> String;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_tags() {
        assert_eq!(Lang::parse("zh"), Lang::Zh);
        assert_eq!(Lang::parse("en"), Lang::En);
        assert_eq!(Lang::parse("zh-CN"), Lang::Zh);
        assert_eq!(Lang::parse("EN-gb"), Lang::En);
        assert_eq!(Lang::parse("en_US"), Lang::En);
        assert_eq!(Lang::parse(" en "), Lang::En);
    }

    #[test]
    fn unknown_or_empty_defaults_to_chinese() {
        assert_eq!(Lang::parse(""), Lang::Zh);
        assert_eq!(Lang::parse("fr-FR"), Lang::Zh);
        assert_eq!(Lang::parse("*"), Lang::Zh);
        assert_eq!(Lang::default(), Lang::Zh);
        assert_eq!(Lang::from_tag("de"), None);
        assert_eq!(Lang::from_tag("english"), None);
    }

    #[test]
    fn accept_language_quality() {
        assert_eq!(Lang::parse("en-US,en;q=0.9,zh;q=0.8"), Lang::En);
        assert_eq!(Lang::parse("fr;q=1, en;q=0.5, zh-CN;q=0.7"), Lang::Zh);
        assert_eq!(Lang::parse("zh;q=0.3,en"), Lang::En);
        assert_eq!(Lang::parse("en;q=0,zh;q=0.1"), Lang::Zh);
        assert_eq!(Lang::parse("en;q=0"), Lang::Zh);
        assert_eq!(Lang::parse("de, en;q=garbage, en-GB;q=0.2"), Lang::En);
        // Tie: the first listed wins.
        assert_eq!(Lang::parse("en, zh"), Lang::En);
        assert_eq!(Lang::parse("zh, en"), Lang::Zh);
    }

    #[test]
    fn tags_and_serde() {
        assert_eq!(Lang::Zh.tag(), "zh");
        assert_eq!(Lang::En.tag(), "en");
        assert_eq!(
            serde_json::to_string(&Lang::En).ok().as_deref(),
            Some("\"en\"")
        );
        let l: Lang = serde_json::from_str("\"zh\"").expect("valid json");
        assert_eq!(l, Lang::Zh);
    }
}
