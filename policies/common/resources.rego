# Every container declares CPU and memory requests (for scheduling) and limits (so one
# runaway process cannot starve its neighbours).
package main

import rego.v1

import data.lib.k8s

deny contains msg if {
	some container in k8s.all_containers(input)
	some kind in ["requests", "limits"]
	some resource in ["cpu", "memory"]
	not container.resources[kind][resource]
	msg := sprintf("container %q has no resources.%s.%s", [container.name, kind, resource])
}
