//! Unified social credit codes (GB 32100-2015).
//!
//! Some real codes are reported to fail the check, so a checksum failure is
//! reviewable: [`CreditCode::parse`] is strict, and
//! [`CreditCode::parse_unchecked_checksum`] — the explicit override path —
//! accepts a code whose only fault is its check character and says so in a
//! [`ChecksumStatus`] that the caller must record (who overrode, when).
//! `Deserialize` and `FromStr` are strict; a store that holds an overridden
//! code loads it with `parse_unchecked_checksum`.

use std::fmt;

use super::division::DivisionCode;
use super::{clean, error_display_via_localized, parse_impls, string_impls};
use crate::i18n::{Lang, Localized};

/// The code's character set; a character's value is its index (0..=30).
/// No I, O, S, V, Z.
pub const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const LEN: usize = 18;
/// Wᵢ = 3^(i−1) mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// Positions (0-based) of the administrative division digits (3–8).
const DIVISION: std::ops::Range<usize> = 2..8;

/// A unified social credit code, 18 characters, canonical upper case.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(String);

/// Whether a code accepted by [`CreditCode::parse_unchecked_checksum`] passed
/// its check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use = "an overridden checksum must be recorded"]
pub enum ChecksumStatus {
    /// The check character is right.
    Valid,
    /// The check character is wrong and was accepted on request: record it.
    Overridden {
        /// The check character the first 17 characters give.
        expected: char,
        /// The check character the code carries.
        got: char,
    },
}

/// Why a credit code was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreditCodeError {
    /// Nothing was entered.
    Empty,
    /// Fewer than 18 characters.
    TooShort {
        /// Characters entered.
        len: usize,
    },
    /// More than 18 characters.
    TooLong {
        /// Characters entered.
        len: usize,
    },
    /// A character outside `0-9 A-H J-N P-R T U W-Y`.
    BadCharacter {
        /// 1-based position.
        position: usize,
        /// The character found.
        ch: char,
    },
    /// Positions 3–8 (the administrative division) must be digits.
    DivisionNotDigit {
        /// 1-based position.
        position: usize,
        /// The character found.
        ch: char,
    },
    /// The check character does not match; a person may override this.
    Checksum {
        /// The check character the first 17 characters give.
        expected: char,
        /// The check character entered.
        got: char,
    },
}

impl CreditCodeError {
    /// Whether a person may review and override this error
    /// (with [`CreditCode::parse_unchecked_checksum`]).
    #[must_use]
    pub fn is_overridable(&self) -> bool {
        matches!(self, Self::Checksum { .. })
    }
}

impl Localized for CreditCodeError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "credit_code.empty",
            Self::TooShort { .. } => "credit_code.too_short",
            Self::TooLong { .. } => "credit_code.too_long",
            Self::BadCharacter { .. } => "credit_code.bad_character",
            Self::DivisionNotDigit { .. } => "credit_code.division_not_digit",
            Self::Checksum { .. } => "credit_code.checksum",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Self::Empty, Lang::Zh) => "请填写统一社会信用代码。".into(),
            (Self::Empty, Lang::En) => "The unified social credit code is empty.".into(),
            (Self::TooShort { len }, Lang::Zh) => {
                format!("统一社会信用代码应为18位，只填写了{len}位。")
            }
            (Self::TooShort { len }, Lang::En) => {
                format!("A unified social credit code has 18 characters; only {len} were entered.")
            }
            (Self::TooLong { len }, Lang::Zh) => {
                format!("统一社会信用代码应为18位，填写了{len}位。")
            }
            (Self::TooLong { len }, Lang::En) => {
                format!("A unified social credit code has 18 characters; {len} were entered.")
            }
            (Self::BadCharacter { position, ch }, Lang::Zh) => format!(
                "统一社会信用代码第{position}位“{ch}”无效：只能是数字或除I、O、S、V、Z以外的大写字母。"
            ),
            (Self::BadCharacter { position, ch }, Lang::En) => format!(
                "Character {position} of the credit code, '{ch}', is not allowed: only digits and \
                 capital letters other than I, O, S, V and Z."
            ),
            (Self::DivisionNotDigit { position, ch }, Lang::Zh) => format!(
                "统一社会信用代码第3至8位是行政区划代码，只能是数字；第{position}位是“{ch}”。"
            ),
            (Self::DivisionNotDigit { position, ch }, Lang::En) => format!(
                "Characters 3 to 8 of the credit code are the division code and must be digits; \
                 character {position} is '{ch}'."
            ),
            (Self::Checksum { expected, got }, Lang::Zh) => format!(
                "统一社会信用代码校验位不正确：最后一位应为“{expected}”，填写的是“{got}”。\
                 如确认代码无误，可提交人工复核。"
            ),
            (Self::Checksum { expected, got }, Lang::En) => format!(
                "The credit code's check character is wrong: the first 17 characters give \
                 '{expected}', not '{got}'. If the code is right as written, ask for a manual review."
            ),
        }
    }
}

error_display_via_localized!(CreditCodeError);

fn value(c: char) -> Option<u32> {
    CHARSET.iter().position(|&b| char::from(b) == c).map(|i| {
        // i < 31.
        i as u32
    })
}

/// The check character for the first 17 characters (all in [`CHARSET`]).
fn check_char(first17: &[char]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| value(c).unwrap_or(0) * w)
        .sum();
    // (31 - sum % 31) % 31 is 0..=30: in range.
    char::from(CHARSET[((31 - sum % 31) % 31) as usize])
}

impl CreditCode {
    /// Parses a code strictly: a wrong check character is an error.
    /// White space is ignored, letters are upper-cased, full-width forms folded.
    ///
    /// # Errors
    /// One [`CreditCodeError`] variant per way the input is wrong.
    pub fn parse(s: &str) -> Result<Self, CreditCodeError> {
        match Self::parse_unchecked_checksum(s)? {
            (code, ChecksumStatus::Valid) => Ok(code),
            (_, ChecksumStatus::Overridden { expected, got }) => {
                Err(CreditCodeError::Checksum { expected, got })
            }
        }
    }

    /// The override path: like [`CreditCode::parse`], but a wrong check
    /// character is accepted and reported as [`ChecksumStatus::Overridden`],
    /// which the caller must record. Call it only when a person has asked to
    /// override (or to load a code stored after such an override).
    ///
    /// # Errors
    /// Every [`CreditCodeError`] except `Checksum`.
    pub fn parse_unchecked_checksum(s: &str) -> Result<(Self, ChecksumStatus), CreditCodeError> {
        let chars = clean(s, char::is_whitespace);
        let len = chars.len();
        if len == 0 {
            return Err(CreditCodeError::Empty);
        }
        for (i, &ch) in chars.iter().enumerate().take(LEN) {
            if value(ch).is_none() {
                return Err(CreditCodeError::BadCharacter {
                    position: i + 1,
                    ch,
                });
            }
            if DIVISION.contains(&i) && !ch.is_ascii_digit() {
                return Err(CreditCodeError::DivisionNotDigit {
                    position: i + 1,
                    ch,
                });
            }
        }
        if len < LEN {
            return Err(CreditCodeError::TooShort { len });
        }
        if len > LEN {
            return Err(CreditCodeError::TooLong { len });
        }
        let expected = check_char(&chars[..17]);
        let got = chars[17];
        let status = if expected == got {
            ChecksumStatus::Valid
        } else {
            ChecksumStatus::Overridden { expected, got }
        };
        Ok((CreditCode(chars.into_iter().collect()), status))
    }

    /// The 18 characters.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the check character is right (false only for a code accepted
    /// through the override path).
    #[must_use]
    pub fn checksum_valid(&self) -> bool {
        let chars: Vec<char> = self.0.chars().collect();
        check_char(&chars[..17]) == chars[17]
    }

    /// Position 1: the registration authority (`9` = market regulation, …).
    #[must_use]
    pub fn registration_authority(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }

    /// Position 2: the organisation type.
    #[must_use]
    pub fn organisation_type(&self) -> char {
        char::from(self.0.as_bytes()[1])
    }

    /// Positions 3–8: the administrative division digits as written.
    #[must_use]
    pub fn division_digits(&self) -> &str {
        &self.0[DIVISION]
    }

    /// Positions 3–8 as a [`DivisionCode`], if they form one (national-level
    /// registrations use `100000`, which is not a division).
    #[must_use]
    pub fn division_code(&self) -> Option<DivisionCode> {
        DivisionCode::parse(self.division_digits()).ok()
    }

    /// Positions 9–17: the organisation code (GB 11714).
    #[must_use]
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.0)
    }
}

parse_impls!(
    CreditCode,
    CreditCodeError,
    "an 18-character unified social credit code"
);
string_impls!(CreditCode);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn weights_are_powers_of_three() {
        let mut w = 1u32;
        for expected in WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn valid_vectors() {
        for v in ["91350100M000100Y43", "9131000063159284XQ"] {
            let c = CreditCode::parse(v).unwrap_or_else(|e| panic!("{v}: {e}"));
            assert_eq!(c.as_str(), v);
            assert!(c.checksum_valid());
            assert_eq!(
                CreditCode::parse_unchecked_checksum(v),
                Ok((c, ChecksumStatus::Valid))
            );
        }
    }

    #[test]
    fn invalid_vector_and_override() {
        let v = "91350100M000100Y4Z";
        // Z is not in the character set: not a checksum failure, not overridable.
        let err = CreditCode::parse(v).expect_err("invalid");
        assert_eq!(
            err,
            CreditCodeError::BadCharacter {
                position: 18,
                ch: 'Z'
            }
        );
        assert!(!err.is_overridable());
        assert_eq!(CreditCode::parse_unchecked_checksum(v), Err(err));

        // A wrong check character from the set is overridable, and recorded.
        let v = "91350100M000100Y44";
        let err = CreditCode::parse(v).expect_err("bad checksum");
        assert_eq!(
            err,
            CreditCodeError::Checksum {
                expected: '3',
                got: '4'
            }
        );
        assert!(err.is_overridable());
        let (code, status) = CreditCode::parse_unchecked_checksum(v).expect("override");
        assert_eq!(
            status,
            ChecksumStatus::Overridden {
                expected: '3',
                got: '4'
            }
        );
        assert_eq!(code.as_str(), v);
        assert!(!code.checksum_valid());
        // Strict deserialisation still refuses it.
        assert!(serde_json::from_str::<CreditCode>("\"91350100M000100Y44\"").is_err());
    }

    #[test]
    fn parts() {
        let c = CreditCode::parse("91350100M000100Y43").expect("valid");
        assert_eq!(c.registration_authority(), '9');
        assert_eq!(c.organisation_type(), '1');
        assert_eq!(c.division_digits(), "350100");
        assert_eq!(
            c.division_code().map(|d| d.to_string()).as_deref(),
            Some("350100")
        );
        assert_eq!(c.organisation_code(), "M000100Y4");
    }

    #[test]
    fn normalisation() {
        let c = CreditCode::parse(" 9131 0000 6315 9284 xq ").expect("valid");
        assert_eq!(c.as_str(), "9131000063159284XQ");
        let c = CreditCode::parse("９１３１００００６３１５９２８４ＸＱ").expect("valid");
        assert_eq!(c.as_str(), "9131000063159284XQ");
    }

    #[test]
    fn errors() {
        use CreditCodeError as E;
        assert_eq!(CreditCode::parse(""), Err(E::Empty));
        assert_eq!(CreditCode::parse("9135"), Err(E::TooShort { len: 4 }));
        assert_eq!(
            CreditCode::parse("91350100M000100Y430"),
            Err(E::TooLong { len: 19 })
        );
        for (s, position, ch) in [
            ("91350100I000100Y43", 9, 'I'),
            ("91350100O000100Y43", 9, 'O'),
            ("S1350100M000100Y43", 1, 'S'),
            ("91350100M00V100Y43", 12, 'V'),
            ("91350100M000-00Y43", 13, '-'),
        ] {
            assert_eq!(
                CreditCode::parse(s),
                Err(E::BadCharacter { position, ch }),
                "{s}"
            );
        }
        assert_eq!(
            CreditCode::parse("9135A100M000100Y43"),
            Err(E::DivisionNotDigit {
                position: 5,
                ch: 'A'
            })
        );
    }

    #[test]
    fn error_messages_and_codes() {
        let all = [
            CreditCodeError::Empty,
            CreditCodeError::TooShort { len: 3 },
            CreditCodeError::TooLong { len: 20 },
            CreditCodeError::BadCharacter {
                position: 1,
                ch: 'I',
            },
            CreditCodeError::DivisionNotDigit {
                position: 3,
                ch: 'A',
            },
            CreditCodeError::Checksum {
                expected: '3',
                got: '4',
            },
        ];
        let mut codes: Vec<_> = all.iter().map(Localized::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        for e in &all {
            assert!(e.code().starts_with("credit_code."));
            assert!(!e.message(Lang::Zh).is_empty());
            assert_eq!(e.to_string(), e.message(Lang::En));
            assert_ne!(e.message(Lang::Zh), e.message(Lang::En));
        }
    }

    #[test]
    fn serde_round_trip() {
        let c = CreditCode::parse("9131000063159284XQ").expect("valid");
        let json = serde_json::to_string(&c).expect("serialises");
        assert_eq!(json, "\"9131000063159284XQ\"");
        let back: CreditCode = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, c);
        assert_eq!("9131000063159284XQ".parse::<CreditCode>(), Ok(c));
    }

    fn charset_char() -> impl Strategy<Value = char> {
        proptest::sample::select(CHARSET.iter().map(|&b| char::from(b)).collect::<Vec<_>>())
    }

    prop_compose! {
        fn valid_body()(
            head in proptest::collection::vec(charset_char(), 2),
            division in "[0-9]{6}",
            org in proptest::collection::vec(charset_char(), 9),
        ) -> Vec<char> {
            head.into_iter().chain(division.chars()).chain(org).collect()
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = CreditCode::parse(&s);
            let _ = CreditCode::parse_unchecked_checksum(&s);
        }

        #[test]
        fn generated_valid_codes_round_trip(body in valid_body()) {
            let check = check_char(&body);
            let full: String = body.iter().copied().chain([check]).collect();
            let code = CreditCode::parse(&full.to_lowercase()).expect("generated code is valid");
            prop_assert_eq!(code.as_str(), full.as_str());
            prop_assert!(code.checksum_valid());
            prop_assert_eq!(CreditCode::parse(code.as_str()).expect("round trip"), code);
        }

        #[test]
        fn a_changed_character_is_detected(body in valid_body(), pos in 0usize..18, delta in 1usize..31) {
            let check = check_char(&body);
            let mut chars: Vec<char> = body.into_iter().chain([check]).collect();
            let v = value(chars[pos]).expect("in set") as usize;
            chars[pos] = char::from(CHARSET[(v + delta) % 31]);
            let s: String = chars.into_iter().collect();
            prop_assert!(CreditCode::parse(&s).is_err());
        }
    }
}
