//! YAML as kustomize reads and writes it.
