# Unit tests of the production policies: `converge check --test --env production`.
package production_test

import rego.v1

import data.combined
import data.main

deployment := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "api", "namespace": "ml-production"},
	"spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "api"}}}},
}

budget := {
	"apiVersion": "policy/v1",
	"kind": "PodDisruptionBudget",
	"metadata": {"name": "api", "namespace": "ml-production"},
	"spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "api"}}},
}

autoscaler := {
	"apiVersion": "autoscaling/v2",
	"kind": "HorizontalPodAutoscaler",
	"metadata": {"name": "api", "namespace": "ml-production"},
	"spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}},
}

entry(obj) := {"path": sprintf("%s/%s/%s/%s", [obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name]), "contents": obj}

test_three_replicas_pass if {
	not main.deny["3 replicas: production runs at least 3"] with input as deployment
}

test_two_replicas_denied if {
	main.deny["2 replicas: production runs at least 3"] with input as json.patch(deployment, [{"op": "replace", "path": "/spec/replicas", "value": 2}])
}

test_missing_replicas_means_one if {
	main.deny["1 replicas: production runs at least 3"] with input as json.patch(deployment, [{"op": "remove", "path": "/spec/replicas"}])
}

# The environment is built before `with input as`: the engine mis-evaluates a `with` value
# that calls functions on rules when the policy under test calls functions too. Each test
# queries one rule (deny_pod_disruption_budget, deny_autoscaler), not their union `deny`.
test_deployment_with_budget_passes if {
	environment := [entry(deployment), entry(budget), entry(autoscaler)]
	count(combined.deny_pod_disruption_budget) == 0 with input as environment
}

test_deployment_with_autoscaler_passes if {
	environment := [entry(deployment), entry(budget), entry(autoscaler)]
	count(combined.deny_autoscaler) == 0 with input as environment
}

test_missing_budget_denied if {
	environment := [entry(deployment), entry(autoscaler)]
	violations := combined.deny_pod_disruption_budget with input as environment
	violations == {{"msg": "Deployment api has no PodDisruptionBudget selecting its pods", "path": "apps/v1/Deployment/ml-production/api"}}
}

test_budget_in_another_namespace_does_not_count if {
	elsewhere := json.patch(budget, [{"op": "replace", "path": "/metadata/namespace", "value": "other"}])
	environment := [entry(deployment), entry(elsewhere), entry(autoscaler)]
	count(combined.deny_pod_disruption_budget) == 1 with input as environment
}

test_missing_autoscaler_denied if {
	environment := [entry(deployment), entry(budget)]
	violations := combined.deny_autoscaler with input as environment
	violations == {{"msg": "Deployment api has no HorizontalPodAutoscaler", "path": "apps/v1/Deployment/ml-production/api"}}
}
