//! Invitation codes: 8 characters drawn from an alphabet without look-alikes (no 0/O, 1/I/L),
//! about 40 random bits — short enough to read out over the phone and type, too many to guess
//! through a rate-limited, logged-in lookup. Shown as `ABCD-EFGH`; typed any case, with or
//! without the hyphen or spaces.

/// The characters of a code.
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a code.
pub const LEN: usize = 8;

/// A fresh random code, as stored (no hyphen).
pub fn new_code() -> String {
    (0..LEN)
        .map(|_| {
            // Rejection sampling keeps every character equally likely.
            loop {
                let b = rand::random::<u8>();
                let i = usize::from(b & 0x1f);
                if i < ALPHABET.len() {
                    return char::from(ALPHABET[i]);
                }
            }
        })
        .collect()
}

/// A typed code as stored, or `None` when it cannot be a code.
pub fn normalise_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// The code as printed: two groups of four.
pub fn display_code(code: &str) -> String {
    if code.len() == LEN && code.is_ascii() {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_owned()
    }
}

/// The link in the invitation's QR code.
pub fn join_link(link_base: &str, code: &str) -> String {
    format!("{}/join/{code}", link_base.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_unambiguous_characters_and_read_back_however_typed() {
        for _ in 0..200 {
            let code = new_code();
            assert_eq!(code.len(), LEN);
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
            let shown = display_code(&code);
            assert_eq!(normalise_code(&shown).as_deref(), Some(code.as_str()));
            assert_eq!(
                normalise_code(&shown.to_lowercase()).as_deref(),
                Some(code.as_str())
            );
        }
        assert_eq!(normalise_code("ABCD-EFG0"), None);
        assert_eq!(normalise_code("ABC"), None);
        assert_eq!(join_link("http://x/", "ABCDEFGH"), "http://x/join/ABCDEFGH");
    }
}
