mod sandbox;
mod sandbox_http;
mod sandbox_kube;
mod sandbox_ssa;
mod sandbox_support;
mod sandbox_watch;
