# Every production Deployment has a PodDisruptionBudget selecting its pods, so node drains
# never take all of them down at once. A whole-environment rule (package `combined`): input
# is the list of rendered objects, each as {"path": ..., "contents": object}.
package combined

import rego.v1

import data.lib.k8s

deny_pod_disruption_budget contains violation if {
	some entry in input
	entry.contents.kind == "Deployment"
	not has_disruption_budget(entry.contents)
	violation := {
		"msg": sprintf("Deployment %s has no PodDisruptionBudget selecting its pods", [entry.contents.metadata.name]),
		"path": entry.path,
	}
}

has_disruption_budget(deployment) if {
	some entry in input
	budget := entry.contents
	budget.kind == "PodDisruptionBudget"
	k8s.same_namespace(budget, deployment)
	k8s.selects(budget.spec.selector, deployment.spec.template.metadata.labels)
}
