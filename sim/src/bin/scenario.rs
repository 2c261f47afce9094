//! `scenario`: the command-line runner course authors use to check a scenario file before
//! they share it. Prints a readable summary or a JSON report; bad input gets a message
//! naming the field, and a non-zero exit, never a panic.

use replication_sim::{Scenario, Sim};
use std::process::ExitCode;

const USAGE: &str = "usage:
  scenario run FILE [--until MS] [--json]   run a scenario and print its report
  scenario trace FILE [--until MS]           print every processed event as JSON
  scenario check FILE                        validate a scenario file
  scenario link FILE [--at MS]               print the scenario as a link fragment (s=1.…&t=MS)
  scenario decode LINK                       print the scenario a link or fragment holds, as JSON

FILE may be - for standard input.";

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
                let v = args
                    .get(i)
                    .ok_or("--until needs a number of milliseconds")?;
                until = Some(v.parse::<u64>().map_err(|_| {
                    format!("--until: `{v}` is not a whole number of milliseconds")
                })?);
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
    let mut sim = Sim::new(&scenario).map_err(|e| format!("{file}: {e}"))?;
    if trace {
        sim.record_trace();
    }
    match until {
        Some(t) => sim.run_until(t),
        None => sim.run_to_end(),
    }
    if trace {
        return Ok(serde_json::to_string_pretty(&sim.trace()).expect("traces serialise"));
    }
    let report = sim.report();
    Ok(if json {
        serde_json::to_string_pretty(&report).expect("reports serialise")
    } else {
        report.summary()
    })
}

fn link(args: &[String]) -> Result<String, String> {
    let mut file = None;
    let mut at = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--at" => {
                i += 1;
                let v = args.get(i).ok_or("--at needs a number of milliseconds")?;
                at =
                    Some(v.parse::<u64>().map_err(|_| {
                        format!("--at: `{v}` is not a whole number of milliseconds")
                    })?);
            }
            a if a.starts_with("--") => return Err(format!("unknown option {a}\n\n{USAGE}")),
            a => file = Some(a.to_string()),
        }
        i += 1;
    }
    let file = file.ok_or_else(|| format!("which scenario file?\n\n{USAGE}"))?;
    let scenario = load(&file)?;
    Ok(replication_sim::link::encode(&scenario, at))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..], false),
        Some("trace") => run(&args[1..], true),
        Some("check") => match args.get(1) {
            Some(f) => load(f).map(|s| {
                let n = s.events.len();
                format!(
                    "{f}: ok ({} replicas, {} mode, {n} action{})",
                    s.cluster.nodes,
                    s.cluster.mode,
                    if n == 1 { "" } else { "s" }
                )
            }),
            None => Err(format!("which scenario file?\n\n{USAGE}")),
        },
        Some("link") => link(&args[1..]),
        Some("decode") => match args.get(1) {
            Some(l) => replication_sim::link::decode(l)
                .map(|d| {
                    let mut out = d.scenario.to_json_pretty();
                    if let Some(t) = d.options.t_ms {
                        out.push_str(&format!("\n(time cursor: {t} ms)"));
                    }
                    out
                })
                .map_err(|e| format!("cannot read that link: {e}")),
            None => Err(format!("which link?\n\n{USAGE}")),
        },
        Some("-h" | "--help" | "help") => Ok(USAGE.to_string()),
        Some(other) => Err(format!(
            "unknown command `{}`\n\n{USAGE}",
            replication_sim::ids::clip(other)
        )),
        None => Err(USAGE.to_string()),
    };
    match result {
        Ok(out) => {
            // A closed pipe (`| head`) is the reader's choice, not an error worth a panic.
            use std::io::Write;
            let _ = writeln!(std::io::stdout().lock(), "{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("scenario: {e}");
            ExitCode::from(2)
        }
    }
}
