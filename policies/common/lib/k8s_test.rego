package lib.k8s_test

import rego.v1

import data.lib.k8s

test_pod_spec_of_each_workload_kind if {
	k8s.pod_spec({"kind": "Pod", "spec": {"containers": []}}) == {"containers": []}
	k8s.pod_spec({"kind": "Deployment", "spec": {"template": {"spec": {"x": 1}}}}) == {"x": 1}
	k8s.pod_spec({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"y": 2}}}}}}) == {"y": 2}
	not k8s.pod_spec({"kind": "ConfigMap", "data": {}})
}

test_all_containers_include_init_containers if {
	obj := {"kind": "Pod", "spec": {"containers": [{"name": "a"}], "initContainers": [{"name": "b"}]}}
	[c.name | some c in k8s.all_containers(obj)] == ["a", "b"]
}

test_selectors if {
	k8s.selects({"matchLabels": {"app": "x"}}, {"app": "x", "tier": "web"})
	not k8s.selects({"matchLabels": {"app": "y"}}, {"app": "x"})
	k8s.selects({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web", "api"]}]}, {"tier": "api"})
	not k8s.selects({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["api"]}]}, {"tier": "api"})
	k8s.selects({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, {"tier": "api"})
	k8s.selects({"matchExpressions": [{"key": "canary", "operator": "DoesNotExist"}]}, {"tier": "api"})
}
