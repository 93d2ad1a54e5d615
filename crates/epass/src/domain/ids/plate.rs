//! Vehicle plates (GA 36-2018), in the forms the UI and API accept.
//!
//! Input normalisation: white space, middle dots (`·`, `•`, `・`, `‧`, `⋅`)
//! and hyphens are stripped, Latin letters upper-cased, full-width forms
//! folded. The canonical form is the bare characters, `京A12345`.
//!
//! Every character set lives in [`charset`]: an amendment to the standard is
//! one edit there.

use std::fmt;

use super::{clean, error_display_via_localized, parse_impls, string_impls};
use crate::i18n::{Lang, Localized};

/// The character sets of GA 36-2018 as epass accepts them.
pub mod charset {
    use super::{NewEnergyPower, PlateKind};

    /// Province abbreviations that start a plate.
    pub const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
    /// Latin letters never used on plates (confused with 1 and 0).
    pub const EXCLUDED_LETTERS: &str = "IO";
    /// Characters that may replace the last serial character of an ordinary
    /// plate, with the kind they make.
    pub const SUFFIXES: &[(char, PlateKind)] = &[
        ('挂', PlateKind::Trailer),
        ('学', PlateKind::Learner),
        ('警', PlateKind::Police),
        ('港', PlateKind::HongKong),
        ('澳', PlateKind::Macao),
    ];
    /// New-energy markers (the 3rd character of a small plate, the 8th of a
    /// large one).
    pub const NEW_ENERGY_MARKS: &[(char, NewEnergyPower)] = &[
        ('D', NewEnergyPower::PureElectric),
        ('F', NewEnergyPower::Other),
    ];
    /// Characters stripped from input besides white space: middle dots and
    /// hyphens.
    pub const STRIPPED: &str = "·•・‧⋅-";
    /// Serial length of an ordinary plate (after province and office letter).
    pub const ORDINARY_SERIAL_LEN: usize = 5;
    /// Serial length of a new-energy plate.
    pub const NEW_ENERGY_SERIAL_LEN: usize = 6;

    /// A province abbreviation.
    #[must_use]
    pub fn is_province(c: char) -> bool {
        PROVINCES.contains(c)
    }

    /// An upper-case Latin letter allowed on plates (A–Z without I, O).
    #[must_use]
    pub fn is_letter(c: char) -> bool {
        c.is_ascii_uppercase() && !EXCLUDED_LETTERS.contains(c)
    }

    /// A serial character: a digit or an allowed letter.
    #[must_use]
    pub fn is_serial(c: char) -> bool {
        c.is_ascii_digit() || is_letter(c)
    }

    /// The kind a suffix character makes, if it is one.
    #[must_use]
    pub fn suffix(c: char) -> Option<PlateKind> {
        SUFFIXES.iter().find(|(s, _)| *s == c).map(|(_, k)| *k)
    }

    /// The power a new-energy marker stands for, if it is one.
    #[must_use]
    pub fn new_energy_mark(c: char) -> Option<NewEnergyPower> {
        NEW_ENERGY_MARKS
            .iter()
            .find(|(m, _)| *m == c)
            .map(|(_, p)| *p)
    }
}

const ORDINARY_LEN: usize = 2 + charset::ORDINARY_SERIAL_LEN;
const NEW_ENERGY_LEN: usize = 2 + charset::NEW_ENERGY_SERIAL_LEN;

/// What kind of plate a [`Plate`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlateKind {
    /// `京A12345`
    Ordinary,
    /// `鲁K1234挂`
    Trailer,
    /// `京A1234学` (driving-school vehicle)
    Learner,
    /// `京A1234警`
    Police,
    /// `粤Z1234港`
    HongKong,
    /// `粤Z1234澳`
    Macao,
    /// `粤BD12345`: 8 characters, marker third.
    NewEnergySmall,
    /// `沪A12345D`: 8 characters, marker last.
    NewEnergyLarge,
}

/// What powers a new-energy vehicle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NewEnergyPower {
    /// `D`: pure electric.
    PureElectric,
    /// `F`: other new energy (plug-in hybrid, fuel cell…).
    Other,
}

/// A vehicle plate in canonical form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Plate {
    text: String,
    kind: PlateKind,
}

/// Why a plate was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlateError {
    /// Nothing was entered.
    Empty,
    /// Fewer than 7 characters.
    TooShort {
        /// Characters entered (after stripping).
        len: usize,
    },
    /// More than 8 characters.
    TooLong {
        /// Characters entered (after stripping).
        len: usize,
    },
    /// The first character is not a province abbreviation.
    UnknownProvince {
        /// The character found.
        ch: char,
    },
    /// The second character is not an issuing-office letter (A–Z, no I or O).
    BadOfficeLetter {
        /// The character found.
        ch: char,
    },
    /// A serial character that is not a digit or an allowed letter
    /// (I and O are never used), or a suffix character not in last place.
    BadCharacter {
        /// 1-based position.
        position: usize,
        /// The character found.
        ch: char,
    },
    /// A new-energy plate needs digits where a letter was found.
    NewEnergyNotDigit {
        /// 1-based position.
        position: usize,
        /// The character found.
        ch: char,
    },
    /// 8 characters but no new-energy marker (D or F) third or last.
    NoNewEnergyMark,
}

impl Localized for PlateError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "plate.empty",
            Self::TooShort { .. } => "plate.too_short",
            Self::TooLong { .. } => "plate.too_long",
            Self::UnknownProvince { .. } => "plate.unknown_province",
            Self::BadOfficeLetter { .. } => "plate.bad_office_letter",
            Self::BadCharacter { .. } => "plate.bad_character",
            Self::NewEnergyNotDigit { .. } => "plate.new_energy_not_digit",
            Self::NoNewEnergyMark => "plate.no_new_energy_mark",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Self::Empty, Lang::Zh) => "请填写车牌号码。".into(),
            (Self::Empty, Lang::En) => "The plate number is empty.".into(),
            (Self::TooShort { len }, Lang::Zh) => {
                format!("车牌号码应为7位（新能源车8位），只填写了{len}位。")
            }
            (Self::TooShort { len }, Lang::En) => format!(
                "A plate has 7 characters (8 for new-energy vehicles); only {len} were entered."
            ),
            (Self::TooLong { len }, Lang::Zh) => {
                format!("车牌号码应为7位（新能源车8位），填写了{len}位。")
            }
            (Self::TooLong { len }, Lang::En) => {
                format!("A plate has 7 characters (8 for new-energy vehicles); {len} were entered.")
            }
            (Self::UnknownProvince { ch }, Lang::Zh) => {
                format!("车牌号码第一个字“{ch}”不是省份简称。")
            }
            (Self::UnknownProvince { ch }, Lang::En) => {
                format!("A plate starts with a province character such as 京 or 粤, not '{ch}'.")
            }
            (Self::BadOfficeLetter { ch }, Lang::Zh) => {
                format!("车牌号码第2位应为发牌机关代号字母（不含I、O），填写的是“{ch}”。")
            }
            (Self::BadOfficeLetter { ch }, Lang::En) => format!(
                "The second character of a plate is the issuing office letter (A–Z without I and O), \
                 not '{ch}'."
            ),
            (Self::BadCharacter { position, ch }, Lang::Zh) => format!(
                "车牌号码第{position}位“{ch}”无效：序号只能是数字或字母（不含I、O），挂、学、警、港、澳只能在最后一位。"
            ),
            (Self::BadCharacter { position, ch }, Lang::En) => format!(
                "Character {position} of the plate, '{ch}', is not allowed: serials use digits and \
                 letters other than I and O, and 挂, 学, 警, 港 or 澳 only come last."
            ),
            (Self::NewEnergyNotDigit { position, ch }, Lang::Zh) => {
                format!("新能源车牌第{position}位应为数字，填写的是“{ch}”。")
            }
            (Self::NewEnergyNotDigit { position, ch }, Lang::En) => {
                format!("Character {position} of a new-energy plate must be a digit, not '{ch}'.")
            }
            (Self::NoNewEnergyMark, Lang::Zh) => {
                "8位车牌是新能源车牌，第3位或最后一位应为D或F。".into()
            }
            (Self::NoNewEnergyMark, Lang::En) => {
                "An 8-character plate is a new-energy plate: its third or last character must be \
                 D or F."
                    .into()
            }
        }
    }
}

error_display_via_localized!(PlateError);

fn is_stripped(c: char) -> bool {
    c.is_whitespace() || charset::STRIPPED.contains(c)
}

/// Checks `chars[range]` (1-based positions reported) are digits.
fn require_digits(chars: &[char], from: usize, to: usize) -> Result<(), PlateError> {
    for (i, &ch) in chars.iter().enumerate().take(to).skip(from) {
        if !ch.is_ascii_digit() {
            return Err(if charset::is_serial(ch) {
                PlateError::NewEnergyNotDigit {
                    position: i + 1,
                    ch,
                }
            } else {
                PlateError::BadCharacter {
                    position: i + 1,
                    ch,
                }
            });
        }
    }
    Ok(())
}

impl Plate {
    /// Parses a plate.
    ///
    /// # Errors
    /// One [`PlateError`] variant per way the input is wrong.
    pub fn parse(s: &str) -> Result<Self, PlateError> {
        let chars = clean(s, is_stripped);
        let len = chars.len();
        let Some(&first) = chars.first() else {
            return Err(PlateError::Empty);
        };
        if !charset::is_province(first) {
            return Err(PlateError::UnknownProvince { ch: first });
        }
        if let Some(&office) = chars.get(1)
            && !charset::is_letter(office)
        {
            return Err(PlateError::BadOfficeLetter { ch: office });
        }
        // Serial characters: letters/digits, except a suffix in 7th place of
        // a 7-character plate. Checked before the length so `京AI2345`
        // reports the I rather than a length.
        let last_ordinary = ORDINARY_LEN - 1;
        for (i, &ch) in chars.iter().enumerate().skip(2) {
            let ok = charset::is_serial(ch)
                || (i == last_ordinary && len == ORDINARY_LEN && charset::suffix(ch).is_some());
            if !ok {
                return Err(PlateError::BadCharacter {
                    position: i + 1,
                    ch,
                });
            }
        }
        if len < ORDINARY_LEN {
            return Err(PlateError::TooShort { len });
        }
        if len > NEW_ENERGY_LEN {
            return Err(PlateError::TooLong { len });
        }
        let kind = if len == ORDINARY_LEN {
            charset::suffix(chars[last_ordinary]).unwrap_or(PlateKind::Ordinary)
        } else {
            Self::new_energy_kind(&chars)?
        };
        Ok(Plate {
            text: chars.into_iter().collect(),
            kind,
        })
    }

    /// Small: `[DF][A-HJ-NP-Z0-9][0-9]{4}`; large: `[0-9]{5}[DF]`. Serial
    /// characters have already been checked.
    fn new_energy_kind(chars: &[char]) -> Result<PlateKind, PlateError> {
        // A plate cannot fit both patterns (the small one ends in a digit,
        // the large one has a digit third), so the third character decides.
        if charset::new_energy_mark(chars[2]).is_some() {
            require_digits(chars, 4, NEW_ENERGY_LEN).map(|()| PlateKind::NewEnergySmall)
        } else if charset::new_energy_mark(chars[NEW_ENERGY_LEN - 1]).is_some() {
            require_digits(chars, 2, NEW_ENERGY_LEN - 1).map(|()| PlateKind::NewEnergyLarge)
        } else {
            Err(PlateError::NoNewEnergyMark)
        }
    }

    /// The canonical plate, `京A12345`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The kind of plate.
    #[must_use]
    pub fn kind(&self) -> PlateKind {
        self.kind
    }

    /// Whether this is an 8-character new-energy plate.
    #[must_use]
    pub fn is_new_energy(&self) -> bool {
        matches!(
            self.kind,
            PlateKind::NewEnergySmall | PlateKind::NewEnergyLarge
        )
    }

    /// For a new-energy plate, what powers the vehicle (D or F).
    #[must_use]
    pub fn new_energy_power(&self) -> Option<NewEnergyPower> {
        let chars: Vec<char> = self.text.chars().collect();
        match self.kind {
            PlateKind::NewEnergySmall => charset::new_energy_mark(chars[2]),
            PlateKind::NewEnergyLarge => charset::new_energy_mark(chars[NEW_ENERGY_LEN - 1]),
            _ => None,
        }
    }

    /// The province abbreviation, `京`.
    #[must_use]
    pub fn province(&self) -> char {
        // A plate is never empty.
        self.text.chars().next().unwrap_or_default()
    }

    /// The issuing-office letter, `A`.
    #[must_use]
    pub fn office(&self) -> char {
        // A plate has at least 7 characters.
        self.text.chars().nth(1).unwrap_or_default()
    }
}

impl fmt::Display for Plate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Plate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Plate({})", self.text)
    }
}

parse_impls!(Plate, PlateError, "a vehicle plate such as 京A12345");
string_impls!(Plate);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_vectors() {
        for (s, kind) in [
            ("京A12345", PlateKind::Ordinary),
            ("粤BD12345", PlateKind::NewEnergySmall),
            ("沪A12345D", PlateKind::NewEnergyLarge),
            ("鲁K1234挂", PlateKind::Trailer),
        ] {
            let p = Plate::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(p.as_str(), s);
            assert_eq!(p.kind(), kind, "{s}");
        }
    }

    #[test]
    fn invalid_vectors() {
        assert_eq!(
            Plate::parse("京AI2345"),
            Err(PlateError::BadCharacter {
                position: 3,
                ch: 'I'
            })
        );
        assert_eq!(
            Plate::parse("京A1234"),
            Err(PlateError::TooShort { len: 6 })
        );
        assert_eq!(
            Plate::parse("XA12345"),
            Err(PlateError::UnknownProvince { ch: 'X' })
        );
    }

    #[test]
    fn suffixes_and_new_energy() {
        for (s, kind) in [
            ("京A1234学", PlateKind::Learner),
            ("京A1234警", PlateKind::Police),
            ("粤Z1234港", PlateKind::HongKong),
            ("粤Z1234澳", PlateKind::Macao),
            ("京AF0236", PlateKind::Ordinary), // 7 chars: F is just a serial letter
            ("粤BDA1234", PlateKind::NewEnergySmall),
            ("粤BF12345", PlateKind::NewEnergySmall),
            ("沪A12345F", PlateKind::NewEnergyLarge),
        ] {
            let p = Plate::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(p.kind(), kind, "{s}");
        }
        let p = Plate::parse("粤BD12345").expect("valid");
        assert!(p.is_new_energy());
        assert_eq!(p.new_energy_power(), Some(NewEnergyPower::PureElectric));
        assert_eq!(p.province(), '粤');
        assert_eq!(p.office(), 'B');
        let p = Plate::parse("沪A12345F").expect("valid");
        assert!(p.is_new_energy());
        assert_eq!(p.new_energy_power(), Some(NewEnergyPower::Other));
        let p = Plate::parse("京A12345").expect("valid");
        assert!(!p.is_new_energy());
        assert_eq!(p.new_energy_power(), None);
        assert!(!Plate::parse("鲁K1234挂").expect("valid").is_new_energy());
    }

    #[test]
    fn normalisation() {
        for s in [
            "京A·12345",
            "京A•12345",
            "京 A 12345",
            "京a12345",
            "京A-12345",
            "京Ａ１２３４５",
            " 京A\u{3000}12345 ",
        ] {
            assert_eq!(
                Plate::parse(s).map(|p| p.to_string()).as_deref(),
                Ok("京A12345"),
                "{s}"
            );
        }
        assert_eq!(
            Plate::parse("粤b·d12345").map(|p| p.to_string()).as_deref(),
            Ok("粤BD12345")
        );
    }

    #[test]
    fn errors() {
        use PlateError as E;
        assert_eq!(Plate::parse(""), Err(E::Empty));
        assert_eq!(Plate::parse(" · "), Err(E::Empty));
        assert_eq!(Plate::parse("京"), Err(E::TooShort { len: 1 }));
        assert_eq!(Plate::parse("京A123456D"), Err(E::TooLong { len: 9 }));
        assert_eq!(
            Plate::parse("京I12345"),
            Err(E::BadOfficeLetter { ch: 'I' })
        );
        assert_eq!(
            Plate::parse("京112345"),
            Err(E::BadOfficeLetter { ch: '1' })
        );
        assert_eq!(
            Plate::parse("京A1234O"),
            Err(E::BadCharacter {
                position: 7,
                ch: 'O'
            })
        );
        // Suffix not in last place, or on an 8-character plate.
        assert_eq!(
            Plate::parse("京A12挂45"),
            Err(E::BadCharacter {
                position: 5,
                ch: '挂'
            })
        );
        assert_eq!(
            Plate::parse("京AD1234挂"),
            Err(E::BadCharacter {
                position: 8,
                ch: '挂'
            })
        );
        assert_eq!(
            Plate::parse("京A1234$"),
            Err(E::BadCharacter {
                position: 7,
                ch: '$'
            })
        );
        // Small new-energy: positions 5–8 digits.
        assert_eq!(
            Plate::parse("粤BD12A45"),
            Err(E::NewEnergyNotDigit {
                position: 6,
                ch: 'A'
            })
        );
        // Large new-energy: positions 3–7 digits.
        assert_eq!(
            Plate::parse("沪A1234AD"),
            Err(E::NewEnergyNotDigit {
                position: 7,
                ch: 'A'
            })
        );
        // Markers in both places: judged as small, whose last must be a digit.
        assert_eq!(
            Plate::parse("粤BD1234D"),
            Err(E::NewEnergyNotDigit {
                position: 8,
                ch: 'D'
            })
        );
        assert_eq!(Plate::parse("沪A123456"), Err(E::NoNewEnergyMark));
        assert_eq!(Plate::parse("沪AB12345"), Err(E::NoNewEnergyMark));
    }

    #[test]
    fn error_messages_and_codes() {
        let all = [
            PlateError::Empty,
            PlateError::TooShort { len: 6 },
            PlateError::TooLong { len: 9 },
            PlateError::UnknownProvince { ch: 'X' },
            PlateError::BadOfficeLetter { ch: 'I' },
            PlateError::BadCharacter {
                position: 3,
                ch: 'I',
            },
            PlateError::NewEnergyNotDigit {
                position: 6,
                ch: 'A',
            },
            PlateError::NoNewEnergyMark,
        ];
        let mut codes: Vec<_> = all.iter().map(Localized::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        for e in &all {
            assert!(e.code().starts_with("plate."));
            assert!(!e.message(Lang::Zh).is_empty());
            assert_eq!(e.to_string(), e.message(Lang::En));
            assert_ne!(e.message(Lang::Zh), e.message(Lang::En));
        }
    }

    #[test]
    fn serde_round_trip() {
        let p = Plate::parse("粤BD12345").expect("valid");
        let json = serde_json::to_string(&p).expect("serialises");
        assert_eq!(json, "\"粤BD12345\"");
        let back: Plate = serde_json::from_str("\"粤B·D12345\"").expect("deserialises");
        assert_eq!(back, p);
        assert!(serde_json::from_str::<Plate>("\"京AI2345\"").is_err());
    }

    #[test]
    fn every_province_and_suffix_in_the_table() {
        for p in charset::PROVINCES.chars() {
            assert!(Plate::parse(&format!("{p}A12345")).is_ok(), "{p}");
        }
        for (s, kind) in charset::SUFFIXES {
            assert_eq!(
                Plate::parse(&format!("京A1234{s}")).map(|p| p.kind()),
                Ok(*kind)
            );
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = Plate::parse(&s);
        }

        #[test]
        fn never_panics_on_near_misses(s in "[京粤沪][A-Z0-9学挂·]{0,8}") {
            let _ = Plate::parse(&s);
        }

        #[test]
        fn ordinary_plates_round_trip(
            province in proptest::sample::select(charset::PROVINCES.chars().collect::<Vec<_>>()),
            office in "[A-HJ-NP-Z]",
            serial in "[A-HJ-NP-Z0-9]{5}",
        ) {
            let s = format!("{province}{office}{serial}");
            let p = Plate::parse(&s.to_lowercase()).expect("valid");
            prop_assert_eq!(p.as_str(), s.as_str());
            prop_assert_eq!(Plate::parse(p.as_str()).expect("round trip"), p);
        }

        #[test]
        fn new_energy_plates_round_trip(
            office in "[A-HJ-NP-Z]",
            small in "[DF][A-HJ-NP-Z0-9][0-9]{4}",
            large in "[0-9]{5}[DF]",
        ) {
            for serial in [small, large] {
                let s = format!("苏{office}{serial}");
                let p = Plate::parse(&s).expect("valid");
                prop_assert!(p.is_new_energy());
                prop_assert_eq!(p.as_str(), s.as_str());
            }
        }
    }
}
