//! Resident identity numbers (GB 11643-1999).
//!
//! An [`IdNumber`] is personal data: its `Debug` and `Display` print only the
//! masked form, it has no `Serialize` (serialise a [`MaskedId`] instead), and
//! the full number is reachable only through [`IdNumber::expose`], which
//! callers use where the full number is needed (sealing it for storage,
//! sending it to a registry) and audit.
//!
//! Masking keeps the first 3 and the last 2 characters (`110*************2X`),
//! the rule stated in VALIDATION.md. Its example `110***********002X` keeps 4
//! at the end, contradicting the rule; the rule wins because it reveals less
//! (the last four include the sequence number). Both counts are constants
//! ([`IdNumber::MASK_KEEP_START`], [`IdNumber::MASK_KEEP_END`]).

use std::fmt;

use serde::Serialize;
use time::{Date, Month};

use super::division::{DivisionCode, province_name};
use super::{clean, error_display_via_localized, parse_impls, today_in_china};
use crate::i18n::{Lang, Localized};

const LEN: usize = 18;
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";
/// Earliest birth year accepted (the oldest test vector is 1880).
const MIN_BIRTH_YEAR: i32 = 1800;

/// A resident identity number, checked for form (length, characters, province,
/// a real past birth date, check character). A checksum proves the form, not
/// the person: real-name checks go to a registry.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    /// 18 ASCII characters, check character upper-case.
    number: String,
    birth: Date,
}

/// Sex recorded in an identity number (odd sequence = male).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// Odd sequence number.
    Male,
    /// Even sequence number.
    Female,
}

/// Why an identity number was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdNumberError {
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
    /// A character other than a digit in positions 1–17, or other than a
    /// digit or X in position 18.
    BadCharacter {
        /// 1-based position.
        position: usize,
        /// The character found.
        ch: char,
    },
    /// The address code starts with no known province code.
    UnknownProvince {
        /// The first two digits.
        province: String,
    },
    /// Positions 7–14 are not a real calendar date.
    InvalidBirthDate {
        /// The eight digits, `YYYYMMDD`.
        date: String,
    },
    /// The birth date is implausibly early (before 1800).
    BirthDateTooEarly {
        /// The eight digits, `YYYYMMDD`.
        date: String,
    },
    /// The birth date is after today.
    FutureBirthDate {
        /// The eight digits, `YYYYMMDD`.
        date: String,
    },
    /// The check character does not match the first 17 digits.
    Checksum {
        /// The check character the first 17 digits give.
        expected: char,
        /// The check character entered.
        got: char,
    },
}

impl Localized for IdNumberError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "id_number.empty",
            Self::TooShort { .. } => "id_number.too_short",
            Self::TooLong { .. } => "id_number.too_long",
            Self::BadCharacter { .. } => "id_number.bad_character",
            Self::UnknownProvince { .. } => "id_number.unknown_province",
            Self::InvalidBirthDate { .. } => "id_number.invalid_birth_date",
            Self::BirthDateTooEarly { .. } => "id_number.birth_date_too_early",
            Self::FutureBirthDate { .. } => "id_number.future_birth_date",
            Self::Checksum { .. } => "id_number.checksum",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Self::Empty, Lang::Zh) => "请填写身份证号码。".into(),
            (Self::Empty, Lang::En) => "The ID number is empty.".into(),
            (Self::TooShort { len }, Lang::Zh) => {
                format!("身份证号码应为18位，只填写了{len}位。")
            }
            (Self::TooShort { len }, Lang::En) => {
                format!("An ID number has 18 characters; only {len} were entered.")
            }
            (Self::TooLong { len }, Lang::Zh) => {
                format!("身份证号码应为18位，填写了{len}位。")
            }
            (Self::TooLong { len }, Lang::En) => {
                format!("An ID number has 18 characters; {len} were entered.")
            }
            (Self::BadCharacter { position, ch }, Lang::Zh) => {
                if *position == LEN {
                    format!("身份证号码第18位“{ch}”无效，只能是数字或X。")
                } else {
                    format!("身份证号码第{position}位“{ch}”无效，只能是数字。")
                }
            }
            (Self::BadCharacter { position, ch }, Lang::En) => {
                if *position == LEN {
                    format!("Character 18 of the ID number, '{ch}', must be a digit or X.")
                } else {
                    format!("Character {position} of the ID number, '{ch}', must be a digit.")
                }
            }
            (Self::UnknownProvince { province }, Lang::Zh) => {
                format!("身份证号码开头的“{province}”不是有效的省级行政区划代码。")
            }
            (Self::UnknownProvince { province }, Lang::En) => {
                format!("The ID number starts with '{province}', which is not a province code.")
            }
            (Self::InvalidBirthDate { date }, Lang::Zh) => {
                format!("身份证号码中的出生日期“{date}”不是有效日期。")
            }
            (Self::InvalidBirthDate { date }, Lang::En) => {
                format!("The birth date in the ID number, {date}, is not a real date.")
            }
            (Self::BirthDateTooEarly { date }, Lang::Zh) => {
                format!("身份证号码中的出生日期“{date}”早于{MIN_BIRTH_YEAR}年，请核对。")
            }
            (Self::BirthDateTooEarly { date }, Lang::En) => {
                format!(
                    "The birth date in the ID number, {date}, is before {MIN_BIRTH_YEAR}; please check it."
                )
            }
            (Self::FutureBirthDate { date }, Lang::Zh) => {
                format!("身份证号码中的出生日期“{date}”晚于今天。")
            }
            (Self::FutureBirthDate { date }, Lang::En) => {
                format!("The birth date in the ID number, {date}, is in the future.")
            }
            (Self::Checksum { expected, got }, Lang::Zh) => format!(
                "身份证号码校验位不正确：最后一位应为“{expected}”，填写的是“{got}”。请检查是否有输错的数字。"
            ),
            (Self::Checksum { expected, got }, Lang::En) => format!(
                "The ID number's check character is wrong: the first 17 digits give '{expected}', \
                 not '{got}'. Please check for a mistyped digit."
            ),
        }
    }
}

error_display_via_localized!(IdNumberError);

/// The check character for the first 17 digits (ASCII `0`–`9`).
fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    // sum % 11 is 0..=10: always in range.
    CHECK_CHARS[(sum % 11) as usize]
}

fn digits_value(d: &[u8]) -> u32 {
    d.iter().fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
}

impl IdNumber {
    /// Characters kept at the start by [`IdNumber::masked`].
    pub const MASK_KEEP_START: usize = 3;
    /// Characters kept at the end by [`IdNumber::masked`].
    pub const MASK_KEEP_END: usize = 2;

    /// Parses an ID number, checking the birth date against today's date in
    /// China. White space is ignored, a lowercase `x` accepted and stored as
    /// `X`, full-width digits folded.
    ///
    /// # Errors
    /// One [`IdNumberError`] variant per way the input is wrong.
    pub fn parse(s: &str) -> Result<Self, IdNumberError> {
        Self::parse_at(s, today_in_china())
    }

    /// Parses an ID number whose birth date must not be after `today`.
    ///
    /// # Errors
    /// One [`IdNumberError`] variant per way the input is wrong.
    pub fn parse_at(s: &str, today: Date) -> Result<Self, IdNumberError> {
        let chars = clean(s, char::is_whitespace);
        let len = chars.len();
        if len == 0 {
            return Err(IdNumberError::Empty);
        }
        for (i, &ch) in chars.iter().enumerate().take(LEN) {
            let ok = ch.is_ascii_digit() || (i == LEN - 1 && ch == 'X');
            if !ok {
                return Err(IdNumberError::BadCharacter {
                    position: i + 1,
                    ch,
                });
            }
        }
        if len < LEN {
            return Err(IdNumberError::TooShort { len });
        }
        if len > LEN {
            return Err(IdNumberError::TooLong { len });
        }
        // All ASCII (checked above).
        let number: String = chars.into_iter().collect();
        let b = number.as_bytes();

        let province = &number[..2];
        if province_name(province).is_none() {
            return Err(IdNumberError::UnknownProvince {
                province: province.to_owned(),
            });
        }

        let date = &number[6..14];
        let bad_date = || IdNumberError::InvalidBirthDate {
            date: date.to_owned(),
        };
        // At most 9999: fits in i32.
        let year = digits_value(&b[6..10]) as i32;
        let month = u8::try_from(digits_value(&b[10..12])).map_err(|_| bad_date())?;
        let day = u8::try_from(digits_value(&b[12..14])).map_err(|_| bad_date())?;
        let month = Month::try_from(month).map_err(|_| bad_date())?;
        let birth = Date::from_calendar_date(year, month, day).map_err(|_| bad_date())?;
        if year < MIN_BIRTH_YEAR {
            return Err(IdNumberError::BirthDateTooEarly {
                date: date.to_owned(),
            });
        }
        if birth > today {
            return Err(IdNumberError::FutureBirthDate {
                date: date.to_owned(),
            });
        }

        let expected = check_char(&b[..17]);
        if b[17] != expected {
            return Err(IdNumberError::Checksum {
                expected: char::from(expected),
                got: char::from(b[17]),
            });
        }
        Ok(IdNumber { number, birth })
    }

    /// The full 18-character number. Every use outside sealing and look-up
    /// hashing is a read of personal data and must be audited by the caller;
    /// never put it in a URL or a log line.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.number
    }

    /// The masked form, e.g. `110*************2X`.
    #[must_use]
    pub fn masked(&self) -> MaskedId {
        let mut m = String::with_capacity(LEN);
        m.push_str(&self.number[..Self::MASK_KEEP_START]);
        m.extend(std::iter::repeat_n(
            '*',
            LEN - Self::MASK_KEEP_START - Self::MASK_KEEP_END,
        ));
        m.push_str(&self.number[LEN - Self::MASK_KEEP_END..]);
        MaskedId(m)
    }

    /// The birth date (positions 7–14).
    #[must_use]
    pub fn birth_date(&self) -> Date {
        self.birth
    }

    /// Sex from the parity of the sequence number (odd = male).
    #[must_use]
    pub fn sex(&self) -> Sex {
        if (self.number.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The address code (positions 1–6), a GB/T 2260 division code at the
    /// time of issue (it may since have been abolished or renumbered).
    #[must_use]
    pub fn division_code(&self) -> DivisionCode {
        let mut d = [0u8; 6];
        d.copy_from_slice(&self.number.as_bytes()[..6]);
        // Six ASCII digits whose province parse_at checked.
        DivisionCode::from_checked_digits(d)
    }
}

impl fmt::Display for IdNumber {
    /// Masked: never the full number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.masked().as_str())
    }
}

impl fmt::Debug for IdNumber {
    /// Masked: never the full number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked().as_str())
    }
}

parse_impls!(IdNumber, IdNumberError, "an 18-character ID number");

/// A masked ID number such as `110*************2X`: safe to show, log and
/// serialise. It cannot be turned back into an [`IdNumber`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct MaskedId(String);

impl MaskedId {
    /// The masked text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MaskedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for MaskedId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u8, d: u8) -> Date {
        Date::from_calendar_date(y, Month::try_from(m).expect("month"), d).expect("date")
    }

    fn today() -> Date {
        date(2026, 11, 21)
    }

    fn parse(s: &str) -> Result<IdNumber, IdNumberError> {
        IdNumber::parse_at(s, today())
    }

    /// Completes 17 digits with their check character.
    fn with_check(first17: &str) -> String {
        let c = char::from(check_char(first17.as_bytes()));
        format!("{first17}{c}")
    }

    #[test]
    fn valid_vectors() {
        for v in [
            "11010519491231002X",
            "440524188001010014",
            "34052419800101001X",
        ] {
            let id = parse(v).unwrap_or_else(|e| panic!("{v}: {e}"));
            assert_eq!(id.expose(), v);
            // The current-date entry point agrees.
            assert_eq!(IdNumber::parse(v), Ok(id));
        }
    }

    #[test]
    fn invalid_checksum_vector() {
        assert_eq!(
            parse("340524198001010013"),
            Err(IdNumberError::Checksum {
                expected: 'X',
                got: '3'
            })
        );
    }

    #[test]
    fn accessors() {
        let id = parse("11010519491231002X").expect("valid");
        assert_eq!(id.birth_date(), date(1949, 12, 31));
        assert_eq!(id.sex(), Sex::Female); // sequence 002
        assert_eq!(id.division_code().as_str(), "110105");
        let id = parse("440524188001010014").expect("valid");
        assert_eq!(id.birth_date(), date(1880, 1, 1));
        assert_eq!(id.sex(), Sex::Male); // sequence 001
        assert_eq!(id.division_code().as_str(), "440524");
        assert!(
            id.division_code()
                .is_within(&"440000".parse().expect("valid"))
        );
    }

    #[test]
    fn normalisation() {
        let id = parse("11010519491231002x").expect("lowercase x accepted");
        assert_eq!(id.expose(), "11010519491231002X");
        let id = parse(" 110105 19491231 002X\t").expect("spaces stripped");
        assert_eq!(id.expose(), "11010519491231002X");
        let id = parse("１１０１０５１９４９１２３１００２ｘ").expect("full width folded");
        assert_eq!(id.expose(), "11010519491231002X");
    }

    #[test]
    fn masking() {
        let id = parse("11010519491231002X").expect("valid");
        assert_eq!(id.masked().as_str(), "110*************2X");
        assert_eq!(id.masked().as_str().chars().count(), 18);
        assert_eq!(id.to_string(), "110*************2X");
        assert_eq!(format!("{id:?}"), "IdNumber(110*************2X)");
        assert!(!format!("{id:?} {id} {:#?}", id).contains("19491231"));
        assert_eq!(
            serde_json::to_string(&id.masked()).expect("serialises"),
            "\"110*************2X\""
        );
        assert_eq!(id.masked().to_string(), id.masked().as_ref());
    }

    #[test]
    fn dates() {
        // 1949-02-31 does not exist.
        assert_eq!(
            parse(&with_check("11010519490231002")),
            Err(IdNumberError::InvalidBirthDate {
                date: "19490231".into()
            })
        );
        for bad in ["19491301", "19490001", "19490100", "19000229"] {
            let body = format!("110105{bad}002");
            assert_eq!(
                parse(&with_check(&body)),
                Err(IdNumberError::InvalidBirthDate { date: bad.into() }),
                "{bad}"
            );
        }
        // 2000-02-29 exists (leap year).
        assert!(parse(&with_check("11010520000229002")).is_ok());
        // Born today: fine. Born tomorrow: future.
        assert!(parse(&with_check("11010520261121002")).is_ok());
        assert_eq!(
            parse(&with_check("11010520261122002")),
            Err(IdNumberError::FutureBirthDate {
                date: "20261122".into()
            })
        );
        // Relative to the supplied today, not the clock.
        assert!(IdNumber::parse_at(&with_check("11010520261122002"), date(2026, 11, 22)).is_ok());
        assert_eq!(
            parse(&with_check("11010517991231002")),
            Err(IdNumberError::BirthDateTooEarly {
                date: "17991231".into()
            })
        );
    }

    #[test]
    fn errors() {
        use IdNumberError as E;
        assert_eq!(parse(""), Err(E::Empty));
        assert_eq!(parse(" \t "), Err(E::Empty));
        assert_eq!(parse("1101051949"), Err(E::TooShort { len: 10 }));
        assert_eq!(parse("11010519491231002X1"), Err(E::TooLong { len: 19 }));
        assert_eq!(
            parse("1101051949123100X2"),
            Err(E::BadCharacter {
                position: 17,
                ch: 'X'
            })
        );
        assert_eq!(
            parse("11010519491231002Y"),
            Err(E::BadCharacter {
                position: 18,
                ch: 'Y'
            })
        );
        assert_eq!(
            parse("11010519491231-02X"),
            Err(E::BadCharacter {
                position: 15,
                ch: '-'
            })
        );
        assert_eq!(
            parse(&with_check("99010519491231002")),
            Err(E::UnknownProvince {
                province: "99".into()
            })
        );
    }

    #[test]
    fn error_messages_and_codes() {
        let all = [
            IdNumberError::Empty,
            IdNumberError::TooShort { len: 3 },
            IdNumberError::TooLong { len: 19 },
            IdNumberError::BadCharacter {
                position: 3,
                ch: 'a',
            },
            IdNumberError::UnknownProvince {
                province: "99".into(),
            },
            IdNumberError::InvalidBirthDate {
                date: "19490231".into(),
            },
            IdNumberError::BirthDateTooEarly {
                date: "17000101".into(),
            },
            IdNumberError::FutureBirthDate {
                date: "20991231".into(),
            },
            IdNumberError::Checksum {
                expected: 'X',
                got: '3',
            },
        ];
        let mut codes: Vec<_> = all.iter().map(Localized::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        for e in &all {
            assert!(e.code().starts_with("id_number."));
            assert!(!e.message(Lang::Zh).is_empty());
            assert_eq!(e.to_string(), e.message(Lang::En));
            assert_ne!(e.message(Lang::Zh), e.message(Lang::En));
        }
        // Position 18 has its own wording.
        let last = IdNumberError::BadCharacter {
            position: 18,
            ch: 'Y',
        };
        assert!(last.to_string().contains("digit or X"));
        assert!(last.message(Lang::Zh).contains("数字或X"));
    }

    #[test]
    fn serde_and_fromstr() {
        let id: IdNumber = serde_json::from_str("\"11010519491231002x\"").expect("valid");
        assert_eq!(id.expose(), "11010519491231002X");
        let err =
            serde_json::from_str::<IdNumber>("\"340524198001010013\"").expect_err("bad checksum");
        assert!(err.to_string().contains("check character"));
        let id2: IdNumber = "11010519491231002X".parse().expect("valid");
        assert_eq!(id, id2);
    }

    prop_compose! {
        fn valid_body()(
            province in proptest::sample::select(PROVINCES_FOR_TEST),
            rest in "[0-9]{4}",
            days in 0i64..(365 * 126),
            seq in "[0-9]{3}",
        ) -> String {
            let birth = date(1900, 1, 1) + time::Duration::days(days);
            let birth = birth.min(today());
            format!(
                "{province}{rest}{:04}{:02}{:02}{seq}",
                birth.year(),
                u8::from(birth.month()),
                birth.day()
            )
        }
    }

    const PROVINCES_FOR_TEST: &[&str] = &["11", "15", "37", "44", "65", "81", "83"];

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }

        #[test]
        fn never_panics_on_near_misses(s in "[0-9xX ]{15,20}") {
            let _ = parse(&s);
        }

        #[test]
        fn generated_valid_numbers_round_trip(body in valid_body(), lower in any::<bool>()) {
            let full = with_check(&body);
            let input = if lower { full.to_lowercase() } else { full.clone() };
            let id = parse(&input).expect("generated number is valid");
            prop_assert_eq!(id.expose(), full.as_str());
            let again = parse(id.expose()).expect("round trip");
            prop_assert_eq!(&again, &id);
            prop_assert!(!id.to_string().contains(&body[6..14]));
        }

        #[test]
        fn a_changed_digit_is_detected(body in valid_body(), pos in 0usize..18, delta in 1u8..10) {
            let full = with_check(&body);
            let mut b = full.into_bytes();
            if b[pos] == b'X' {
                b[pos] = b'0' + delta;
            } else {
                b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            }
            let s = String::from_utf8(b).expect("ascii");
            prop_assert!(parse(&s).is_err());
        }
    }
}
