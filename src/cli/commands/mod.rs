//! One function per command; each resolves its arguments and calls into the library.

mod build;
mod check;
mod render;

use anyhow::bail;

use super::{Cli, Command, Outcome};

/// Runs the parsed command.
pub(super) fn dispatch(cli: Cli) -> anyhow::Result<Outcome> {
    let global = cli.global;
    match cli.command {
        Command::Build(args) => build::run(&global, args),
        Command::Render(args) => render::run(&global, args),
        Command::Check(args) => check::run(&global, args),
        Command::Diff(_) => not_yet("diff"),
        Command::Sync(_) => not_yet("sync"),
        Command::Status(_) => not_yet("status"),
        Command::Bump(_) => not_yet("bump"),
        Command::Promote(_) => not_yet("promote"),
        Command::Rollback(_) => not_yet("rollback"),
        Command::History(_) => not_yet("history"),
        Command::Run(_) => not_yet("run"),
        Command::Sandbox(_) => not_yet("sandbox"),
        Command::Demo(_) => not_yet("demo"),
    }
}

fn not_yet(command: &str) -> anyhow::Result<Outcome> {
    bail!("`converge {command}` is not yet available in this build")
}
