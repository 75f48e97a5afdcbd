//! The kubeconfig a sandbox hands to kubectl and other clients: cluster, user and context all
//! named `sandbox`, plain HTTP on loopback, no credentials.

/// A kubeconfig for a server URL, with `default` as the context namespace.
pub fn render(url: &str) -> String {
    format!(
        "apiVersion: v1\n\
         kind: Config\n\
         clusters:\n\
         - name: sandbox\n  \
           cluster:\n    \
             server: {url}\n\
         users:\n\
         - name: sandbox\n  \
           user: {{}}\n\
         contexts:\n\
         - name: sandbox\n  \
           context:\n    \
             cluster: sandbox\n    \
             user: sandbox\n    \
             namespace: default\n\
         current-context: sandbox\n\
         preferences: {{}}\n"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_as_yaml_with_sandbox_context() {
        let text = super::render("http://127.0.0.1:1234");
        let v: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
        assert_eq!(v["current-context"].as_str(), Some("sandbox"));
        assert_eq!(
            v["clusters"][0]["cluster"]["server"].as_str(),
            Some("http://127.0.0.1:1234")
        );
        assert_eq!(
            v["contexts"][0]["context"]["user"].as_str(),
            Some("sandbox")
        );
    }
}
