# A container writes only to the volumes it mounts, never to its image's filesystem.
package main

import rego.v1

import data.lib.k8s

deny contains msg if {
	some container in k8s.all_containers(input)
	not container.securityContext.readOnlyRootFilesystem == true
	msg := sprintf("container %q has a writable root filesystem: set securityContext.readOnlyRootFilesystem: true", [container.name])
}
