# Unit tests of the common policies: `converge check --test`.
package main

import rego.v1

# A Deployment that passes every common policy.
good := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "api"},
	"spec": {"replicas": 3, "template": {"spec": {
		"securityContext": {"runAsNonRoot": true},
		"containers": [good_container],
	}}},
}

good_container := {
	"name": "api",
	"image": "registry.example.com/ml/api:1.3.2",
	"resources": {
		"requests": {"cpu": "100m", "memory": "64Mi"},
		"limits": {"cpu": "1", "memory": "256Mi"},
	},
	"securityContext": {"readOnlyRootFilesystem": true},
	"livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
	"readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}},
}

# The good Deployment with some fields of its container replaced.
with_container(fields) := json.patch(good, [{
	"op": "replace",
	"path": "/spec/template/spec/containers/0",
	"value": object.union(object.remove(good_container, [k | some k, _ in fields]), fields),
}])

test_good_deployment_passes if {
	count(deny) == 0 with input as good
	count(warn) == 0 with input as good
}

test_missing_limits_denied if {
	deny["container \"api\" has no resources.limits.cpu"] with input as with_container({"resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "1Gi"}}})
}

test_missing_requests_denied if {
	deny["container \"api\" has no resources.requests.memory"] with input as with_container({"resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "1", "memory": "1Gi"}}})
}

test_root_denied if {
	obj := json.patch(good, [{"op": "replace", "path": "/spec/template/spec/securityContext/runAsNonRoot", "value": false}])
	deny["container \"api\" may run as root: set securityContext.runAsNonRoot: true"] with input as obj
}

test_container_may_override_pod_non_root if {
	obj := json.patch(good, [{"op": "remove", "path": "/spec/template/spec/securityContext"}])
	count(deny) == 1 with input as obj
	count(deny) == 0 with input as json.patch(obj, [{"op": "add", "path": "/spec/template/spec/containers/0/securityContext/runAsNonRoot", "value": true}])
	fails := json.patch(good, [{"op": "add", "path": "/spec/template/spec/containers/0/securityContext/runAsNonRoot", "value": false}])
	count(deny) == 1 with input as fails
}

test_writable_root_filesystem_denied if {
	deny["container \"api\" has a writable root filesystem: set securityContext.readOnlyRootFilesystem: true"] with input as with_container({"securityContext": {}})
}

test_missing_probes_denied if {
	obj := json.patch(good, [{"op": "remove", "path": "/spec/template/spec/containers/0/livenessProbe"}])
	deny["container \"api\" has no livenessProbe"] with input as obj
}

test_jobs_need_no_probes if {
	job := {"kind": "Job", "spec": {"template": {"spec": good.spec.template.spec}}}
	obj := json.patch(job, [{"op": "remove", "path": "/spec/template/spec/containers/0/livenessProbe"}])
	count(deny) == 0 with input as obj
}

test_latest_tag_denied if {
	deny["container \"api\" uses the mutable tag :latest (registry.example.com/ml/api:latest): pin a version"] with input as with_container({"image": "registry.example.com/ml/api:latest"})
}

test_untagged_image_denied if {
	deny["container \"api\" image registry.example.com:5000/ml/api has no tag: pin a version"] with input as with_container({"image": "registry.example.com:5000/ml/api"})
}

test_digest_pins_an_image if {
	count(deny) == 0 with input as with_container({"image": "registry.example.com/ml/api@sha256:abc"})
	count(deny) == 0 with input as with_container({"image": "registry.example.com/ml/api:latest@sha256:abc"})
}

test_host_path_denied if {
	obj := json.patch(good, [{"op": "add", "path": "/spec/template/spec/volumes", "value": [{"name": "root", "hostPath": {"path": "/"}}]}])
	deny["volume \"root\" mounts the host path /"] with input as obj
}

test_privileged_denied if {
	deny["container \"api\" is privileged"] with input as with_container({"securityContext": {"readOnlyRootFilesystem": true, "privileged": true}})
}

test_unapproved_registry_warns if {
	warn["container \"api\" image docker.io/library/nginx:1.27 is not from an approved registry (registry.example.com)"] with input as with_container({"image": "docker.io/library/nginx:1.27"})
	count(deny) == 0 with input as with_container({"image": "docker.io/library/nginx:1.27"})
}

load_balancer := {"kind": "Service", "metadata": {"name": "api"}, "spec": {"type": "LoadBalancer"}}

test_load_balancer_denied_outside_production if {
	deny["Service of type LoadBalancer in environment \"staging\": only production may have one (use ClusterIP behind the ingress)"] with input as load_balancer with data.converge.environment as "staging"
}

test_load_balancer_allowed_in_production if {
	count(deny) == 0 with input as load_balancer with data.converge.environment as "production"
}
