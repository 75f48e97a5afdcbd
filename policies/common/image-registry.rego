# Images should come from an approved registry (data.images.registries): a warning, not a
# deny, so a team can try an image before mirroring it.
package main

import rego.v1

import data.lib.k8s

warn contains msg if {
	some container in k8s.all_containers(input)
	not approved_registry(container.image)
	msg := sprintf(
		"container %q image %s is not from an approved registry (%s)",
		[container.name, container.image, concat(", ", data.images.registries)],
	)
}

approved_registry(image) if {
	some registry in data.images.registries
	startswith(image, concat("", [registry, "/"]))
}
