# Production workloads survive the loss of a node: at least data.replicas.minimum replicas
# (a Deployment without `replicas` runs one).
package main

import rego.v1

deny contains msg if {
	input.kind in {"Deployment", "StatefulSet"}
	replicas := object.get(input.spec, "replicas", 1)
	replicas < data.replicas.minimum
	msg := sprintf("%d replicas: production runs at least %d", [replicas, data.replicas.minimum])
}
