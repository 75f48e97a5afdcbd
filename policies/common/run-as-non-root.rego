# Containers must not run as root: runAsNonRoot on the pod (not overridden by the
# container) or on the container itself.
package main

import rego.v1

import data.lib.k8s

deny contains msg if {
	spec := k8s.pod_spec(input)
	some container in k8s.all_containers(input)
	not non_root(spec, container)
	msg := sprintf("container %q may run as root: set securityContext.runAsNonRoot: true", [container.name])
}

non_root(_, container) if container.securityContext.runAsNonRoot == true

non_root(spec, container) if {
	spec.securityContext.runAsNonRoot == true
	not container.securityContext.runAsNonRoot == false
}
