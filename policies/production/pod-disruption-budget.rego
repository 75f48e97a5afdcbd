# Every production Deployment has a PodDisruptionBudget selecting its pods, so node drains
# never take all of them down at once. A whole-environment rule (package `combined`): input
# is the list of rendered objects, each as {"path": ..., "contents": object}.
package combined

import rego.v1

import data.lib.k8s

deny_pod_disruption_budget contains violation if {
	some violation in unbudgeted(input)
}

# The violations for `objects`: Deployments no budget selects. Budgets are gathered once,
# then each Deployment is matched against them.
unbudgeted(objects) := {violation |
	selectors := {[k8s.namespace(budget), budget.spec.selector] |
		some item in objects
		budget := item.contents
		budget.kind == "PodDisruptionBudget"
	}
	some entry in objects
	deployment := entry.contents
	deployment.kind == "Deployment"
	not selected(deployment, selectors)
	violation := {
		"msg": sprintf("Deployment %s has no PodDisruptionBudget selecting its pods", [deployment.metadata.name]),
		"path": entry.path,
	}
}

selected(deployment, selectors) if {
	some [namespace, selector] in selectors
	namespace == k8s.namespace(deployment)
	k8s.selects(selector, deployment.spec.template.metadata.labels)
}
