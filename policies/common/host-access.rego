# No access to the node: no hostPath volumes, no privileged containers.
#
# Kept exactly as it ran under conftest (Rego v0, `deny[msg]`): converge loads v0 and v1
# policies side by side.
package main

import data.lib.k8s

deny[msg] {
	volume := k8s.pod_spec(input).volumes[_]
	volume.hostPath
	msg := sprintf("volume %q mounts the host path %s", [volume.name, volume.hostPath.path])
}

deny[msg] {
	containers := k8s.all_containers(input)
	container := containers[_]
	container.securityContext.privileged == true
	msg := sprintf("container %q is privileged", [container.name])
}
