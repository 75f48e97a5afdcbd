# A Service of type LoadBalancer costs money and faces the internet: only the environments
# listed in data.services.load_balancer_environments may have one. converge sets
# data.converge.environment to the name of the environment being checked.
package main

import rego.v1

deny contains msg if {
	input.kind == "Service"
	input.spec.type == "LoadBalancer"
	environment := object.get(data, ["converge", "environment"], "")
	not environment in data.services.load_balancer_environments
	msg := sprintf(
		"Service of type LoadBalancer in environment %q: only %s may have one (use ClusterIP behind the ingress)",
		[environment, concat(", ", data.services.load_balancer_environments)],
	)
}
