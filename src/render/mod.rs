//! Render: a kustomize-compatible renderer.

pub mod merge;
