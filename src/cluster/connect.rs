//! Building a `kube::Client`: an explicit kubeconfig file, else `$KUBECONFIG` /
//! `~/.kube/config`, else the in-cluster service account. The context is `--context`, else
//! the environment's, else the kubeconfig's current one.

use std::path::PathBuf;

use kube::config::{KubeConfigOptions, Kubeconfig};

use super::error::ClusterError;

/// Where to find the cluster.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// A kubeconfig file (default: `$KUBECONFIG`, then `~/.kube/config`).
    pub kubeconfig: Option<PathBuf>,
    /// A kubeconfig context (default: the current context).
    pub context: Option<String>,
}

/// A client for the cluster `options` name, and a description of it for messages.
pub async fn client(options: &ConnectOptions) -> Result<(kube::Client, String), ClusterError> {
    let kube_options = KubeConfigOptions {
        context: options.context.clone(),
        ..KubeConfigOptions::default()
    };
    let mut config = match &options.kubeconfig {
        Some(path) => {
            let file = Kubeconfig::read_from(path).map_err(|e| ClusterError::Kubeconfig {
                path: path.clone(),
                message: e.to_string(),
            })?;
            kube::Config::from_custom_kubeconfig(file, &kube_options)
                .await
                .map_err(|e| ClusterError::Kubeconfig {
                    path: path.clone(),
                    message: e.to_string(),
                })?
        }
        None => match kube::Config::from_kubeconfig(&kube_options).await {
            Ok(config) => config,
            Err(file_error) => {
                // In a pod there is no kubeconfig; a requested context cannot be honoured
                // by the service account, so that stays an error.
                if options.context.is_some()
                    || std::env::var_os("KUBERNETES_SERVICE_HOST").is_none()
                {
                    return Err(ClusterError::NoConfig {
                        message: file_error.to_string(),
                    });
                }
                kube::Config::incluster().map_err(|e| ClusterError::NoConfig {
                    message: e.to_string(),
                })?
            }
        },
    };
    // Retries are ours (cluster::request): one policy for every status, with Retry-After.
    config.default_retry = false;
    let description = match &options.context {
        Some(context) => format!("context {context} ({})", config.cluster_url),
        None => config.cluster_url.to_string(),
    };
    let client = kube::Client::try_from(config).map_err(|e| ClusterError::Client {
        context: description.clone(),
        message: e.to_string(),
    })?;
    Ok((client, description))
}
