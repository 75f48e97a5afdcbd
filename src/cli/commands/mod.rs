//! One function per command; each resolves its arguments and calls into the library.

mod bot_common;
mod build;
mod bump;
mod check;
mod demo;
mod diff;
mod history;
mod promote;
mod render;
mod rollback;
mod run;
mod sandbox;
mod status;
mod sync;

use super::{Cli, Command, Outcome};

/// Runs the parsed command.
pub(super) fn dispatch(cli: Cli) -> anyhow::Result<Outcome> {
    let global = cli.global;
    match cli.command {
        Command::Build(args) => build::run(&global, args),
        Command::Render(args) => render::run(&global, args),
        Command::Check(args) => check::run(&global, args),
        Command::Diff(args) => diff::run(&global, args),
        Command::Sync(args) => sync::run(&global, args),
        Command::Status(args) => status::run(&global, args),
        Command::Bump(args) => bump::run(&global, args),
        Command::Promote(args) => promote::run(&global, args),
        Command::Rollback(args) => rollback::run(&global, args),
        Command::History(args) => history::run(&global, args),
        Command::Run(args) => run::run(&global, args),
        Command::Sandbox(args) => sandbox::run(&global, args),
        Command::Demo(args) => demo::run(&global, args),
    }
}
