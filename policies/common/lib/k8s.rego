# Helpers shared by the policies: where a workload keeps its pod spec, its containers,
# label selectors. Not a policy itself (no deny/warn rules), so it applies nowhere on its
# own; every policy directory that uses it must be selected together with policies/common.
package lib.k8s

import rego.v1

# Kinds that run pods from a template.
workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}

# Workloads expected to keep running (and so to be probed and scaled).
long_running_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}

pod_spec(obj) := obj.spec if obj.kind == "Pod"

pod_spec(obj) := obj.spec.jobTemplate.spec.template.spec if obj.kind == "CronJob"

pod_spec(obj) := obj.spec.template.spec if {
	obj.kind in workload_kinds
	not obj.kind in {"Pod", "CronJob"}
}

# Regular and init containers: both run code, both need limits and a security context.
all_containers(obj) := array.concat(
	object.get(pod_spec(obj), "containers", []),
	object.get(pod_spec(obj), "initContainers", []),
)

namespace(obj) := object.get(obj.metadata, "namespace", "")

same_namespace(a, b) if namespace(a) == namespace(b)

# Whether a LabelSelector (matchLabels and matchExpressions) selects these labels.
selects(selector, labels) if {
	every key, value in object.get(selector, "matchLabels", {}) {
		labels[key] == value
	}
	every expression in object.get(selector, "matchExpressions", []) {
		expression_matches(expression, labels)
	}
}

expression_matches(e, labels) if {
	e.operator == "In"
	labels[e.key] in e.values
}

expression_matches(e, labels) if {
	e.operator == "NotIn"
	not labels[e.key] in e.values
}

expression_matches(e, labels) if {
	e.operator == "Exists"
	labels[e.key]
}

expression_matches(e, labels) if {
	e.operator == "DoesNotExist"
	not labels[e.key]
}
