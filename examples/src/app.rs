//! Running a demo: errors become one line on standard error and exit code 1.

use std::io::Write;
use std::process::ExitCode;

use gui_client::ClientError;

/// Runs `run`; on failure prints `name: error` (which says what to do, e.g. that no display
/// server answers and how to start one) and returns exit code 1.
pub fn main_with(name: &str, run: impl FnOnce() -> Result<(), ClientError>) -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "{name}: {e}");
            ExitCode::FAILURE
        }
    }
}
