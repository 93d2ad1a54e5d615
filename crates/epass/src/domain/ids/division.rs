//! Administrative division codes (GB/T 2260).

use std::fmt;

use super::{clean, error_display_via_localized, parse_impls, string_impls};
use crate::i18n::{Lang, Localized};

/// Province-level codes (the first two digits) with their short Chinese
/// names. One table: an amendment is one edit.
///
/// `83` is not in GB/T 2260 itself but is the address code of residence
/// permits for Taiwan residents (港澳台居民居住证: 810000, 820000, 830000),
/// whose numbers follow GB 11643.
pub const PROVINCES: &[(&str, &str)] = &[
    ("11", "北京"),
    ("12", "天津"),
    ("13", "河北"),
    ("14", "山西"),
    ("15", "内蒙古"),
    ("21", "辽宁"),
    ("22", "吉林"),
    ("23", "黑龙江"),
    ("31", "上海"),
    ("32", "江苏"),
    ("33", "浙江"),
    ("34", "安徽"),
    ("35", "福建"),
    ("36", "江西"),
    ("37", "山东"),
    ("41", "河南"),
    ("42", "湖北"),
    ("43", "湖南"),
    ("44", "广东"),
    ("45", "广西"),
    ("46", "海南"),
    ("50", "重庆"),
    ("51", "四川"),
    ("52", "贵州"),
    ("53", "云南"),
    ("54", "西藏"),
    ("61", "陕西"),
    ("62", "甘肃"),
    ("63", "青海"),
    ("64", "宁夏"),
    ("65", "新疆"),
    ("71", "台湾"),
    ("81", "香港"),
    ("82", "澳门"),
    ("83", "台湾（居住证）"),
];

pub(crate) fn province_name(two_digits: &str) -> Option<&'static str> {
    PROVINCES
        .iter()
        .find(|(code, _)| *code == two_digits)
        .map(|(_, name)| *name)
}

const LEN: usize = 6;

/// A 6-digit administrative division code: province (2) + city (2) +
/// county (2). A province-level code ends in `0000`, a city-level one in `00`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DivisionCode([u8; LEN]);

/// The level of a division code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DivisionLevel {
    /// `150000`
    Province,
    /// `150600`
    City,
    /// `150621`
    County,
}

/// Why a division code was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DivisionCodeError {
    /// Nothing was entered.
    Empty,
    /// Fewer than 6 characters.
    TooShort {
        /// Characters entered.
        len: usize,
    },
    /// More than 6 characters.
    TooLong {
        /// Characters entered.
        len: usize,
    },
    /// A character that is not a digit.
    BadCharacter {
        /// 1-based position.
        position: usize,
        /// The character found.
        ch: char,
    },
    /// The first two digits name no province.
    UnknownProvince {
        /// The two digits found.
        province: String,
    },
}

impl Localized for DivisionCodeError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "division_code.empty",
            Self::TooShort { .. } => "division_code.too_short",
            Self::TooLong { .. } => "division_code.too_long",
            Self::BadCharacter { .. } => "division_code.bad_character",
            Self::UnknownProvince { .. } => "division_code.unknown_province",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Self::Empty, Lang::Zh) => "请填写行政区划代码。".into(),
            (Self::Empty, Lang::En) => "The division code is empty.".into(),
            (Self::TooShort { len }, Lang::Zh) => {
                format!("行政区划代码应为6位数字，只填写了{len}位。")
            }
            (Self::TooShort { len }, Lang::En) => {
                format!("A division code has 6 digits; only {len} were entered.")
            }
            (Self::TooLong { len }, Lang::Zh) => {
                format!("行政区划代码应为6位数字，填写了{len}位。")
            }
            (Self::TooLong { len }, Lang::En) => {
                format!("A division code has 6 digits; {len} were entered.")
            }
            (Self::BadCharacter { position, ch }, Lang::Zh) => {
                format!("行政区划代码第{position}位“{ch}”不是数字。")
            }
            (Self::BadCharacter { position, ch }, Lang::En) => {
                format!("Character {position} of the division code, '{ch}', is not a digit.")
            }
            (Self::UnknownProvince { province }, Lang::Zh) => {
                format!("行政区划代码开头的“{province}”不是省级代码。")
            }
            (Self::UnknownProvince { province }, Lang::En) => {
                format!("The division code starts with '{province}', which is not a province code.")
            }
        }
    }
}

error_display_via_localized!(DivisionCodeError);

impl DivisionCode {
    /// Parses a 6-digit code; surrounding and inner white space is ignored.
    ///
    /// # Errors
    /// One [`DivisionCodeError`] variant per way the input is wrong.
    pub fn parse(s: &str) -> Result<Self, DivisionCodeError> {
        let chars = clean(s, char::is_whitespace);
        if chars.is_empty() {
            return Err(DivisionCodeError::Empty);
        }
        if let Some((i, &ch)) = chars.iter().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(DivisionCodeError::BadCharacter {
                position: i + 1,
                ch,
            });
        }
        let len = chars.len();
        if len < LEN {
            return Err(DivisionCodeError::TooShort { len });
        }
        if len > LEN {
            return Err(DivisionCodeError::TooLong { len });
        }
        let mut out = [b'0'; LEN];
        for (o, c) in out.iter_mut().zip(&chars) {
            // ASCII digits only, checked above: the cast is lossless.
            *o = *c as u8;
        }
        Self::from_digits(out)
    }

    /// Builds a code from six ASCII digits (checked by the caller), checking
    /// the province.
    pub(crate) fn from_digits(d: [u8; LEN]) -> Result<Self, DivisionCodeError> {
        let code = DivisionCode(d);
        let province = &code.as_str()[..2];
        if province_name(province).is_none() {
            return Err(DivisionCodeError::UnknownProvince {
                province: province.to_owned(),
            });
        }
        Ok(code)
    }

    /// Six ASCII digits whose province the caller has checked.
    pub(crate) fn from_checked_digits(d: [u8; LEN]) -> Self {
        DivisionCode(d)
    }

    /// The six digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ever built from ASCII digits (parse/from_digits/with_suffix),
        // so this cannot fail.
        std::str::from_utf8(&self.0).expect("division code holds ASCII digits")
    }

    /// The level: province (`xx0000`), city (`xxxx00`) or county.
    #[must_use]
    pub fn level(&self) -> DivisionLevel {
        match (&self.0[2..4], &self.0[4..6]) {
            (b"00", b"00") => DivisionLevel::Province,
            (_, b"00") => DivisionLevel::City,
            _ => DivisionLevel::County,
        }
    }

    fn with_suffix(&self, keep: usize) -> DivisionCode {
        let mut d = [b'0'; LEN];
        d[..keep].copy_from_slice(&self.0[..keep]);
        DivisionCode(d)
    }

    /// The province this code lies in (`150621` → `150000`).
    #[must_use]
    pub fn province(&self) -> DivisionCode {
        self.with_suffix(2)
    }

    /// The city-level code (`150621` → `150600`); `None` for a province-level
    /// code.
    #[must_use]
    pub fn city(&self) -> Option<DivisionCode> {
        (self.level() != DivisionLevel::Province).then(|| self.with_suffix(4))
    }

    /// The code itself when it is county-level, else `None`.
    #[must_use]
    pub fn county(&self) -> Option<DivisionCode> {
        (self.level() == DivisionLevel::County).then_some(*self)
    }

    /// The significant prefix: `"15"` for `150000`, `"1506"` for `150600`,
    /// `"150621"` for `150621`. Useful for `LIKE 'prefix%'` subtree queries.
    #[must_use]
    pub fn prefix(&self) -> &str {
        let s = self.as_str();
        match self.level() {
            DivisionLevel::Province => &s[..2],
            DivisionLevel::City => &s[..4],
            DivisionLevel::County => s,
        }
    }

    /// Whether `self` lies in the subtree rooted at `other` (inclusive:
    /// every code is within itself). `150621` is within `150600`, which is
    /// within `150000`.
    #[must_use]
    pub fn is_within(&self, other: &DivisionCode) -> bool {
        self.as_str().starts_with(other.prefix())
    }

    /// Short Chinese name of the province (`"内蒙古"` for `150621`).
    #[must_use]
    pub fn province_name(&self) -> &'static str {
        // The province was checked against the table when the code was built.
        province_name(&self.as_str()[..2]).unwrap_or("")
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DivisionCode({})", self.as_str())
    }
}

parse_impls!(DivisionCode, DivisionCodeError, "a 6-digit division code");
string_impls!(DivisionCode);

#[cfg(test)]
mod tests {
    use super::*;

    fn dc(s: &str) -> DivisionCode {
        DivisionCode::parse(s).expect("valid test code")
    }

    #[test]
    fn seed_examples() {
        for (code, level, province) in [
            ("150621", DivisionLevel::County, "内蒙古"),
            ("371000", DivisionLevel::City, "山东"),
            ("120000", DivisionLevel::Province, "天津"),
        ] {
            let d = dc(code);
            assert_eq!(d.as_str(), code);
            assert_eq!(d.to_string(), code);
            assert_eq!(d.level(), level);
            assert_eq!(d.province_name(), province);
        }
    }

    #[test]
    fn normalisation() {
        assert_eq!(dc(" 150 621 ").as_str(), "150621");
        assert_eq!(dc("１５０６２１").as_str(), "150621");
    }

    #[test]
    fn prefixes() {
        let d = dc("150621");
        assert_eq!(d.province(), dc("150000"));
        assert_eq!(d.city(), Some(dc("150600")));
        assert_eq!(d.county(), Some(d));
        assert_eq!(d.prefix(), "150621");
        let c = dc("371000");
        assert_eq!(c.province(), dc("370000"));
        assert_eq!(c.city(), Some(c));
        assert_eq!(c.county(), None);
        assert_eq!(c.prefix(), "3710");
        let p = dc("120000");
        assert_eq!(p.province(), p);
        assert_eq!(p.city(), None);
        assert_eq!(p.county(), None);
        assert_eq!(p.prefix(), "12");
    }

    #[test]
    fn subtrees() {
        let county = dc("150621");
        let city = dc("150600");
        let province = dc("150000");
        assert!(county.is_within(&city));
        assert!(city.is_within(&province));
        assert!(county.is_within(&province));
        assert!(county.is_within(&county));
        assert!(province.is_within(&province));
        assert!(!city.is_within(&county));
        assert!(!province.is_within(&city));
        assert!(!county.is_within(&dc("150700")));
        assert!(!county.is_within(&dc("370000")));
        assert!(!dc("371000").is_within(&dc("120000")));
        assert!(dc("120101").is_within(&dc("120000")));
        // Siblings sharing leading digits are not inside each other.
        assert!(dc("151000").is_within(&dc("150000")));
        assert!(!dc("151000").is_within(&dc("150600")));
        assert!(!dc("150621").is_within(&dc("150622")));
    }

    #[test]
    fn errors() {
        use DivisionCodeError as E;
        assert_eq!(DivisionCode::parse(""), Err(E::Empty));
        assert_eq!(DivisionCode::parse("   "), Err(E::Empty));
        assert_eq!(DivisionCode::parse("15062"), Err(E::TooShort { len: 5 }));
        assert_eq!(DivisionCode::parse("1506210"), Err(E::TooLong { len: 7 }));
        assert_eq!(
            DivisionCode::parse("15O621"),
            Err(E::BadCharacter {
                position: 3,
                ch: 'O'
            })
        );
        assert_eq!(
            DivisionCode::parse("990000"),
            Err(E::UnknownProvince {
                province: "99".into()
            })
        );
        assert_eq!(
            DivisionCode::parse("000000"),
            Err(E::UnknownProvince {
                province: "00".into()
            })
        );
    }

    #[test]
    fn error_messages_and_codes() {
        let all = [
            DivisionCodeError::Empty,
            DivisionCodeError::TooShort { len: 1 },
            DivisionCodeError::TooLong { len: 9 },
            DivisionCodeError::BadCharacter {
                position: 1,
                ch: 'x',
            },
            DivisionCodeError::UnknownProvince {
                province: "99".into(),
            },
        ];
        let mut codes: Vec<_> = all.iter().map(Localized::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        for e in &all {
            assert!(e.code().starts_with("division_code."));
            assert!(!e.message(Lang::Zh).is_empty());
            assert_eq!(e.to_string(), e.message(Lang::En));
            assert_ne!(e.message(Lang::Zh), e.message(Lang::En));
        }
    }

    #[test]
    fn serde_round_trip() {
        let d = dc("150621");
        let json = serde_json::to_string(&d).expect("serialises");
        assert_eq!(json, "\"150621\"");
        let back: DivisionCode = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, d);
        assert!(serde_json::from_str::<DivisionCode>("\"990000\"").is_err());
        assert!(serde_json::from_str::<DivisionCode>("150621").is_err());
        assert_eq!("150621".parse::<DivisionCode>(), Ok(d));
    }
}
