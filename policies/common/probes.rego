# Long-running containers tell Kubernetes when they are alive (liveness) and when they may
# take traffic (readiness). Jobs and init containers run to completion and need neither.
package main

import rego.v1

import data.lib.k8s

deny contains msg if {
	input.kind in k8s.long_running_kinds
	some container in k8s.pod_spec(input).containers
	some probe in ["livenessProbe", "readinessProbe"]
	not container[probe]
	msg := sprintf("container %q has no %s", [container.name, probe])
}
