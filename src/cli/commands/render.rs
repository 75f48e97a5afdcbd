use crate::cli::{GlobalArgs, Outcome, RenderArgs};
pub(super) fn run(_g: &GlobalArgs, _a: RenderArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("todo")
}
