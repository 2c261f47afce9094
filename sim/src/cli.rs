//! The `scenario` command line, minus the process around it: what each command prints, or
//! the message for the reader when the input is wrong. The binary prints it; the golden
//! tests compare it with stored outputs, through the same code.

use crate::scenario::limits::MAX_TIME_MS;
use crate::{Scenario, Sim};

pub const USAGE: &str = "usage:
  scenario run FILE [--until MS] [--json]   run a scenario and print its report
  scenario trace FILE [--until MS]           print every processed event as JSON
  scenario check FILE                        validate a scenario file
  scenario link FILE [--at MS]               print the scenario as a link fragment (s=1.…&t=MS)
  scenario decode LINK                       print the scenario a link or fragment holds, as JSON
                                             (the link's instant, t=, goes to standard error)

FILE may be - for standard input.";

/// What `run` and `trace` print about a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// The readable summary (`run`).
    Summary,
    /// The report as JSON (`run --json`).
    Json,
    /// Every processed event as JSON (`trace`).
    Trace,
}

/// The output of `scenario ARGS...` (without the program name), or the message for the
/// reader. The binary adds a final newline.
pub fn execute(args: &[String]) -> Result<String, String> {
    match args.first().map(String::as_str) {
        Some("run") => run(&args[1..], false),
        Some("trace") => run(&args[1..], true),
        Some("check") => match args.get(1) {
            Some(f) => load(f).map(|s| {
                use crate::bounds::count;
                format!(
                    "{f}: ok ({}, {} mode, {}, {})",
                    count(s.cluster.nodes as u64, "replica", "replicas"),
                    s.cluster.mode,
                    count(s.cluster.clients as u64, "client", "clients"),
                    count(s.events.len() as u64, "action", "actions")
                )
            }),
            None => Err(format!("which scenario file?\n\n{USAGE}")),
        },
        Some("link") => link(&args[1..]),
        Some("decode") => match args.get(1) {
            // Standard output is the scenario alone, so it can be saved and run.
            Some(l) => crate::link::decode(l)
                .map(|d| {
                    if let Some(p) = d.preset {
                        eprintln!("lesson: {p}");
                    }
                    if let Some(t) = d.options.t_ms {
                        eprintln!("time cursor: {t} ms");
                    }
                    d.scenario.to_json_pretty()
                })
                .map_err(|e| format!("cannot read that link: {e}")),
            None => Err(format!("which link?\n\n{USAGE}")),
        },
        Some("-h" | "--help" | "help") => Ok(USAGE.to_string()),
        Some(other) => Err(format!(
            "unknown command `{}`\n\n{USAGE}",
            crate::ids::clip(other)
        )),
        None => Err(USAGE.to_string()),
    }
}

/// Runs `scenario` to `until` (or its end) and prints it as `output` asks: what `run` and
/// `trace` print once the file is read.
pub fn render(scenario: &Scenario, until: Option<u64>, output: Output) -> Result<String, String> {
    let mut sim = Sim::new(scenario).map_err(|e| e.to_string())?;
    if output == Output::Trace {
        sim.record_trace();
    }
    match until {
        Some(t) => sim.run_until(t),
        None => sim.run_to_end(),
    }
    Ok(match output {
        Output::Trace => serde_json::to_string_pretty(&sim.trace()).expect("traces serialise"),
        Output::Json => serde_json::to_string_pretty(&sim.report()).expect("reports serialise"),
        // The brief report reads the same summary without spelling out every write.
        Output::Summary => sim.brief_report().summary(),
    })
}

fn read(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
    }
}

/// A number of milliseconds given to `flag`, at most `max`; one too large says so.
fn millis(flag: &str, v: Option<&String>, max: u64) -> Result<u64, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a number of milliseconds"))?;
    let digits = !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
    match v.parse::<u64>() {
        Ok(ms) if ms <= max => Ok(ms),
        _ if digits => Err(format!(
            "{flag}: {} is too large; the latest instant is {max} ms",
            crate::ids::clip(v)
        )),
        _ => Err(format!(
            "{flag}: `{}` is not a whole number of milliseconds",
            crate::ids::clip(v)
        )),
    }
}

fn load(path: &str) -> Result<Scenario, String> {
    let text = read(path)?;
    Scenario::from_json(&text).map_err(|e| format!("{path}: {e}"))
}

fn run(args: &[String], trace: bool) -> Result<String, String> {
    let mut file = None;
    let mut until = None;
    let mut json = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--json" => json = true,
            "--until" => {
                i += 1;
                until = Some(millis("--until", args.get(i), u64::MAX)?);
            }
            a if a.starts_with("--") => return Err(format!("unknown option {a}\n\n{USAGE}")),
            a => {
                if file.replace(a.to_string()).is_some() {
                    return Err(format!("one scenario file at a time\n\n{USAGE}"));
                }
            }
        }
        i += 1;
    }
    let file = file.ok_or_else(|| format!("which scenario file?\n\n{USAGE}"))?;
    let scenario = load(&file)?;
    let output = match (trace, json) {
        (true, _) => Output::Trace,
        (false, true) => Output::Json,
        (false, false) => Output::Summary,
    };
    render(&scenario, until, output).map_err(|e| format!("{file}: {e}"))
}

fn link(args: &[String]) -> Result<String, String> {
    let mut file = None;
    let mut at = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--at" => {
                i += 1;
                // A link's instant must be one the app (and `decode`) will read back.
                at = Some(millis("--at", args.get(i), MAX_TIME_MS)?);
            }
            a if a.starts_with("--") => return Err(format!("unknown option {a}\n\n{USAGE}")),
            a => file = Some(a.to_string()),
        }
        i += 1;
    }
    let file = file.ok_or_else(|| format!("which scenario file?\n\n{USAGE}"))?;
    let scenario = load(&file)?;
    Ok(crate::link::encode(&scenario, at))
}
