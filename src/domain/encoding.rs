//! Text encodings of spend files. Finance systems write UTF-8 (with or
//! without a byte-order mark), Windows-1252, or the old DOS code page 437
//! whose pound sign is byte 0x9C. All three agree with ASCII, so a file can be
//! split into fields as bytes and each field decoded afterwards.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Utf8,
    Windows1252,
    Cp437,
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Windows1252 => "Windows-1252",
            Encoding::Cp437 => "DOS code page 437",
        }
    }

    /// Decodes one field.
    pub fn decode<'a>(self, bytes: &'a [u8]) -> Cow<'a, str> {
        if bytes.is_ascii() {
            // Every supported encoding is ASCII below 0x80.
            return Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default());
        }
        match self {
            Encoding::Utf8 => String::from_utf8_lossy(bytes),
            Encoding::Windows1252 => {
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(bytes)
                    .0
            }
            Encoding::Cp437 => Cow::Owned(
                bytes
                    .iter()
                    .map(|&b| {
                        if b < 0x80 {
                            char::from(b)
                        } else {
                            CP437_HIGH[usize::from(b - 0x80)]
                        }
                    })
                    .collect(),
            ),
        }
    }
}

/// Code page 437, bytes 0x80 to 0xFF.
const CP437_HIGH: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐', //
    '└', '┴', '┬', '├', '─', '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧', //
    '╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█', '▄', '▌', '▐', '▀', //
    'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩', //
    '≡', '±', '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', '\u{a0}', //
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_pound_sign_in_each_encoding() {
        assert_eq!(Encoding::Windows1252.decode(b"\xA31,234"), "£1,234");
        assert_eq!(Encoding::Cp437.decode(b"\x9C1,234"), "£1,234");
        assert_eq!(Encoding::Windows1252.decode(b"\x80 5"), "€ 5");
        assert_eq!(Encoding::Utf8.decode("£5".as_bytes()), "£5");
        assert_eq!(Encoding::Cp437.decode(b"Caf\x82"), "Café");
    }
}
