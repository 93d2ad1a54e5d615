//! Parsing of registry field values, shared by the CSV importer and the HTTP adapter so both
//! accept the same forms and explain the same mistakes in both languages.
//!
//! Times: RFC 3339 (`2026-11-20T08:30:00+08:00`), `YYYY-MM-DD HH:MM[:SS]` (China time, UTC+8,
//! as registry exports usually write it) or `YYYY-MM-DD` (midnight, China time). Dates:
//! `YYYY-MM-DD`, or an RFC 3339 time (its date in China).

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::domain::eligibility::{LICENCE_CLASSES, china_date};
use crate::domain::ids::{IdNumber, Plate};
use crate::i18n::{Lang, Localized};

/// What is wrong with one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl FieldError {
    fn new(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }

    fn localized(e: &impl Localized) -> Self {
        Self {
            code: e.code(),
            zh: e.message(Lang::Zh),
            en: e.message(Lang::En),
        }
    }
}

type Parsed<T> = Result<T, FieldError>;

/// Longest free-text value accepted (names, institutions, addresses), in characters.
pub const MAX_TEXT_CHARS: usize = 200;

const CHINA: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC+8 is a valid offset"),
};
const DATE: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");
const DATE_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
const DATE_TIME_NO_SECONDS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]");

/// A required free-text value: trimmed, not empty, no control characters, not too long.
pub fn text(s: &str) -> Parsed<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(FieldError::new(
            "field.empty",
            "不能为空",
            "must not be empty",
        ));
    }
    optional_text(t)
}

/// Like [`text`], but empty is allowed.
pub fn optional_text(s: &str) -> Parsed<String> {
    let t = s.trim();
    if t.chars().any(char::is_control) {
        return Err(FieldError::new(
            "field.control_character",
            "含有控制字符",
            "contains a control character",
        ));
    }
    let n = t.chars().count();
    if n > MAX_TEXT_CHARS {
        return Err(FieldError::new(
            "field.too_long",
            format!("长度 {n} 个字符，超过上限 {MAX_TEXT_CHARS}"),
            format!("is {n} characters long, more than {MAX_TEXT_CHARS}"),
        ));
    }
    Ok(t.to_owned())
}

/// A non-negative whole number.
pub fn count(s: &str) -> Parsed<u32> {
    s.trim().parse::<u32>().map_err(|_| {
        FieldError::new(
            "field.not_a_count",
            format!("“{}”不是非负整数", s.trim()),
            format!("{:?} is not a whole number of zero or more", s.trim()),
        )
    })
}

pub fn plate(s: &str) -> Parsed<Plate> {
    Plate::parse(s).map_err(|e| FieldError::localized(&e))
}

pub fn id_number(s: &str) -> Parsed<IdNumber> {
    IdNumber::parse(s).map_err(|e| FieldError::localized(&e))
}

fn bad_time(s: &str) -> FieldError {
    FieldError::new(
        "field.bad_time",
        format!(
            "“{}”不是有效的时间（应为 RFC 3339、YYYY-MM-DD HH:MM:SS 或 YYYY-MM-DD）",
            s.trim()
        ),
        format!(
            "{:?} is not a valid time (use RFC 3339, YYYY-MM-DD HH:MM:SS or YYYY-MM-DD)",
            s.trim()
        ),
    )
}

/// An instant; forms without an offset are China time.
pub fn timestamp(s: &str) -> Parsed<OffsetDateTime> {
    let t = s.trim();
    if let Ok(v) = OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
        return Ok(v);
    }
    for format in [DATE_TIME, DATE_TIME_NO_SECONDS] {
        if let Ok(v) = PrimitiveDateTime::parse(t, format) {
            return Ok(v.assume_offset(CHINA));
        }
    }
    if let Ok(d) = Date::parse(t, DATE) {
        return Ok(PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_offset(CHINA));
    }
    Err(bad_time(s))
}

/// An instant that must not lie in the future (beyond a few minutes of clock skew): a registry
/// recording tomorrow's test result is a typo that would make the result look fresh for days.
pub fn past_timestamp(s: &str, now: OffsetDateTime) -> Parsed<OffsetDateTime> {
    let t = timestamp(s)?;
    if t > now + time::Duration::minutes(10) {
        return Err(FieldError::new(
            "field.in_future",
            format!("时间“{}”在将来", s.trim()),
            format!("the time {:?} is in the future", s.trim()),
        ));
    }
    Ok(t)
}

/// A calendar date.
pub fn date(s: &str) -> Parsed<Date> {
    let t = s.trim();
    if let Ok(d) = Date::parse(t, DATE) {
        return Ok(d);
    }
    if let Ok(v) = OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
        return Ok(china_date(v));
    }
    Err(FieldError::new(
        "field.bad_date",
        format!("“{t}”不是有效的日期（应为 YYYY-MM-DD）"),
        format!("{t:?} is not a valid date (use YYYY-MM-DD)"),
    ))
}

/// A licence file number (档案编号): 6 to 32 ASCII letters and digits. An ID number is
/// refused, because the registry must not hold ID numbers in clear.
pub fn licence_number(s: &str) -> Parsed<String> {
    let t = s.trim().to_ascii_uppercase();
    if t.len() < 6 || t.len() > 32 || !t.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(FieldError::new(
            "licence_number.invalid",
            format!(
                "“{}”不是有效的驾驶证档案编号（6 至 32 位字母或数字）",
                s.trim()
            ),
            format!(
                "{:?} is not a licence file number (6 to 32 letters or digits)",
                s.trim()
            ),
        ));
    }
    if IdNumber::parse(&t).is_ok() {
        return Err(FieldError::new(
            "licence_number.is_id_number",
            "这是身份证号码；请填写驾驶证档案编号，身份证号码不得明文保存",
            "this is an ID number; give the licence file number, ID numbers are not stored in clear",
        ));
    }
    Ok(t)
}

/// Licence classes separated by spaces, commas or slashes (`A2 C1`, `A2,C1`), canonically
/// ordered; at least one.
pub fn licence_classes(s: &str) -> Parsed<Vec<String>> {
    let mut found = Vec::new();
    for part in s
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '/' | '、'))
        .filter(|p| !p.is_empty())
    {
        let code = part.to_ascii_uppercase();
        if !LICENCE_CLASSES.contains(&code.as_str()) {
            return Err(FieldError::new(
                "licence_classes.unknown",
                format!("“{part}”不是准驾车型代号（{}）", LICENCE_CLASSES.join(" ")),
                format!(
                    "{part:?} is not a licence class ({})",
                    LICENCE_CLASSES.join(" ")
                ),
            ));
        }
        found.push(code);
    }
    if found.is_empty() {
        return Err(FieldError::new(
            "field.empty",
            "不能为空",
            "must not be empty",
        ));
    }
    let mut classes: Vec<String> = LICENCE_CLASSES
        .iter()
        .filter(|c| found.iter().any(|f| f == *c))
        .map(|c| (*c).to_owned())
        .collect();
    classes.dedup();
    Ok(classes)
}

/// One of a closed set of status codes.
pub fn status<T>(s: &str, parse: impl Fn(&str) -> Option<T>, codes: &str) -> Parsed<T> {
    let t = s.trim().to_ascii_lowercase();
    parse(&t).ok_or_else(|| {
        FieldError::new(
            "field.unknown_status",
            format!("“{}”不是可用的取值（{codes}）", s.trim()),
            format!("{:?} is not one of: {codes}", s.trim()),
        )
    })
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn times_in_every_accepted_form() {
        let at = datetime!(2026-11-20 08:30 +8);
        assert_eq!(timestamp("2026-11-20T08:30:00+08:00"), Ok(at));
        assert_eq!(timestamp("2026-11-20T00:30:00Z"), Ok(at));
        assert_eq!(timestamp(" 2026-11-20 08:30:00 "), Ok(at));
        assert_eq!(timestamp("2026-11-20 08:30"), Ok(at));
        assert_eq!(timestamp("2026-11-20"), Ok(datetime!(2026-11-20 00:00 +8)));
        assert_eq!(
            timestamp("20/11/2026").map_err(|e| e.code),
            Err("field.bad_time")
        );
        assert_eq!(
            date("2026-02-30").map_err(|e| e.code),
            Err("field.bad_date")
        );
        assert_eq!(date("2026-11-19T20:00:00Z"), Ok(date!(2026 - 11 - 20)));
        let now = datetime!(2026-11-21 12:00 UTC);
        assert!(past_timestamp("2026-11-21T12:05:00Z", now).is_ok());
        assert_eq!(
            past_timestamp("2026-11-22", now).map_err(|e| e.code),
            Err("field.in_future")
        );
    }

    #[test]
    fn licence_numbers_and_classes() {
        assert_eq!(licence_number(" 150600123456 "), Ok("150600123456".into()));
        assert_eq!(
            licence_number("11010519491231002X").map_err(|e| e.code),
            Err("licence_number.is_id_number")
        );
        assert_eq!(
            licence_number("12-34").map_err(|e| e.code),
            Err("licence_number.invalid")
        );
        assert_eq!(
            licence_classes("c1, a2"),
            Ok(vec!["A2".into(), "C1".into()])
        );
        assert_eq!(licence_classes("C1 C1"), Ok(vec!["C1".into()]));
        assert_eq!(
            licence_classes("Z9").map_err(|e| e.code),
            Err("licence_classes.unknown")
        );
        assert_eq!(licence_classes(" ").map_err(|e| e.code), Err("field.empty"));
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text(" 张三 "), Ok("张三".into()));
        assert_eq!(text("").map_err(|e| e.code), Err("field.empty"));
        assert_eq!(
            text("a\u{7}b").map_err(|e| e.code),
            Err("field.control_character")
        );
        assert_eq!(optional_text(""), Ok(String::new()));
        assert_eq!(count("3"), Ok(3));
        assert_eq!(count("-1").map_err(|e| e.code), Err("field.not_a_count"));
    }
}
