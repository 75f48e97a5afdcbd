//! The integration test harness: one binary, one module per area.

mod bot;
mod bot_push;
mod bot_registry;
mod diff;
mod policy;
mod render;
mod render_generators;
mod render_nameref;
mod render_plugins;
mod render_repl;
mod sandbox;
mod sandbox_http;
mod sandbox_kube;
mod sandbox_ssa;
mod sandbox_support;
mod sandbox_watch;
mod smp;
mod support;
mod sync;
mod sync_safety;
mod sync_support;
mod yaml;
