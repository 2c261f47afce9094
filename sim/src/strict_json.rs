//! Reads a scenario's JSON text strictly. serde_json's own `Value` keeps the last of two
//! equal keys in an object and says nothing, so `{"nodes": 40, "nodes": 3}` would quietly
//! run 3 replicas; here a key given twice is refused by its path. And a number too large
//! for 64 bits becomes a float in `Value` (`1.8446744073709552e19`), so its text as the
//! author wrote it is kept beside the tree, for messages.
//!
//! A small visitor over serde_json's streaming parser, rather than another dependency or
//! serde_json's `arbitrary_precision` feature: this code ships in the web app's bundle.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;

/// The text of numbers that `Value` cannot hold exactly, by path (`cluster.nodes`).
pub type RawNumbers = BTreeMap<String, String>;

/// What went wrong, besides the text's own syntax.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// Not JSON; serde_json's message, with its line and column.
    Syntax(String),
    /// The path of a key given twice in one object.
    Duplicate(String),
}

struct Context<'t> {
    /// Every number's text, in the order the parser meets them.
    numbers: Vec<&'t str>,
    next_number: Cell<usize>,
    raw: RefCell<RawNumbers>,
    duplicate: RefCell<Option<String>>,
}

/// Parses `text`, refusing duplicate keys.
pub fn parse(text: &str) -> Result<(Value, RawNumbers), Refusal> {
    let cx = Context {
        numbers: number_texts(text),
        next_number: Cell::new(0),
        raw: RefCell::new(BTreeMap::new()),
        duplicate: RefCell::new(None),
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = Seed {
        path: String::new(),
        cx: &cx,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    match parsed {
        Ok(v) => Ok((v, cx.raw.into_inner())),
        Err(e) => Err(match cx.duplicate.into_inner() {
            Some(path) => Refusal::Duplicate(path),
            None if e.is_eof() => Refusal::Syntax(format!(
                "the text ends before the JSON does (line {}, column {})",
                e.line(),
                e.column()
            )),
            None => Refusal::Syntax(e.to_string()),
        }),
    }
}

/// The text of every number outside strings, in order.
fn number_texts(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                out.push(&text[start..i]);
            }
            _ => i += 1,
        }
    }
    out
}

struct Seed<'c, 't> {
    path: String,
    cx: &'c Context<'t>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_, '_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl Seed<'_, '_> {
    fn child(&self, path: String) -> Self {
        Seed { path, cx: self.cx }
    }

    /// Takes the next number's text; keeps it when `Value` cannot say it as written.
    fn number(&self, exact: bool) {
        let k = self.cx.next_number.get();
        self.cx.next_number.set(k + 1);
        if let (false, Some(text)) = (exact, self.cx.numbers.get(k)) {
            self.cx
                .raw
                .borrow_mut()
                .insert(self.path.clone(), text.to_string());
        }
    }
}

impl<'de> Visitor<'de> for Seed<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        self.number(true);
        Ok(Value::Number(n.into()))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        self.number(true);
        Ok(Value::Number(n.into()))
    }
    fn visit_f64<E: de::Error>(self, x: f64) -> Result<Value, E> {
        // Whole numbers past 64 bits arrive here too; a fraction is said as written anyway.
        let n = Number::from_f64(x).ok_or_else(|| E::custom("a number out of range"))?;
        self.number(x.fract() != 0.0);
        Ok(Value::Number(n))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) =
            seq.next_element_seed(self.child(format!("{}[{}]", self.path, items.len())))?
        {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.path.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.path)
            };
            if out.contains_key(&key) {
                *self.cx.duplicate.borrow_mut() = Some(path);
                return Err(de::Error::custom("a key given twice"));
            }
            let v = map.next_value_seed(self.child(path))?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_is_refused_by_its_path() {
        let e = parse(r#"{"cluster": {"nodes": 40, "nodes": 3}}"#).unwrap_err();
        assert_eq!(e, Refusal::Duplicate("cluster.nodes".into()));
        let e = parse(r#"{"events": [{"a": 1}, {"a": 1, "a": 2}]}"#).unwrap_err();
        assert_eq!(e, Refusal::Duplicate("events[1].a".into()));
        // The same key in two objects is no duplicate.
        assert!(parse(r#"[{"a": 1}, {"a": 2}]"#).is_ok());
    }

    #[test]
    fn numbers_past_64_bits_keep_their_text() {
        let (v, raw) =
            parse(r#"{"s": "1 2 \" 3", "a": [18446744073709551616, -5, 0.25], "b": 99999999999999999999999}"#)
                .unwrap();
        assert_eq!(v["a"][1], Value::from(-5));
        assert_eq!(
            raw.get("a[0]").map(String::as_str),
            Some("18446744073709551616")
        );
        assert_eq!(
            raw.get("b").map(String::as_str),
            Some("99999999999999999999999")
        );
        assert_eq!(raw.len(), 2, "{raw:?}");
    }

    #[test]
    fn syntax_errors_pass_through() {
        assert!(matches!(parse("{\"a\": }"), Err(Refusal::Syntax(_))));
        assert!(matches!(parse("{} x"), Err(Refusal::Syntax(_))));
    }
}
