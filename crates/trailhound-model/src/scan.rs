//! The fast path of the decoder: splits a log's `{"Records":[...]}` text into each record's
//! entries (key, raw value text) with a hand-written scanner, instead of serde_json's general
//! deserializer.
//!
//! It checks everything serde_json checks (UTF-8 comes checked; strings closed, escapes valid,
//! no raw control characters, numbers and literals well formed, brackets balanced, nothing
//! after the envelope), but it gives no error messages: whenever it is not sure — bad or merely
//! unusual input (a pretty-printed log, an escaped key, very deep nesting) — it declines, and
//! the caller decodes the file again with serde_json, which then accepts it or says exactly
//! why not. So what it accepts, serde_json accepts with the same entries (tested on real logs
//! and on thousands of damaged copies of them).
//!
//! The speed comes from strings, which are most of a CloudTrail record: their end is found with
//! `memchr` (vectorised, chosen at run time) rather than byte by byte.

use std::borrow::Cow;

use memchr::memchr2;

/// Deeper nesting is left to serde_json (whose own limit is 128).
const MAX_DEPTH: usize = 100;

/// Whether `text` holds no raw control character (U+0000–U+001F, newlines included). The
/// scanner relies on it instead of looking at every string byte: minified logs never have one,
/// and a pretty-printed log takes the general path.
pub(crate) fn is_plain(text: &[u8]) -> bool {
    text.chunks(64)
        .all(|c| c.iter().fold(0u8, |acc, &b| acc | u8::from(b < 0x20)) == 0)
}

/// A cursor over JSON text known to be valid UTF-8 and [`is_plain`].
pub(crate) struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Skips spaces (the only whitespace a plain text can have).
    #[inline]
    fn ws(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.pos += 1)
    }

    /// Whether only spaces remain.
    pub(crate) fn at_end(&mut self) -> bool {
        self.ws();
        self.pos == self.text.len()
    }

    /// Consumes `{"Records":[` (with optional spaces).
    pub(crate) fn envelope_start(&mut self) -> Option<()> {
        self.ws();
        self.eat(b'{')?;
        self.ws();
        let rest = self.text.as_bytes().get(self.pos..)?;
        if !rest.starts_with(b"\"Records\"") {
            return None;
        }
        self.pos += 9;
        self.ws();
        self.eat(b':')?;
        self.ws();
        self.eat(b'[')
    }

    /// After `[` or a record: `Some(true)` when another record follows (the separator
    /// consumed), `Some(false)` at the end of the array and envelope (`]}` consumed).
    pub(crate) fn next_record(&mut self, first: bool) -> Option<bool> {
        self.ws();
        match self.peek()? {
            b']' => {
                self.pos += 1;
                self.ws();
                self.eat(b'}')?;
                Some(false)
            }
            b',' if !first => {
                self.pos += 1;
                self.ws();
                Some(true)
            }
            b'{' if first => Some(true),
            _ => None,
        }
    }

    /// At a `{`: the object's entries, appended to `out` (emptied first), raw values exactly
    /// as in the text.
    pub(crate) fn object_entries(&mut self, out: &mut Vec<(Cow<'a, str>, &'a str)>) -> Option<()> {
        out.clear();
        self.object(0, |key, escaped, value| {
            // An escaped key is rare: serde_json decodes it (and refuses lone surrogates).
            (!escaped).then(|| out.push((Cow::Borrowed(key), value)))
        })
    }

    /// At a `[`: the raw text of each item.
    pub(crate) fn array_items(&mut self, out: &mut Vec<&'a str>) -> Option<()> {
        self.array(0, |item| out.push(item))
    }

    /// At a `{` nested `depth` deep: walks the object, handing `entry` each key (the text
    /// between its quotes), whether it has escapes, and the value's raw text.
    #[inline]
    fn object(
        &mut self,
        depth: usize,
        mut entry: impl FnMut(&'a str, bool, &'a str) -> Option<()>,
    ) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            self.ws();
            if self.peek()? != b'"' {
                return None;
            }
            let start = self.pos;
            let escaped = self.string()?;
            let key = &self.text[start + 1..self.pos - 1];
            self.ws();
            self.eat(b':')?;
            self.ws();
            let vstart = self.pos;
            self.value(depth + 1)?;
            entry(key, escaped, &self.text[vstart..self.pos])?;
            if self.close(b'}')? {
                return Some(());
            }
        }
    }

    /// At a `[` nested `depth` deep: walks the array, handing `item` each item's raw text.
    #[inline]
    fn array(&mut self, depth: usize, mut item: impl FnMut(&'a str)) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.eat(b'[')?;
        self.ws();
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            self.ws();
            let start = self.pos;
            self.value(depth + 1)?;
            item(&self.text[start..self.pos]);
            if self.close(b']')? {
                return Some(());
            }
        }
    }

    /// After a member: `Some(false)` past a `,`, `Some(true)` past the closing `end`.
    #[inline]
    fn close(&mut self, end: u8) -> Option<bool> {
        self.ws();
        let c = self.peek()?;
        self.pos += 1;
        if c == b',' {
            Some(false)
        } else {
            (c == end).then_some(true)
        }
    }

    /// At a `"`: moves past the closing quote; returns whether the string has escapes.
    #[inline]
    fn string(&mut self) -> Option<bool> {
        let bytes = self.text.as_bytes();
        self.pos += 1;
        let mut escaped = false;
        loop {
            let at = self.pos + quote_or_backslash(bytes.get(self.pos..)?)?;
            if bytes[at] == b'"' {
                self.pos = at + 1;
                return Some(escaped);
            }
            escaped = true;
            match *bytes.get(at + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos = at + 2,
                b'u' => {
                    // As serde_json when it skips a value: four hex digits, any code unit.
                    let hex = bytes.get(at + 2..at + 6)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    self.pos = at + 6;
                }
                _ => return None,
            }
        }
    }

    /// Moves past one value of any kind.
    fn value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(depth, |_, _, _| Some(())),
            b'[' => self.array(depth, drop),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let bytes = self.text.as_bytes();
        if !bytes.get(self.pos..)?.starts_with(word) {
            return None;
        }
        self.pos += word.len();
        // `truex` is not a literal; the caller's separator check would catch it too.
        match self.peek() {
            Some(c) if c.is_ascii_alphanumeric() => None,
            _ => Some(()),
        }
    }

    /// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Option<()> {
        self.eat(b'-');
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.eat(b'.').is_some() && self.digits() == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        // `01`, `1.5.2`: the next byte must end the number.
        match self.peek() {
            Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') => None,
            _ => Some(()),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }
}

/// The position of the first `"` or `\\` in `bytes`. Most strings of a record are short, so the
/// first 32 bytes are searched a word at a time (SWAR) before calling `memchr`, whose set-up
/// costs more than such a string.
#[inline]
fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while at < 32 {
        let Some(word) = bytes.get(at..at + 8) else {
            break;
        };
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let x = u64::from_le_bytes(w);
        let q = x ^ (ONES * u64::from(b'"'));
        let b = x ^ (ONES * u64::from(b'\\'));
        // A byte of `q` or `b` is zero where `x` has the byte searched for; the lowest flagged
        // byte is exact (false flags only appear above a true one).
        let found = (q.wrapping_sub(ONES) & !q | b.wrapping_sub(ONES) & !b) & HIGH;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    memchr2(b'"', b'\\', &bytes[at..]).map(|i| at + i)
}

/// The entries of the JSON object `raw`, when the fast path is sure of them.
pub(crate) fn object_entries(raw: &str) -> Option<Vec<(Cow<'_, str>, &str)>> {
    if !is_plain(raw.as_bytes()) {
        return None;
    }
    let mut s = Scanner::new(raw);
    s.ws();
    let mut out = Vec::with_capacity(16);
    s.object_entries(&mut out)?;
    s.at_end().then_some(out)
}

/// The items of the JSON array `raw`, when the fast path is sure of them.
pub(crate) fn array_items(raw: &str) -> Option<Vec<&str>> {
    if !is_plain(raw.as_bytes()) {
        return None;
    }
    let mut s = Scanner::new(raw);
    s.ws();
    let mut out = Vec::new();
    s.array_items(&mut out)?;
    s.at_end().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde_entries(raw: &str) -> Option<Vec<(String, String)>> {
        crate::json::serde_object_entries(raw).ok().map(|e| {
            e.into_iter()
                .map(|(k, v)| (k.into_owned(), v.to_owned()))
                .collect()
        })
    }

    fn fast_entries(raw: &str) -> Option<Vec<(String, String)>> {
        object_entries(raw).map(|e| {
            e.into_iter()
                .map(|(k, v)| (k.into_owned(), v.to_owned()))
                .collect()
        })
    }

    #[test]
    fn accepts_what_serde_json_accepts_with_the_same_entries() {
        for raw in [
            r#"{}"#,
            r#"{ "a" : 1 , "b":[ 1, 2.5e-3, -0, true, false, null ], "c":{"d":"x\"y\\z\u00e9\n"}}"#,
            r#"{"a":"a\ud800b","a":{"k\"":[[],{}]}}"#,
            r#"{"n":-12.0E+7,"s":"\/"}"#,
        ] {
            let want = serde_entries(raw).expect(raw);
            assert_eq!(fast_entries(raw), Some(want), "{raw}");
        }
    }

    #[test]
    fn declines_what_serde_json_refuses() {
        for raw in [
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":-}"#,
            r#"{"a":1e}"#,
            r#"{"a":tru}"#,
            r#"{"a":truex}"#,
            r#"{"a":nul}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12g4"}"#,
            r#"{"a":"abc}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            r#"{"a":1}}"#,
            r#"{"a":[1}"#,
            r#"{"a":{"b":1]}"#,
            "{\"a\":\"tab\there\"}",
            r#"{"a":1} x"#,
            "{\"a\":1",
        ] {
            assert!(serde_entries(raw).is_none(), "serde_json accepts {raw}");
            assert_eq!(fast_entries(raw), None, "{raw}");
        }
    }

    #[test]
    fn declines_the_unusual_for_serde_json_to_decide() {
        // Escaped keys, newlines and deep nesting are valid; serde_json handles them.
        for raw in [
            r#"{"k\u0041":1}"#,
            "{\n\"a\": 1\n}",
            &format!(r#"{{"a":{}{}}}"#, "[".repeat(120), "]".repeat(120)),
        ] {
            assert!(serde_entries(raw).is_some(), "{raw}");
            assert_eq!(fast_entries(raw), None, "{raw}");
        }
    }

    #[test]
    fn finds_the_first_quote_or_backslash() {
        for (text, want) in [
            ("", None),
            ("abc", None),
            ("\"", Some(0)),
            ("abcdefg\\", Some(7)),
            ("abcdefgh\"", Some(8)),
            ("0123456789012345678901234567890123456789\"x\\", Some(40)),
            ("a\"b\\", Some(1)),
            ("\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\\", Some(12)),
        ] {
            assert_eq!(quote_or_backslash(text.as_bytes()), want, "{text:?}");
        }
        // Every position of every length, against a plain search.
        let base: Vec<u8> = (0..80u8).map(|i| b'a' + i % 26).collect();
        for len in 0..base.len() {
            for at in 0..len {
                for c in [b'"', b'\\'] {
                    let mut v = base[..len].to_vec();
                    v[at] = c;
                    assert_eq!(quote_or_backslash(&v), Some(at), "{len} {at}");
                }
            }
            assert_eq!(quote_or_backslash(&base[..len]), None);
        }
    }

    #[test]
    fn arrays_split_into_items() {
        assert_eq!(
            array_items(r#"[ {"a":1}, "x" ,[2]]"#),
            Some(vec![r#"{"a":1}"#, r#""x""#, "[2]"])
        );
        assert_eq!(array_items("[]"), Some(vec![]));
        assert_eq!(array_items("[1,,2]"), None);
    }
}
