//! What the cluster serves: an index from (group, version, kind) to the REST resource and
//! its scope, filled from API discovery and refreshed when CRDs are added.

use std::collections::HashMap;

use kube::discovery::Scope;

use super::error::ClusterError;

/// A served resource type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Resource {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The plural in URLs, e.g. `deployments`.
    pub plural: String,
    pub namespaced: bool,
}

impl Resource {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The collection URL, in `namespace` (ignored for cluster-scoped types; `None` lists
    /// across all namespaces).
    pub fn collection_path(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace {
            Some(ns) if self.namespaced => format!("{base}/namespaces/{ns}/{}", self.plural),
            _ => format!("{base}/{}", self.plural),
        }
    }

    pub fn object_path(&self, namespace: Option<&str>, name: &str) -> String {
        format!("{}/{name}", self.collection_path(namespace))
    }
}

/// The discovery index.
#[derive(Debug, Default, Clone)]
pub struct ResourceIndex {
    by_gvk: HashMap<(String, String, String), Resource>,
    /// The preferred version of each (group, kind).
    by_gk: HashMap<(String, String), Resource>,
}

impl ResourceIndex {
    /// Runs discovery (aggregated when the server offers it, else per group).
    pub async fn discover(client: &kube::Client) -> Result<ResourceIndex, ClusterError> {
        let discovery = match kube::Discovery::new(client.clone()).run_aggregated().await {
            Ok(d) => d,
            Err(_) => kube::Discovery::new(client.clone())
                .run()
                .await
                .map_err(|e| ClusterError::Discovery {
                    message: e.to_string(),
                })?,
        };
        let mut index = ResourceIndex::default();
        for group in discovery.groups() {
            let preferred = group.preferred_version_or_latest().to_string();
            for version in group.versions() {
                for (ar, caps) in group.versioned_resources(version) {
                    if ar.plural.contains('/') {
                        continue;
                    }
                    let resource = Resource {
                        group: ar.group.clone(),
                        version: ar.version.clone(),
                        kind: ar.kind.clone(),
                        plural: ar.plural.clone(),
                        namespaced: caps.scope == Scope::Namespaced,
                    };
                    if version == preferred {
                        index.by_gk.insert(
                            (resource.group.clone(), resource.kind.clone()),
                            resource.clone(),
                        );
                    } else {
                        index
                            .by_gk
                            .entry((resource.group.clone(), resource.kind.clone()))
                            .or_insert_with(|| resource.clone());
                    }
                    index.by_gvk.insert(
                        (
                            resource.group.clone(),
                            resource.version.clone(),
                            resource.kind.clone(),
                        ),
                        resource,
                    );
                }
            }
        }
        Ok(index)
    }

    /// The resource of an object's `apiVersion` and `kind`.
    pub fn resolve(&self, api_version: &str, kind: &str) -> Option<&Resource> {
        let (group, version) = match api_version.rsplit_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        self.by_gvk
            .get(&(group.to_string(), version.to_string(), kind.to_string()))
    }

    /// The preferred version's resource of a group and kind.
    pub fn resolve_group_kind(&self, group: &str, kind: &str) -> Option<&Resource> {
        self.by_gk.get(&(group.to_string(), kind.to_string()))
    }

    pub fn len(&self) -> usize {
        self.by_gvk.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_gvk.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_core_grouped_and_cluster_resources() {
        let r = |group: &str, plural: &str, namespaced: bool| Resource {
            group: group.into(),
            version: "v1".into(),
            kind: "K".into(),
            plural: plural.into(),
            namespaced,
        };
        assert_eq!(
            r("", "configmaps", true).object_path(Some("x"), "a"),
            "/api/v1/namespaces/x/configmaps/a"
        );
        assert_eq!(
            r("apps", "deployments", true).collection_path(None),
            "/apis/apps/v1/deployments"
        );
        assert_eq!(
            r("", "namespaces", false).object_path(Some("ignored"), "x"),
            "/api/v1/namespaces/x"
        );
    }
}
