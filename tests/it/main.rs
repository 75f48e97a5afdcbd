mod sandbox;
mod sandbox_kube;
mod sandbox_support;
