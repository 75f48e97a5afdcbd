//! Render: a kustomize-compatible renderer.
