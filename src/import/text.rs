//! Telling which text encoding a spend file is in (the encodings themselves
//! are [`crate::domain::encoding::Encoding`]).

pub use crate::domain::encoding::Encoding;

pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Guesses the encoding from the start of a file. A byte-order mark or valid
/// UTF-8 means UTF-8 (a sample cut inside a character still counts). Otherwise
/// the pound sign decides: 0x9C next to a digit (£1,234) and no 0xA3 means
/// code page 437; anything else is read as Windows-1252, which decodes every
/// byte.
pub fn detect(sample: &[u8]) -> Encoding {
    if sample.starts_with(UTF8_BOM) {
        return Encoding::Utf8;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => return Encoding::Utf8,
        Err(e) if e.error_len().is_none() && sample.len() - e.valid_up_to() < 4 => {
            return Encoding::Utf8;
        }
        Err(_) => {}
    }
    let before_digit = |i: usize| sample.get(i + 1).is_some_and(u8::is_ascii_digit);
    let cp437_pounds = sample
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == 0x9C && before_digit(i))
        .count();
    let latin_pounds = sample.iter().filter(|&&b| b == 0xA3).count();
    if cp437_pounds > 0 && latin_pounds == 0 {
        Encoding::Cp437
    } else {
        Encoding::Windows1252
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_encoding_by_its_pound_sign() {
        assert_eq!(detect("£1,234.00,Café".as_bytes()), Encoding::Utf8);
        assert_eq!(detect(b"\xEF\xBB\xBFDate,Amount"), Encoding::Utf8);
        assert_eq!(detect(b"Amount\n\xA31,234.00\n"), Encoding::Windows1252);
        assert_eq!(detect(b"Amount\n\x9C1,234.00\n"), Encoding::Cp437);
        assert_eq!(detect(b"Caf\xE9\n"), Encoding::Windows1252);
        let cut = "Café".as_bytes();
        assert_eq!(
            detect(&cut[..cut.len() - 1]),
            Encoding::Utf8,
            "a sample cut inside a character"
        );
    }
}
