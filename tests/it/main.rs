//! The integration test harness: one binary, one module per area.

mod diff;
mod render;
mod render_generators;
mod sandbox;
mod sandbox_http;
mod sandbox_kube;
mod sandbox_ssa;
mod sandbox_support;
mod sandbox_watch;
mod support;
mod sync;
mod sync_safety;
mod sync_support;
mod yaml;
