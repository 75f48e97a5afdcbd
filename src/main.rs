//! The `converge` binary: parses arguments and maps errors to exit codes.

use std::process::ExitCode;

fn main() -> ExitCode {
    converge::cli::main()
}
