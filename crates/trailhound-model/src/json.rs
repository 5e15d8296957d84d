//! Small zero-copy JSON helpers shared by the decoder and the rebuild: an object's entries as raw
//! values, string values without allocation when unescaped, and string escaping.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// An object key, borrowed from the input unless it contained escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// The entries of a JSON object, in input order, duplicates included: each key (borrowed from the
/// input unless it had escapes) with the raw JSON text of its value.
pub type Entries<'a> = Vec<(Cow<'a, str>, &'a str)>;

/// Deserializes an object into its [`Entries`].
pub struct EntriesDe<'a>(pub Entries<'a>);

impl<'de> Deserialize<'de> for EntriesDe<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EntriesDe<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
                    let v: &'de RawValue = map.next_value()?;
                    out.push((k, v.get()));
                }
                Ok(EntriesDe(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Splits the JSON text of an object into its entries without decoding the values.
pub fn object_entries(raw: &str) -> Result<Entries<'_>, serde_json::Error> {
    match crate::scan::object_entries(raw) {
        Some(entries) => Ok(entries),
        None => serde_object_entries(raw),
    }
}

/// [`object_entries`] by serde_json alone: the reference the fast scanner is tested against,
/// and what gives the error message when the scanner declines.
pub fn serde_object_entries(raw: &str) -> Result<Entries<'_>, serde_json::Error> {
    serde_json::from_str::<EntriesDe>(raw).map(|e| e.0)
}

/// Splits the JSON text of an array into its elements without decoding them.
pub fn array_items(raw: &str) -> Result<Vec<&str>, serde_json::Error> {
    if let Some(items) = crate::scan::array_items(raw) {
        return Ok(items);
    }
    let items: Vec<&RawValue> = serde_json::from_str(raw)?;
    Ok(items.into_iter().map(RawValue::get).collect())
}

/// The value of a JSON string, borrowed when it has no escapes; `None` when `raw` is not a string
/// (or holds an escape that is not valid Unicode, such as a lone surrogate).
pub fn string_value(raw: &str) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return Some(Cow::Borrowed(inner));
    }
    serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
}

/// The JSON text on one line: whitespace outside strings removed when the text spans lines (a
/// pretty-printed log), so that every stored value can be written as NDJSON. Otherwise as is.
pub fn one_line(raw: &str) -> Cow<'_, str> {
    if !raw.contains(['\n', '\r']) {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in raw.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Appends `s` to `out` as a JSON string literal.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_keep_order_duplicates_and_raw_text() {
        let e = object_entries(r#"{"a": 1.0, "b\u0041":{"x":[1, 2]}, "a":null}"#).unwrap();
        let got: Vec<_> = e.iter().map(|(k, v)| (k.as_ref(), *v)).collect();
        assert_eq!(
            got,
            vec![("a", "1.0"), ("bA", r#"{"x":[1, 2]}"#), ("a", "null")]
        );
    }

    #[test]
    fn pretty_json_goes_on_one_line() {
        assert_eq!(
            one_line("{\n  \"a b\": [1,\n 2],\n \"c\": \"x\\\" \\n y\"\n}"),
            r#"{"a b":[1,2],"c":"x\" \n y"}"#
        );
        assert!(matches!(one_line(r#"{"a": 1}"#), Cow::Borrowed(_)));
    }

    #[test]
    fn strings_decode_and_escape_back() {
        assert_eq!(string_value(r#""plain""#).as_deref(), Some("plain"));
        assert_eq!(string_value(r#""a\u003db\n""#).as_deref(), Some("a=b\n"));
        assert_eq!(string_value("12"), None);
        assert_eq!(string_value(r#""\ud800""#), None);
        let mut out = Vec::new();
        write_str(&mut out, "q\"\\\n\u{1}é");
        let back: String = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, "q\"\\\n\u{1}é");
    }
}
