# Every production Deployment is scaled by a HorizontalPodAutoscaler. A whole-environment
# rule (package `combined`), like pod-disruption-budget.rego.
package combined

import rego.v1

import data.lib.k8s

deny_autoscaler contains violation if {
	some entry in input
	entry.contents.kind == "Deployment"
	not sprintf("%s/%s", [k8s.namespace(entry.contents), entry.contents.metadata.name]) in autoscaled
	violation := {
		"msg": sprintf("Deployment %s has no HorizontalPodAutoscaler", [entry.contents.metadata.name]),
		"path": entry.path,
	}
}

# namespace/name of every Deployment some autoscaler targets.
autoscaled contains target if {
	some entry in input
	entry.contents.kind == "HorizontalPodAutoscaler"
	entry.contents.spec.scaleTargetRef.kind == "Deployment"
	target := sprintf("%s/%s", [k8s.namespace(entry.contents), entry.contents.spec.scaleTargetRef.name])
}
