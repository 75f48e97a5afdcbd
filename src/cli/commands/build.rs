//! `converge build DIR`: render one kustomization directory, as `kubectl kustomize DIR`.

use std::io::Write;

use anyhow::Context;

use crate::cli::{BuildArgs, GlobalArgs, Outcome};
use crate::render;
use crate::source::FsSource;

pub(super) fn run(_global: &GlobalArgs, args: BuildArgs) -> anyhow::Result<Outcome> {
    let source = FsSource::unbounded();
    let dir = std::path::absolute(&args.dir).with_context(|| format!("{}", args.dir.display()))?;
    let resources = render::build(&source, &dir)?;
    let rendered = render::Rendered {
        resources,
        closure: Default::default(),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(rendered.to_yaml()?.as_bytes())?;
    stdout.flush()?;
    Ok(Outcome::Clean)
}
