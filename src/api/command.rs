//! Commands from the course page: what each means, and the refusal of a malformed one
//! naming its field.

use super::*;

/// What a course page asks of the lab.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// A scenario object, as in a scenario file.
    Load(Box<Scenario>),
    /// A share link (`#s=…`, `#preset=…` or `#lesson=…`, with or without the page before `#`).
    LoadLink(String),
    Play,
    Pause,
    Seek {
        t_ms: u64,
    },
    /// One event forward (1) or back (-1).
    Step {
        forward: bool,
    },
    /// An action of the scenario format, applied at the cursor as a click would be; read
    /// when it runs, by the scenario reader, against the scenario as recorded so far.
    Act(JsValue),
    /// A lesson, by its id (the preset's).
    Lesson(&'static str),
    Get,
}

/// A malformed message: which field, and what is wrong with it, in plain words.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub field: String,
    pub message: String,
}

pub(super) fn refuse(field: &str, message: impl Into<String>) -> Refusal {
    Refusal {
        field: field.into(),
        message: message.into(),
    }
}

/// A scenario error inside `field` (`scenario`, `action`), named from the message's top.
pub(super) fn refuse_inside(field: &str, e: ScenarioError) -> Refusal {
    // A scenario's check names the action it holds as `events[N]`.
    let inner = match e.field.find("].") {
        Some(i) if e.field.starts_with("events[") => &e.field[i + 2..],
        _ => e.field.as_str(),
    };
    let field = if inner.is_empty() || inner == "." {
        field.to_string()
    } else {
        format!("{field}.{inner}")
    };
    Refusal {
        field,
        message: e.message,
    }
}

pub(super) fn get(data: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(data, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

// The scalar fields are read from the JavaScript value directly: serde-wasm-bindgen's
// deserializer would bring the formatting of floating-point numbers for its error messages
// into the bundle (about 5 KB gzip), and the refusal names the field in plain words anyway.

/// A whole number field (`None` when absent), or a refusal naming it.
pub(super) fn whole(data: &JsValue, name: &str, expected: &str) -> Result<Option<f64>, Refusal> {
    let value = get(data, name);
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 => Ok(Some(n)),
        _ => Err(refuse(name, format!("must be {expected}"))),
    }
}

pub(super) fn text(data: &JsValue, name: &str, expected: &str) -> Result<Option<String>, Refusal> {
    let value = get(data, name);
    if value.is_undefined() {
        return Ok(None);
    }
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| refuse(name, format!("must be {expected}")))
}

pub(super) fn missing(name: &str, expected: &str) -> Refusal {
    refuse(name, format!("is missing; it must be {expected}"))
}

/// An object field as JSON text, for the engine's own reader of scenarios.
pub(super) fn json_of(value: &JsValue, name: &str) -> Result<String, Refusal> {
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| refuse(name, "cannot be written as JSON"))?;
    if text.len() > link::MAX_SCENARIO_BYTES {
        return Err(refuse(name, "is too large"));
    }
    Ok(text)
}

pub(super) fn object(data: &JsValue, name: &str) -> Result<Option<JsValue>, Refusal> {
    let value = get(data, name);
    if value.is_undefined() {
        return Ok(None);
    }
    if !value.is_object() || js_sys::Array::is_array(&value) {
        return Err(refuse(name, "must be an object"));
    }
    Ok(Some(value))
}

impl Command {
    /// The command a message carries: `Ok(None)` for a message that is not the lab's.
    pub fn from_message(data: &JsValue) -> Result<Option<Command>, Refusal> {
        if !data.is_object()
            || !js_sys::Reflect::has(data, &JsValue::from_str(MARK)).unwrap_or(false)
        {
            return Ok(None);
        }
        const VERSION_IS: &str = "1, the version of this message format";
        let version = whole(data, MARK, VERSION_IS)?.ok_or_else(|| missing(MARK, VERSION_IS))?;
        if version != f64::from(VERSION) {
            return Err(refuse(
                MARK,
                "names a version of this message format this lab does not know; it understands 1",
            ));
        }
        const COMMAND_IS: &str = "the name of a command, such as \"play\"";
        let name =
            text(data, "command", COMMAND_IS)?.ok_or_else(|| missing("command", COMMAND_IS))?;
        Ok(Some(match name.as_str() {
            "play" => Command::Play,
            "pause" => Command::Pause,
            "get" => Command::Get,
            "seek" => {
                const T_IS: &str = "a whole number of simulated milliseconds, 0 or more";
                match whole(data, "t_ms", T_IS)? {
                    Some(t) if t >= 0.0 => Command::Seek { t_ms: t as u64 },
                    Some(_) => return Err(refuse("t_ms", format!("must be {T_IS}"))),
                    None => return Err(missing("t_ms", T_IS)),
                }
            }
            "step" => match whole(data, "by", "1 or -1")? {
                None | Some(1.0) => Command::Step { forward: true },
                Some(-1.0) => Command::Step { forward: false },
                _ => return Err(refuse("by", "must be 1 or -1")),
            },
            "act" => {
                const ACTION_IS: &str = "an action of the scenario format, such as {\"action\": \"crash\", \"node\": \"n1\"}";
                let action = object(data, "action")?.ok_or_else(|| missing("action", ACTION_IS))?;
                Command::Act(action)
            }
            "lesson" => {
                const ID_IS: &str = "the id of a lesson, such as \"async-failover\"";
                let id = text(data, "id", ID_IS)?.ok_or_else(|| missing("id", ID_IS))?;
                let lesson = Lesson::by_id(&id).ok_or_else(|| {
                    refuse("id", format!("names no lesson: “{}”", replication_sim::ids::clip(&id)))
                })?;
                Command::Lesson(lesson.id)
            }
            "load" => match (object(data, "scenario")?, text(data, "link", "a link to the lab, as text")?) {
                (Some(scenario), None) => Command::Load(Box::new(
                    Scenario::from_json(&json_of(&scenario, "scenario")?).map_err(|e| refuse_inside("scenario", e))?,
                )),
                (None, Some(l)) => Command::LoadLink(l),
                (Some(_), Some(_)) => return Err(refuse("link", "cannot be given with a scenario; give one of them")),
                (None, None) => return Err(missing("scenario", "a scenario object, or give a link")),
            },
            other => {
                return Err(refuse(
                    "command",
                    format!(
                        "“{}” is not a command; the commands are load, play, pause, seek, step, act, lesson and get",
                        replication_sim::ids::clip(other)
                    ),
                ))
            }
        }))
    }
}
