//! Mainland China mobile numbers.
//!
//! `Display`, `AsRef<str>` and `Serialize` give the 11 digits (SMS needs
//! them); `Debug` gives the masked form so a stray `{:?}` in a log line does
//! not leak the number.

use std::fmt;

use super::{clean, error_display_via_localized, parse_impls, string_impls};
use crate::i18n::{Lang, Localized};

const LEN: usize = 11;

/// An 11-digit mainland mobile number, `1[3-9]` followed by 9 digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

/// Why a phone number was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhoneError {
    /// Nothing was entered.
    Empty,
    /// A `+` country code other than `+86`.
    NotMainland,
    /// A character other than a digit (after spaces, dashes and `+86` are
    /// removed).
    BadCharacter {
        /// 1-based position among the remaining characters.
        position: usize,
        /// The character found.
        ch: char,
    },
    /// Fewer than 11 digits.
    TooShort {
        /// Digits entered.
        len: usize,
    },
    /// More than 11 digits.
    TooLong {
        /// Digits entered.
        len: usize,
    },
    /// Not a mobile number: must start with 13–19.
    NotMobile {
        /// The first two digits.
        prefix: String,
    },
}

impl Localized for PhoneError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "phone.empty",
            Self::NotMainland => "phone.not_mainland",
            Self::BadCharacter { .. } => "phone.bad_character",
            Self::TooShort { .. } => "phone.too_short",
            Self::TooLong { .. } => "phone.too_long",
            Self::NotMobile { .. } => "phone.not_mobile",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Self::Empty, Lang::Zh) => "请填写手机号码。".into(),
            (Self::Empty, Lang::En) => "The phone number is empty.".into(),
            (Self::NotMainland, Lang::Zh) => "只支持中国大陆手机号码（+86）。".into(),
            (Self::NotMainland, Lang::En) => {
                "Only mainland China mobile numbers (+86) are supported.".into()
            }
            (Self::BadCharacter { position, ch }, Lang::Zh) => {
                format!("手机号码第{position}位“{ch}”不是数字。")
            }
            (Self::BadCharacter { position, ch }, Lang::En) => {
                format!("Character {position} of the phone number, '{ch}', is not a digit.")
            }
            (Self::TooShort { len }, Lang::Zh) => {
                format!("手机号码应为11位数字，只填写了{len}位。")
            }
            (Self::TooShort { len }, Lang::En) => {
                format!("A mobile number has 11 digits; only {len} were entered.")
            }
            (Self::TooLong { len }, Lang::Zh) => {
                format!("手机号码应为11位数字，填写了{len}位。")
            }
            (Self::TooLong { len }, Lang::En) => {
                format!("A mobile number has 11 digits; {len} were entered.")
            }
            (Self::NotMobile { prefix }, Lang::Zh) => {
                format!("以“{prefix}”开头的不是手机号码，手机号码以13至19开头。")
            }
            (Self::NotMobile { prefix }, Lang::En) => format!(
                "A number starting with {prefix} is not a mobile number; mobile numbers start with 13 to 19."
            ),
        }
    }
}

error_display_via_localized!(PhoneError);

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

impl Phone {
    /// Parses a mobile number; accepts an optional `+86` (or `0086`), spaces
    /// and dashes, full-width digits.
    ///
    /// # Errors
    /// One [`PhoneError`] variant per way the input is wrong.
    pub fn parse(s: &str) -> Result<Self, PhoneError> {
        let chars = clean(s, is_separator);
        if chars.is_empty() {
            return Err(PhoneError::Empty);
        }
        let digits: &[char] = if chars.first() == Some(&'+') {
            match chars.strip_prefix(&['+', '8', '6'][..]) {
                Some(rest) => rest,
                None => return Err(PhoneError::NotMainland),
            }
        } else if let Some(rest) = chars.strip_prefix(&['0', '0', '8', '6'][..]) {
            rest
        } else if chars.starts_with(&['0', '0']) {
            return Err(PhoneError::NotMainland);
        } else {
            &chars
        };
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        if let Some((i, &ch)) = digits.iter().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(PhoneError::BadCharacter {
                position: i + 1,
                ch,
            });
        }
        let len = digits.len();
        if len < LEN {
            return Err(PhoneError::TooShort { len });
        }
        if len > LEN {
            return Err(PhoneError::TooLong { len });
        }
        if digits[0] != '1' || !('3'..='9').contains(&digits[1]) {
            return Err(PhoneError::NotMobile {
                prefix: digits[..2].iter().collect(),
            });
        }
        Ok(Phone(digits.iter().collect()))
    }

    /// The 11 digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****0000`: the first 3 and last 4 digits.
    #[must_use]
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }

    /// E.164 form, `+8613800000000`.
    #[must_use]
    pub fn e164(&self) -> String {
        format!("+86{}", self.0)
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Phone {
    /// Masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

parse_impls!(Phone, PhoneError, "an 11-digit mainland mobile number");
string_impls!(Phone);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepted_forms() {
        for s in [
            "13800000000",
            "+8613800000000",
            "+86 138 0000 0000",
            "+86-138-0000-0000",
            "138-0000-0000",
            " 138 0000 0000 ",
            "008613800000000",
            "１３８００００００００",
            "138\u{2014}0000\u{2014}0000",
        ] {
            let p = Phone::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(p.as_str(), "13800000000", "{s}");
        }
        for prefix in 13..=19 {
            assert!(Phone::parse(&format!("{prefix}912345678")).is_ok());
        }
    }

    #[test]
    fn masking_and_forms() {
        let p = Phone::parse("13800000000").expect("valid");
        assert_eq!(p.masked(), "138****0000");
        let p = Phone::parse("13912345678").expect("valid");
        assert_eq!(p.masked(), "139****5678");
        assert_eq!(format!("{p:?}"), "Phone(139****5678)");
        assert_eq!(p.to_string(), "13912345678");
        assert_eq!(p.e164(), "+8613912345678");
    }

    #[test]
    fn errors() {
        use PhoneError as E;
        assert_eq!(Phone::parse(""), Err(E::Empty));
        assert_eq!(Phone::parse(" - "), Err(E::Empty));
        assert_eq!(Phone::parse("+86"), Err(E::Empty));
        assert_eq!(Phone::parse("+85291234567"), Err(E::NotMainland));
        assert_eq!(Phone::parse("+1 415 555 0100"), Err(E::NotMainland));
        assert_eq!(Phone::parse("0085291234567"), Err(E::NotMainland));
        assert_eq!(
            Phone::parse("138O0000000"),
            Err(E::BadCharacter {
                position: 4,
                ch: 'O'
            })
        );
        assert_eq!(
            Phone::parse("(138)00000000"),
            Err(E::BadCharacter {
                position: 1,
                ch: '('
            })
        );
        assert_eq!(Phone::parse("1380000000"), Err(E::TooShort { len: 10 }));
        assert_eq!(Phone::parse("138000000000"), Err(E::TooLong { len: 12 }));
        assert_eq!(
            Phone::parse("12800000000"),
            Err(E::NotMobile {
                prefix: "12".into()
            })
        );
        assert_eq!(
            Phone::parse("01012345678"),
            Err(E::NotMobile {
                prefix: "01".into()
            })
        );
    }

    #[test]
    fn error_messages_and_codes() {
        let all = [
            PhoneError::Empty,
            PhoneError::NotMainland,
            PhoneError::BadCharacter {
                position: 1,
                ch: 'a',
            },
            PhoneError::TooShort { len: 3 },
            PhoneError::TooLong { len: 12 },
            PhoneError::NotMobile {
                prefix: "12".into(),
            },
        ];
        let mut codes: Vec<_> = all.iter().map(Localized::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        for e in &all {
            assert!(e.code().starts_with("phone."));
            assert!(!e.message(Lang::Zh).is_empty());
            assert_eq!(e.to_string(), e.message(Lang::En));
            assert_ne!(e.message(Lang::Zh), e.message(Lang::En));
        }
    }

    #[test]
    fn serde_round_trip() {
        let p = Phone::parse("+86 139 1234 5678").expect("valid");
        let json = serde_json::to_string(&p).expect("serialises");
        assert_eq!(json, "\"13912345678\"");
        let back: Phone = serde_json::from_str("\"+86 139-1234-5678\"").expect("deserialises");
        assert_eq!(back, p);
        assert!(serde_json::from_str::<Phone>("\"12345\"").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = Phone::parse(&s);
        }

        #[test]
        fn valid_numbers_round_trip(n in "1[3-9][0-9]{9}", plus in any::<bool>()) {
            let input = if plus { format!("+86 {}-{}-{}", &n[..3], &n[3..7], &n[7..]) } else { n.clone() };
            let p = Phone::parse(&input).expect("valid");
            prop_assert_eq!(p.as_str(), n.as_str());
            prop_assert_eq!(Phone::parse(p.as_str()).expect("round trip"), p);
        }
    }
}
