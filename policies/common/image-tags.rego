# Images are pinned: a version tag or a digest, never `latest` and never untagged (which
# means `latest`), so that what runs is what was reviewed.
package main

import rego.v1

import data.lib.k8s

deny contains msg if {
	some container in k8s.all_containers(input)
	not contains(container.image, "@")
	image_tag(container.image) == "latest"
	msg := sprintf("container %q uses the mutable tag :latest (%s): pin a version", [container.name, container.image])
}

deny contains msg if {
	some container in k8s.all_containers(input)
	not contains(container.image, "@")
	not image_tag(container.image)
	msg := sprintf("container %q image %s has no tag: pin a version", [container.name, container.image])
}

# The tag of an image reference; a registry port ("host:5000/app") is not a tag.
image_tag(image) := tag if {
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	contains(last, ":")
	tag := substring(last, indexof(last, ":") + 1, -1)
}
