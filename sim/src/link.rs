//! Scenario links: the scenario and a time cursor in a URL fragment, in a versioned, compact
//! encoding, `s=1.<base64url(deflate(json))>&t=1234`, or a lesson by name,
//! `preset=async-failover&t=1234`. One implementation serves the app and the runner.
//!
//! A link comes from anywhere, so decoding never panics, refuses to inflate past
//! [`MAX_SCENARIO_BYTES`], and reports what was wrong in words a reader understands.

use crate::presets::Preset;
use crate::scenario::{limits::MAX_TIME_MS, Scenario, ScenarioError};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::fmt;

/// The encoding's version, the `1.` after `s=`.
pub const LINK_VERSION: u32 = 1;
/// Most bytes a link's scenario may inflate to: far more than any hand-made scenario.
pub const MAX_SCENARIO_BYTES: usize = 256 * 1024;
/// Longest fragment we try to read at all.
pub const MAX_LINK_CHARS: usize = 64 * 1024;

/// What a fragment asks for, besides the scenario.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkOptions {
    /// Time cursor in simulated ms.
    pub t_ms: Option<u64>,
    /// Any other `key` or `key=value` parts (embed options such as `autoplay`), in order.
    pub extra: Vec<(String, Option<String>)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    pub scenario: Scenario,
    /// The lesson's name, when the link named one.
    pub preset: Option<&'static str>,
    pub options: LinkOptions,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LinkError {
    /// Nothing in the fragment names a scenario.
    NoScenario,
    TooLong {
        chars: usize,
    },
    UnknownPreset(String),
    /// `s=2.` or later.
    NewerVersion(String),
    Malformed(String),
    /// The base64 text is damaged or cut short.
    Corrupt(String),
    /// Inflates past the size limit.
    TooLarge,
    Invalid(ScenarioError),
    BadTime(String),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::NoScenario => write!(f, "the link holds no scenario"),
            LinkError::TooLong { chars } => write!(f, "the link is {chars} characters long, more than any scenario needs"),
            LinkError::UnknownPreset(p) => write!(f, "there is no lesson called “{p}”"),
            LinkError::NewerVersion(v) => write!(f, "the link was made by a newer Replication Lab (link format {v}; this one reads {LINK_VERSION})"),
            LinkError::Malformed(why) => write!(f, "the link is malformed: {why}"),
            LinkError::Corrupt(why) => write!(f, "the link is damaged or cut short ({why})"),
            LinkError::TooLarge => write!(f, "the link's scenario would be larger than {} KB, the limit", MAX_SCENARIO_BYTES / 1024),
            LinkError::Invalid(e) => write!(f, "the link's scenario is not valid: {e}"),
            LinkError::BadTime(t) => write!(f, "the time `t={t}` is not a number of milliseconds from 0 to {MAX_TIME_MS}"),
        }
    }
}

impl std::error::Error for LinkError {}

/// `1.<base64url(deflate(json))>`: the value of `s=`.
pub fn encode_scenario(scenario: &Scenario) -> String {
    let json = scenario.to_json();
    scenario_value(&miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 9))
}

/// The value of `s=` from a scenario's JSON already deflated (raw deflate, RFC 1951). The
/// web app deflates with the browser's own compressor instead of carrying one.
pub fn scenario_value(deflated_json: &[u8]) -> String {
    format!("{LINK_VERSION}.{}", URL_SAFE_NO_PAD.encode(deflated_json))
}

/// Raw deflate without compression: stored blocks, which every inflater reads. The web app's
/// stand-in for the moment before the browser's compressor has answered.
pub fn stored_deflate(data: &[u8]) -> Vec<u8> {
    const MAX_BLOCK: usize = u16::MAX as usize;
    let mut out = Vec::with_capacity(data.len() + 5 * (data.len() / MAX_BLOCK + 1));
    let mut blocks = data.chunks(MAX_BLOCK).peekable();
    if blocks.peek().is_none() {
        // An empty input still needs one (final, empty) block.
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        // Header bits: BFINAL on the last block, BTYPE 00 (stored); then LEN and its complement.
        out.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out
}

/// The whole fragment (without `#`) for a scenario and a time cursor.
pub fn encode(scenario: &Scenario, t_ms: Option<u64>) -> String {
    fragment(&encode_scenario(scenario), t_ms)
}

/// The fragment for an encoded scenario (the value of `s=`) and a time cursor.
pub fn fragment(scenario_value: &str, t_ms: Option<u64>) -> String {
    match t_ms {
        Some(t) => format!("s={scenario_value}&t={t}"),
        None => format!("s={scenario_value}"),
    }
}

/// A lesson's readable fragment.
pub fn encode_preset(id: &str, t_ms: Option<u64>) -> String {
    match t_ms {
        Some(t) => format!("preset={id}&t={t}"),
        None => format!("preset={id}"),
    }
}

/// Undoes the deflate of a link's scenario, refusing to inflate past [`MAX_SCENARIO_BYTES`]
/// ([`LinkError::TooLarge`]). The runner and the tests use [`inflate`]; the web app the
/// browser's own inflater, which answers later, hence [`deflated_scenario`].
pub type Inflate<'a> = &'a dyn Fn(&[u8]) -> Result<Vec<u8>, LinkError>;

/// miniz's inflater, bounded.
pub fn inflate(packed: &[u8]) -> Result<Vec<u8>, LinkError> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(packed, MAX_SCENARIO_BYTES).map_err(|e| {
        match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => LinkError::TooLarge,
            _ => LinkError::Corrupt("the compressed data does not inflate".into()),
        }
    })
}

/// The still deflated scenario of the value of `s=`.
fn packed_scenario(value: &str) -> Result<Vec<u8>, LinkError> {
    let Some((version, data)) = value.split_once('.') else {
        return Err(LinkError::Malformed(
            "it lacks the format version before the data".into(),
        ));
    };
    match version.parse::<u32>() {
        Ok(LINK_VERSION) => {}
        Ok(v) if v > LINK_VERSION => return Err(LinkError::NewerVersion(v.to_string())),
        _ => {
            return Err(LinkError::Malformed(format!(
                "`{}` is not a link format version",
                crate::ids::clip(version)
            )))
        }
    }
    let data = data.trim_end_matches('=');
    URL_SAFE_NO_PAD
        .decode(data)
        .map_err(|_| LinkError::Corrupt("its data is not valid base64url text".into()))
}

/// Reads the value of `s=`.
pub fn decode_scenario(value: &str) -> Result<Scenario, LinkError> {
    decode_scenario_with(value, &inflate)
}

fn decode_scenario_with(value: &str, inflate: Inflate) -> Result<Scenario, LinkError> {
    let json = inflate(&packed_scenario(value)?)?;
    let text = std::str::from_utf8(&json)
        .map_err(|_| LinkError::Corrupt("the data is not text".into()))?;
    Scenario::from_json(text).map_err(LinkError::Invalid)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads a fragment (with or without the leading `#`), or a whole URL containing one.
pub fn decode(fragment: &str) -> Result<Decoded, LinkError> {
    decode_with(fragment, &inflate)
}

/// The fragment part of a URL, or the fragment itself.
fn fragment_of(link: &str) -> &str {
    match link.find('#') {
        Some(i) => &link[i + 1..],
        None => link,
    }
}

/// The deflated scenario a fragment's `s=` carries, for an inflater that answers later:
/// `None` when there is none to inflate, or when [`decode_with`] will refuse the link anyway.
pub fn deflated_scenario(fragment: &str) -> Option<Vec<u8>> {
    let fragment = fragment_of(fragment);
    if fragment.len() > MAX_LINK_CHARS {
        return None;
    }
    fragment
        .split('&')
        .rev()
        .find_map(|part| part.strip_prefix("s="))
        .and_then(|value| packed_scenario(value).ok())
}

/// [`decode`] with another inflater.
pub fn decode_with(fragment: &str, inflate: Inflate) -> Result<Decoded, LinkError> {
    let fragment = fragment_of(fragment);
    if fragment.len() > MAX_LINK_CHARS {
        return Err(LinkError::TooLong {
            chars: fragment.chars().count(),
        });
    }
    let mut scenario = None;
    let mut options = LinkOptions::default();
    for part in fragment.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = match part.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (part, None),
        };
        match (key, value) {
            ("s", Some(v)) => scenario = Some((decode_scenario_with(v, inflate)?, None)),
            ("preset", Some(v)) => {
                let name = percent_decode(v);
                let p = Preset::by_id(&name)
                    .ok_or_else(|| LinkError::UnknownPreset(crate::ids::clip(&name)))?;
                let s = p.scenario().map_err(LinkError::Invalid)?;
                scenario = Some((s, Some(p.id)));
            }
            ("t", Some(v)) => {
                let t = v
                    .parse::<u64>()
                    .ok()
                    .filter(|t| *t <= MAX_TIME_MS)
                    .ok_or_else(|| LinkError::BadTime(crate::ids::clip(v)))?;
                options.t_ms = Some(t);
            }
            ("s" | "preset", None) => {
                return Err(LinkError::Malformed(format!("`{key}` has no value")))
            }
            (k, v) => options
                .extra
                .push((crate::ids::clip(k), v.map(crate::ids::clip))),
        }
    }
    let (scenario, preset) = scenario.ok_or(LinkError::NoScenario)?;
    Ok(Decoded {
        scenario,
        preset,
        options,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::PRESETS;

    #[test]
    fn a_link_of_stored_blocks_decodes_to_the_same_scenario() {
        let mut scenario = Scenario::default_scenario();
        scenario.events = (0..40)
            .map(|i| crate::TimedAction {
                at_ms: i * 10,
                action: crate::Action::Write {
                    key: format!("key-{i}"),
                    value: "v".repeat(60),
                    client: None,
                },
            })
            .collect();
        let stored = scenario_value(&stored_deflate(scenario.to_json().as_bytes()));
        let decoded = decode(&fragment(&stored, Some(5))).unwrap();
        assert_eq!(decoded.scenario, scenario);
        assert_eq!(decoded.options.t_ms, Some(5));
        // The compressed link is the same scenario, only shorter.
        assert!(encode(&scenario, Some(5)).len() < stored.len() / 4);
    }

    #[test]
    fn an_inflater_that_answers_later_gets_the_deflated_scenario_first() {
        let scenario = Scenario::default_scenario();
        let link = format!("https://lab.example/#{}", encode(&scenario, Some(700)));
        let packed = deflated_scenario(&link).expect("the link carries a scenario");
        // What the browser would answer, handed back to the decoder.
        let answer = inflate(&packed);
        assert_eq!(answer.as_deref(), Ok(scenario.to_json().as_bytes()));
        let decoded = decode_with(&link, &|_| answer.clone()).unwrap();
        assert_eq!(decoded, decode(&link).unwrap());
        // The inflater's refusal is the link's.
        let refused = decode_with(&link, &|_| Err(LinkError::TooLarge));
        assert_eq!(refused, Err(LinkError::TooLarge));
        // Nothing to inflate: lessons, and links refused before inflating.
        assert_eq!(deflated_scenario("#preset=async-failover&t=5"), None);
        assert_eq!(deflated_scenario("#s=1.***"), None);
    }

    #[test]
    fn stored_blocks_inflate_to_their_input_at_any_length() {
        for len in [0, 1, 65_535, 65_536, 200_000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let inflated = miniz_oxide::inflate::decompress_to_vec(&stored_deflate(&data));
            assert!(inflated.is_ok_and(|d| d == data), "{len} bytes");
        }
    }

    #[test]
    fn every_preset_round_trips_and_stays_short() {
        for p in PRESETS {
            let s = p.scenario().unwrap();
            let link = encode(&s, Some(1234));
            assert!(
                link.len() < 2_000,
                "{}: link of {} characters",
                p.id,
                link.len()
            );
            let d = decode(&link).unwrap();
            assert_eq!(d.scenario, s);
            assert_eq!(d.options.t_ms, Some(1234));
            let d = decode(&format!(
                "https://example.org/lab/#{}",
                encode_preset(p.id, None)
            ))
            .unwrap();
            assert_eq!(d.preset, Some(p.id));
        }
    }

    #[test]
    fn bad_links_say_what_is_wrong() {
        let good = encode(&Scenario::default_scenario(), None);
        let cut = &good[..good.len() / 2];
        assert!(
            matches!(decode(cut), Err(LinkError::Corrupt(_))),
            "{:?}",
            decode(cut)
        );
        assert!(matches!(
            decode("s=2.AAAA"),
            Err(LinkError::NewerVersion(_))
        ));
        assert!(matches!(decode("s=abc"), Err(LinkError::Malformed(_))));
        assert!(matches!(decode("s=1.!!!!"), Err(LinkError::Corrupt(_))));
        assert!(matches!(
            decode("preset=nope"),
            Err(LinkError::UnknownPreset(_))
        ));
        assert!(matches!(decode("t=5"), Err(LinkError::NoScenario)));
        assert!(matches!(
            decode("preset=chain&t=-4"),
            Err(LinkError::BadTime(_))
        ));
        // Zeros compress a thousandfold: a short link that would inflate to megabytes.
        let bomb = vec![b' '; 4 * 1024 * 1024];
        let packed = miniz_oxide::deflate::compress_to_vec(&bomb, 9);
        let link = format!("s=1.{}", URL_SAFE_NO_PAD.encode(packed));
        assert!(link.len() < 20_000);
        assert_eq!(decode(&link), Err(LinkError::TooLarge));
        // A valid encoding of an out-of-range scenario names the field.
        let mut s = Scenario::default_scenario();
        s.cluster.nodes = 50;
        let json = s.to_json();
        let link = format!(
            "s=1.{}",
            URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 9))
        );
        let e = decode(&link).unwrap_err();
        assert!(
            e.to_string().contains("cluster.nodes: 50 is out of range"),
            "{e}"
        );
    }

    #[test]
    fn extra_options_are_kept_for_the_embed() {
        let d = decode("preset=chain&embed&autoplay=1&t=500").unwrap();
        assert_eq!(d.options.t_ms, Some(500));
        assert_eq!(
            d.options.extra,
            vec![
                ("embed".into(), None),
                ("autoplay".into(), Some("1".into()))
            ]
        );
    }
}
