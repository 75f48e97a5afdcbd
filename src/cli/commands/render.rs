use crate::cli::{GlobalArgs,RenderArgs,Outcome};
pub(super) fn run(_g:&GlobalArgs,_a:RenderArgs)->anyhow::Result<Outcome>{anyhow::bail!("todo")}
