//! `scenario`: the command-line runner course authors use to check a scenario file before
//! they share it. Prints a readable summary or a JSON report; bad input gets a message
//! naming the field, and a non-zero exit, never a panic. What each command prints lives in
//! the library (`replication_sim::cli`), where the golden tests call it too.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match replication_sim::cli::execute(&args) {
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
