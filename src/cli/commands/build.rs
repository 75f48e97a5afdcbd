use crate::cli::{GlobalArgs,BuildArgs,Outcome};
pub(super) fn run(_g:&GlobalArgs,_a:BuildArgs)->anyhow::Result<Outcome>{anyhow::bail!("todo")}
