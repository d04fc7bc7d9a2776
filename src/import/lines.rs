//! A reader that counts text lines as a CSV reader pulls bytes through it.

use std::io::Read;

/// Counts lines as the csv reader pulls bytes through, so each record's
/// start can be turned into a line number (the csv reader's own count does
/// not know bare-CR files or blank lines); remembers the last byte, to tell
/// whether the file ends with a line break.
pub struct Lines<R> {
    inner: R,
    offset: u64,
    prev_cr: bool,
    /// Line-break bytes read but not yet passed: offset, and whether the
    /// byte ends a line (the `\n` of `\r\n` does not).
    ahead: std::collections::VecDeque<(u64, bool)>,
    passed: u64,
    pub last: Option<u8>,
}

impl<R: Read> Lines<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            prev_cr: false,
            ahead: std::collections::VecDeque::new(),
            passed: 0,
            last: None,
        }
    }

    /// The 1-based line of the record the reader says starts at `offset`
    /// (which may be just before the terminator of the record before, or
    /// before blank lines). Offsets must be asked for in increasing order.
    pub fn line_at(&mut self, mut offset: u64) -> u64 {
        while let Some(&(at, ends)) = self.ahead.front() {
            if at > offset {
                break;
            }
            if at == offset {
                offset += 1;
            }
            self.passed += u64::from(ends);
            self.ahead.pop_front();
        }
        self.passed + 1
    }
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\r' || b == b'\n' {
                let ends = b == b'\r' || !self.prev_cr;
                self.ahead.push_back((self.offset + i as u64, ends));
            }
            self.prev_cr = b == b'\r';
        }
        if n > 0 {
            self.last = Some(buf[n - 1]);
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Refuses a CSV record longer than `max` bytes before the CSV reader holds
/// it whole: counts bytes since the last line break outside quotes (a
/// doubled quote toggles twice, so escaping needs no special case).
pub struct RecordCap<R> {
    inner: R,
    max: u64,
    in_quotes: bool,
    since_break: u64,
}

impl<R: Read> RecordCap<R> {
    pub fn new(inner: R, max: u64) -> Self {
        Self {
            inner,
            max,
            in_quotes: false,
            since_break: 0,
        }
    }
}

impl<R: Read> Read for RecordCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            match b {
                b'"' => self.in_quotes = !self.in_quotes,
                b'\n' | b'\r' if !self.in_quotes => self.since_break = 0,
                _ => {}
            }
            self.since_break += 1;
            if self.since_break > self.max {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "a row is longer than {} KB: it is not a row of this kind of file",
                        self.max / 1024
                    ),
                ));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_record_is_refused_however_it_is_quoted() {
        let mut ok = String::new();
        RecordCap::new("a,\"b\nc\"\nd,e\n".as_bytes(), 8)
            .read_to_string(&mut ok)
            .unwrap();
        let long = format!("a,\"{}\"\n", "x\n".repeat(10));
        let mut out = String::new();
        let err = RecordCap::new(long.as_bytes(), 8)
            .read_to_string(&mut out)
            .unwrap_err();
        assert!(err.to_string().contains("longer than"), "{err}");
    }
}
