//! Cluster access: building a `kube::Client` from a kubeconfig context or in-cluster config.
