#!/usr/bin/env python3
"""Random kustomize trees exercising how kustomizations COMBINE (for compare.py).

Usage: gen_structure.py OUT_DIR --seed S   (deterministic per seed; prints the dirs to build)

What a tree holds:
- 1-3 app bases (each one workload: Deployment, StatefulSet, DaemonSet, Job, CronJob or Pod,
  plus some of ConfigMap, Secret, ServiceAccount, Service, PVC, HPA, PDB, Ingress,
  NetworkPolicy, Role/RoleBinding, ClusterRoleBinding), written as single files, multi-document
  files or sub-directories; workloads reference their neighbours every way a pod spec can
  (volumes, projected volumes, envFrom, env valueFrom, imagePullSecrets, serviceAccountName,
  StatefulSet serviceName and volumeClaimTemplates), so name fix-ups are exercised.
- sometimes a cluster base: Namespace, ClusterRole, CRD (+ a custom object), StorageClass, PV.
- 0-3 components (adding resources, patches, labels, annotations, images).
- 0-2 levels of mid overlays and 1-3 env overlays on top; a base may be shared by two mids
  that keep ids distinct with different name prefixes/suffixes.
- at every level a random subset of: namespace, namePrefix, nameSuffix, commonLabels, labels
  (includeSelectors/includeTemplates), commonAnnotations, images (newName/newTag/digest,
  registries, ports, digests), replicas, patches (SMP and JSON6902, inline and file; target
  selectors by kind/name regex/labelSelector/annotationSelector/namespace/group/version;
  `$patch: delete/replace`; list merges by key; name/kind changes), patchesStrategicMerge,
  patchesJson6902, and at the top sortOptions (legacy / fifo with order lists) and
  sometimes buildMetadata.
About one case in ten is invalid on purpose (a patch for a missing object, a duplicate id,
a missing file, an unknown field...): both tools must reject it.
"""
import argparse
import json
import os
import random
import re

WORDS = ["web", "api", "worker", "cache", "db", "auth", "billing", "search", "queue",
         "gateway", "front", "backend", "metrics", "report", "mailer", "store", "cart",
         "ledger", "proxy", "sync"]
ENVS = ["dev", "staging", "prod", "qa", "test", "canary", "eu", "us"]
MIDS = ["region", "team", "tier", "common", "shared", "platform", "ha", "monitoring"]
COMPONENTS = ["logging", "tracing", "sidecar", "tls", "debug", "probes", "security", "extra"]
NAMESPACES = ["apps", "team-a", "team-b", "prod", "staging", "dev", "tools", "kube-public-x",
              "payments", "default"]
LABEL_KEYS = ["app", "team", "tier", "env", "owner", "app.kubernetes.io/part-of",
              "app.kubernetes.io/managed-by", "version", "release", "example.com/cost-center"]
LABEL_VALUES = ["alpha", "beta", "core", "edge", "blue", "green", "v1", "v2", "platform",
                "ops", "x-1", "team_a", "1.0", "stable"]
ANN_KEYS = ["note", "owner", "example.com/contact", "docs", "checksum", "team",
            "prometheus.io/scrape", "prometheus.io/port"]
ANN_VALUES = ["hello world", "ops@example.com", "https://example.com/docs", "true", "8080",
              "abc123", "multi word value", "x"]
IMAGES = ["nginx", "nginx:1.25", "nginx:1.25.3-alpine", "busybox", "busybox:1.36",
          "redis:7", "postgres:16.1", "docker.io/library/nginx:1.24",
          "registry.example.com/team/api:v1.2.0", "registry.example.com:5000/team/worker",
          "gcr.io/project/app:latest", "ghcr.io/org/tool:2024.1",
          "quay.io/org/cache@sha256:" + "a" * 64,
          "localhost:5000/dev/web:dev", "alpine", "alpine:3.19", "python:3.12-slim"]
DIGESTS = ["sha256:" + c * 64 for c in "0123456789abcdef"]


CLUSTER_KINDS = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                 "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass",
                 "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
                 "APIService"}


# ---------------------------------------------------------------- YAML emission

PLAIN = re.compile(r"^[A-Za-z_/.][A-Za-z0-9_./@\-]*$")
RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def scalar(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return str(v)
    s = str(v)
    if PLAIN.match(s) and s.lower() not in RESERVED:
        return s
    return json.dumps(s)


def dump(v, indent=0):
    pad = " " * indent
    out = []
    if isinstance(v, dict):
        if not v:
            return pad + "{}\n"
        for k, x in v.items():
            key = scalar(k)
            if isinstance(x, dict) and x:
                out.append(f"{pad}{key}:\n" + dump(x, indent + 2))
            elif isinstance(x, list) and x:
                out.append(f"{pad}{key}:\n" + dump(x, indent))
            elif isinstance(x, str) and "\n" in x:
                body = "".join(f"{pad}  {line}\n" if line else "\n" for line in x.split("\n"))
                out.append(f"{pad}{key}: |\n{body}".rstrip("\n") + "\n")
            else:
                out.append(f"{pad}{key}: {inline(x)}\n")
        return "".join(out)
    if isinstance(v, list):
        if not v:
            return pad + "[]\n"
        for x in v:
            if isinstance(x, (dict, list)) and x:
                body = dump(x, indent + 2)
                out.append(f"{pad}- " + body[indent + 2:])
            else:
                out.append(f"{pad}- {inline(x)}\n")
        return "".join(out)
    return pad + inline(v) + "\n"


def inline(x):
    if isinstance(x, dict):
        return "{}" if not x else json.dumps(x)
    if isinstance(x, list):
        return "[]" if not x else json.dumps(x)
    return scalar(x)


def docs(objs):
    return "---\n".join(dump(o) for o in objs)


# ---------------------------------------------------------------- the tree model

class Gen:
    def __init__(self, rnd, out):
        self.r = rnd
        self.out = out
        self.used = set()

    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return self.r.choice(seq)

    def some(self, seq, lo, hi):
        n = self.r.randint(lo, min(hi, len(seq)))
        return self.r.sample(list(seq), n)

    def uniq(self, pool):
        for _ in range(100):
            w = self.pick(pool)
            if w not in self.used:
                self.used.add(w)
                return w
        w = f"{self.pick(pool)}{self.r.randint(2, 99)}"
        self.used.add(w)
        return w

    def write(self, rel, text):
        path = os.path.join(self.out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def labels(self, lo=1, hi=2):
        return {k: self.pick(LABEL_VALUES) for k in self.some(LABEL_KEYS, lo, hi)}

    def annotations(self, lo=1, hi=2):
        return {k: self.pick(ANN_VALUES) for k in self.some(ANN_KEYS, lo, hi)}

    # ------------------------------------------------------------ resources of one app

    def container(self, name, app, refs, image=None):
        c = {"name": name, "image": image or self.pick(IMAGES)}
        if self.chance(0.6):
            ports = [{"containerPort": self.pick([80, 8080, 9090, 5432, 6379]), "name": "http"}]
            if self.chance(0.3):
                ports.append({"containerPort": 9100, "name": "metrics", "protocol": "TCP"})
            c["ports"] = ports
        env = []
        if self.chance(0.5):
            env.append({"name": "LOG_LEVEL", "value": self.pick(["debug", "info", "warn"])})
        if "cm" in refs and self.chance(0.6):
            env.append({"name": "MODE", "valueFrom": {"configMapKeyRef": {
                "name": refs["cm"], "key": "mode"}}})
        if "secret" in refs and self.chance(0.6):
            env.append({"name": "PASSWORD", "valueFrom": {"secretKeyRef": {
                "name": refs["secret"], "key": "password"}}})
        if self.chance(0.3):
            env.append({"name": "POD_NAME", "valueFrom": {"fieldRef": {
                "fieldPath": "metadata.name"}}})
        if env:
            c["env"] = env
        env_from = []
        if "cm" in refs and self.chance(0.4):
            env_from.append({"configMapRef": {"name": refs["cm"]}})
        if "secret" in refs and self.chance(0.3):
            env_from.append({"secretRef": {"name": refs["secret"]}, "prefix": "S_"})
        if env_from:
            c["envFrom"] = env_from
        mounts = [{"name": v, "mountPath": f"/mnt/{v}"} for v in refs.get("volumes", [])
                  if self.chance(0.7)]
        if mounts:
            c["volumeMounts"] = mounts
        if self.chance(0.3):
            c["resources"] = {"limits": {"cpu": self.pick(["100m", "1", "500m"]),
                                         "memory": self.pick(["64Mi", "1Gi"])}}
        return c

    def pod_spec(self, app, refs):
        volumes = []
        if "cm" in refs and self.chance(0.7):
            volumes.append({"name": "config", "configMap": {"name": refs["cm"]}})
        if "secret" in refs and self.chance(0.5):
            volumes.append({"name": "creds", "secret": {"secretName": refs["secret"]}})
        if "pvc" in refs and self.chance(0.8):
            volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": refs["pvc"]}})
        if ("cm" in refs or "secret" in refs) and self.chance(0.35):
            sources = []
            if "cm" in refs:
                sources.append({"configMap": {"name": refs["cm"]}})
            if "secret" in refs:
                sources.append({"secret": {"name": refs["secret"]}})
            volumes.append({"name": "bundle", "projected": {"sources": sources}})
        if self.chance(0.3):
            volumes.append({"name": "tmp", "emptyDir": {}})
        r = dict(refs, volumes=[v["name"] for v in volumes])
        spec = {}
        if "sa" in refs and self.chance(0.8):
            spec["serviceAccountName"] = refs["sa"]
        if self.chance(0.25) and "secret" in refs:
            spec["imagePullSecrets"] = [{"name": refs["secret"]}]
        if self.chance(0.3):
            spec["initContainers"] = [self.container("init", app, {}, self.pick(IMAGES))]
        spec["containers"] = [self.container(app, app, r)]
        if self.chance(0.3):
            spec["containers"].append(self.container("sidecar", app, r))
        if volumes:
            spec["volumes"] = volumes
        if self.chance(0.2):
            spec["nodeSelector"] = {"kubernetes.io/os": "linux"}
        if refs.get("pc") and self.chance(0.6):
            spec["priorityClassName"] = refs["pc"]
        if "secret" in refs and self.chance(0.1):
            spec.setdefault("volumes", []).append({"name": "csi", "csi": {
                "driver": "secrets.example.com",
                "nodePublishSecretRef": {"name": refs["secret"]}}})
        return spec

    def app(self, app, namespace, cluster):
        """The objects of one app base."""
        objs = []
        sel = {"app": app}
        if self.chance(0.4):
            sel["component"] = self.pick(["server", "main", "core"])
        refs = {}
        if cluster.get("pc"):
            refs["pc"] = cluster["pc"]

        def meta(name, labels=True):
            m = {"name": name}
            if namespace:
                m["namespace"] = namespace
            if labels and self.chance(0.7):
                m["labels"] = dict(sel)
            if self.chance(0.15):
                m["annotations"] = self.annotations()
            return m

        kind = self.pick(["Deployment"] * 5 + ["StatefulSet", "StatefulSet", "DaemonSet",
                                                 "Job", "CronJob", "Pod"])
        if self.chance(0.75):
            refs["cm"] = f"{app}-config"
            objs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(refs["cm"]),
                         "data": {"mode": self.pick(["fast", "safe"]), "app.properties":
                                  f"name={app}\nport=8080\n"}})
        if self.chance(0.55):
            refs["secret"] = f"{app}-secret"
            objs.append({"apiVersion": "v1", "kind": "Secret", "metadata": meta(refs["secret"]),
                         "type": "Opaque", "data": {"password": "c2VjcmV0"}})
        if self.chance(0.55):
            refs["sa"] = f"{app}-sa" if self.chance(0.7) else app
            sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(refs["sa"])}
            if "secret" in refs and self.chance(0.3):
                sa["imagePullSecrets"] = [{"name": refs["secret"]}]
            objs.append(sa)
        if kind in ("Deployment", "StatefulSet", "Pod") and self.chance(0.4):
            refs["pvc"] = f"{app}-data"
            pvc = {"accessModes": ["ReadWriteOnce"],
                   "resources": {"requests": {"storage": "1Gi"}}}
            if cluster.get("sc") and self.chance(0.6):
                pvc["storageClassName"] = cluster["sc"]
            if cluster.get("pv") and self.chance(0.3) and not cluster.get("pv_used"):
                cluster["pv_used"] = True
                pvc["volumeName"] = cluster["pv"]
            objs.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                         "metadata": meta(refs["pvc"]), "spec": pvc})
        svc_name = None
        if kind != "Job" and kind != "CronJob" and self.chance(0.7):
            svc_name = app if self.chance(0.7) else f"{app}-svc"
            ports = [{"name": "http", "port": 80, "targetPort": self.pick([8080, "http"])}]
            svc = {"apiVersion": "v1", "kind": "Service", "metadata": meta(svc_name),
                   "spec": {"selector": dict(sel), "ports": ports}}
            if self.chance(0.2):
                svc["spec"]["type"] = self.pick(["ClusterIP", "NodePort"])
            if kind == "StatefulSet" and self.chance(0.5):
                svc["spec"]["clusterIP"] = "None"
            objs.append(svc)
        tmpl_meta = {"labels": dict(sel)}
        if self.chance(0.3):
            tmpl_meta["annotations"] = self.annotations(1, 1)
        pod = self.pod_spec(app, refs)
        if kind == "Pod":
            m = meta(app)
            m.setdefault("labels", {}).update(sel)
            w = {"apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": pod}
        elif kind == "Job":
            pod["restartPolicy"] = "Never"
            w = {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta(app),
                 "spec": {"backoffLimit": 2, "template": {"metadata": tmpl_meta, "spec": pod}}}
        elif kind == "CronJob":
            pod["restartPolicy"] = "OnFailure"
            w = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta(app),
                 "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {
                     "template": {"metadata": tmpl_meta, "spec": pod}}}}}
        else:
            spec = {}
            if kind != "DaemonSet" and self.chance(0.8):
                spec["replicas"] = self.r.randint(1, 5)
            spec["selector"] = {"matchLabels": dict(sel)}
            spec["template"] = {"metadata": tmpl_meta, "spec": pod}
            if kind == "StatefulSet":
                if svc_name:
                    spec["serviceName"] = svc_name
                if self.chance(0.6):
                    vct = {"accessModes": ["ReadWriteOnce"],
                           "resources": {"requests": {"storage": "2Gi"}}}
                    if cluster.get("sc") and self.chance(0.5):
                        vct["storageClassName"] = cluster["sc"]
                    spec["volumeClaimTemplates"] = [{"metadata": {"name": "state"},
                                                     "spec": vct}]
                    pod["containers"][0].setdefault("volumeMounts", []).append(
                        {"name": "state", "mountPath": "/state"})
            if kind == "Deployment" and self.chance(0.3):
                spec["strategy"] = {"type": "RollingUpdate",
                                    "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
            w = {"apiVersion": "apps/v1", "kind": kind, "metadata": meta(app), "spec": spec}
        objs.append(w)
        if kind in ("Deployment", "StatefulSet") and self.chance(0.35):
            objs.append({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                         "metadata": meta(f"{app}-hpa"), "spec": {
                             "scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind,
                                                "name": app},
                             "minReplicas": 1, "maxReplicas": self.r.randint(3, 10)}})
        if kind in ("Deployment", "StatefulSet") and self.chance(0.3):
            objs.append({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                         "metadata": meta(f"{app}-pdb"), "spec": {
                             "minAvailable": 1, "selector": {"matchLabels": dict(sel)}}})
        if svc_name and self.chance(0.35):
            rule = {"host": f"{app}.example.com", "http": {"paths": [{
                "path": "/", "pathType": "Prefix", "backend": {"service": {
                    "name": svc_name, "port": {"number": 80}}}}]}}
            ing = {"ingressClassName": cluster.get("ic", "nginx"), "rules": [rule]}
            if "secret" in refs and self.chance(0.6):
                ing["tls"] = [{"hosts": [f"{app}.example.com"], "secretName": refs["secret"]}]
            if self.chance(0.3):
                ing["defaultBackend"] = {"service": {"name": svc_name, "port": {"name": "http"}}}
            objs.append({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                         "metadata": meta(f"{app}-ing"), "spec": ing})
        if self.chance(0.3):
            np = {"podSelector": {"matchLabels": dict(sel)}, "policyTypes": ["Ingress"],
                  "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "client"}}}]}]}
            objs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                         "metadata": meta(f"{app}-np"), "spec": np})
        if "sa" in refs and self.chance(0.45):
            role = f"{app}-role"
            objs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                         "metadata": meta(role), "rules": [{
                             "apiGroups": [""], "resources": ["configmaps"],
                             "verbs": ["get", "list"]}]})
            subj = {"kind": "ServiceAccount", "name": refs["sa"]}
            if namespace and self.chance(0.6):
                subj["namespace"] = namespace
            elif self.chance(0.2):
                subj["namespace"] = self.pick(NAMESPACES)
            objs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                         "metadata": meta(f"{app}-rb"), "roleRef": {
                             "apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                             "name": role}, "subjects": [subj]})
        if "sa" in refs and cluster.get("cr") and self.chance(0.4):
            subj = {"kind": "ServiceAccount", "name": refs["sa"],
                    "namespace": namespace or self.pick(NAMESPACES)}
            m = {"name": f"{app}-crb"}
            objs.append({"apiVersion": "rbac.authorization.k8s.io/v1",
                         "kind": "ClusterRoleBinding", "metadata": m, "roleRef": {
                             "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                             "name": cluster["cr"]}, "subjects": [subj]})
        self.r.shuffle(objs)
        return objs

    def cluster_objs(self):
        objs, info = [], {}
        ns = self.pick(NAMESPACES)
        objs.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {
            "name": ns, "labels": self.labels(0, 1)}})
        info["ns"] = ns
        if self.chance(0.7):
            info["cr"] = self.pick(["reader", "viewer", "operator"])
            objs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                         "metadata": {"name": info["cr"]}, "rules": [{
                             "apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]})
        if self.chance(0.6):
            info["sc"] = self.pick(["fast", "standard", "ssd"])
            objs.append({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                         "metadata": {"name": info["sc"]}, "provisioner": "example.com/disk",
                         "reclaimPolicy": "Retain"})
        if self.chance(0.3):
            info["pc"] = self.pick(["high", "batch-low"])
            objs.append({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                         "metadata": {"name": info["pc"]}, "value": 1000,
                         "globalDefault": False})
        if self.chance(0.3):
            info["ic"] = self.pick(["nginx", "public"])
            objs.append({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
                         "metadata": {"name": info["ic"]},
                         "spec": {"controller": "k8s.io/ingress-nginx"}})
        if self.chance(0.3):
            svc = self.pick(["webhook", "admission"])
            info["hook_svc"] = svc
            objs.append({"apiVersion": "v1", "kind": "Service",
                         "metadata": {"name": svc, "namespace": ns},
                         "spec": {"selector": {"app": svc}, "ports": [{"port": 443}]}})
            objs.append({"apiVersion": "admissionregistration.k8s.io/v1",
                         "kind": self.pick(["ValidatingWebhookConfiguration",
                                            "MutatingWebhookConfiguration"]),
                         "metadata": {"name": f"{svc}-hooks"},
                         "webhooks": [{"name": "check.example.com",
                                       "admissionReviewVersions": ["v1"],
                                       "sideEffects": "None",
                                       "clientConfig": {"service": {
                                           "name": svc, "namespace": ns, "path": "/check"}}}]})
            if self.chance(0.4):
                objs.append({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
                             "metadata": {"name": "v1.metrics.example.com"},
                             "spec": {"group": "metrics.example.com", "version": "v1",
                                      "groupPriorityMinimum": 100, "versionPriority": 10,
                                      "service": {"name": svc, "namespace": ns}}})
        if self.chance(0.4):
            info["pv"] = self.pick(["pv-one", "volume-a", "disk0"])
            pv = {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"],
                  "hostPath": {"path": "/data"}}
            if info.get("sc"):
                pv["storageClassName"] = info["sc"]
            objs.append({"apiVersion": "v1", "kind": "PersistentVolume",
                         "metadata": {"name": info["pv"]}, "spec": pv})
        if self.chance(0.4):
            plural = self.pick(["widgets", "gadgets", "backups"])
            kind = plural[:-1].capitalize()
            objs.append({"apiVersion": "apiextensions.k8s.io/v1",
                         "kind": "CustomResourceDefinition",
                         "metadata": {"name": f"{plural}.example.com"}, "spec": {
                             "group": "example.com", "scope": "Namespaced",
                             "names": {"kind": kind, "plural": plural,
                                       "singular": plural[:-1]},
                             "versions": [{"name": "v1", "served": True, "storage": True,
                                           "schema": {"openAPIV3Schema": {"type": "object"}}}]}})
            objs.append({"apiVersion": "example.com/v1", "kind": kind,
                         "metadata": {"name": f"my-{plural[:-1]}", "namespace": ns},
                         "spec": {"size": self.r.randint(1, 3)}})
        self.r.shuffle(objs)
        return objs, info

    # ------------------------------------------------------------ writing a kustomization

    def write_objs(self, d, objs, prefix="res"):
        """Writes objects as resource files (one per file, multi-doc, or a sub-dir)."""
        entries = []
        style = self.pick(["single", "single", "multi", "mixed"])
        if style == "multi":
            name = self.pick(["all.yaml", "manifests.yaml", f"{prefix}.yaml"])
            if self.chance(0.15):
                self.write(f"{d}/{name}", dump({"apiVersion": "v1", "kind": "List",
                                                "items": objs}))
            else:
                self.write(f"{d}/{name}", docs(objs))
            return [name]
        rest = list(objs)
        if style == "mixed" and len(rest) > 2:
            k = self.r.randint(2, len(rest))
            self.write(f"{d}/bundle.yaml", docs(rest[:k]))
            entries.append("bundle.yaml")
            rest = rest[k:]
        for o in rest:
            fname = f"{o['kind'].lower()}-{o['metadata']['name']}.yaml"
            if self.chance(0.1):
                fname = fname.replace(".yaml", ".yml")
            self.write(f"{d}/{fname}", dump(o))
            entries.append(fname)
        return entries

    def write_kustomization(self, d, k, component=False):
        if component:
            body = {"apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component"}
        elif self.chance(0.8):
            body = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"}
        else:
            body = {}
        body.update(k)
        name = "kustomization.yaml"
        if self.chance(0.08):
            name = self.pick(["kustomization.yml", "Kustomization"])
        self.write(f"{d}/{name}", dump(body))


# ---------------------------------------------------------------- transforms at a level

def cur_name(o):
    return o["metadata"]["name"]


def pod_template(o):
    k = o["kind"]
    if k in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        return o["spec"].get("template", {})
    if k == "CronJob":
        return o["spec"].get("jobTemplate", {}).get("spec", {}).get("template", {})
    if k == "Pod":
        return {"spec": o["spec"]}
    return None


def containers_path(o):
    k = o["kind"]
    if k == "Pod":
        return "/spec/containers"
    if k == "CronJob":
        return "/spec/jobTemplate/spec/template/spec/containers"
    return "/spec/template/spec/containers"


WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod")


class Level:
    """Builds the transforms of one kustomization given the objects it sees (`view`)."""

    def __init__(self, g, d, view, top, component=False):
        self.g = g
        self.d = d
        self.view = view  # list of dicts: the objects as they look at this level
        self.top = top
        self.component = component
        self.k = {}
        self.files = 0

    def fname(self, stem):
        self.files += 1
        return f"{stem}-{self.files}.yaml"

    def smp_for(self, o):
        """A strategic-merge patch body for object o (named as this level sees it)."""
        g = self.g
        p = {"apiVersion": o["apiVersion"], "kind": o["kind"],
             "metadata": {"name": cur_name(o)}}
        if o["metadata"].get("namespace"):
            p["metadata"]["namespace"] = o["metadata"]["namespace"]
        k = o["kind"]
        tmpl = pod_template(o)
        if tmpl is not None and tmpl.get("spec", {}).get("containers"):
            cs = tmpl["spec"]["containers"]
            c0 = cs[0]["name"]
            choice = g.pick(["env", "image", "add", "delete", "resources", "replicas",
                             "volume", "replace", "labels", "ports", "env-delete", "mounts",
                             "list-replace", "add-ref", "args", "init", "relabel", "relabel",
                             "reannotate"])
            spec = {}
            if choice == "env":
                spec = {"containers": [{"name": c0, "env": [
                    {"name": g.pick(["LOG_LEVEL", "EXTRA", "MODE"]),
                     "value": g.pick(["trace", "on", "1"])}]}]}
            elif choice == "image":
                spec = {"containers": [{"name": c0, "image": g.pick(IMAGES)}]}
            elif choice == "add":
                spec = {"containers": [{"name": "extra", "image": g.pick(IMAGES),
                                        "args": ["--verbose"]}]}
            elif choice == "delete" and len(cs) > 1:
                spec = {"containers": [{"name": cs[1]["name"], "$patch": "delete"}]}
            elif choice == "resources":
                spec = {"containers": [{"name": c0, "resources": {"requests": {
                    "cpu": g.pick(["50m", "250m"])}}}]}
            elif choice == "volume":
                spec = {"volumes": [{"name": "cache", "emptyDir": {"medium": "Memory"}}],
                        "containers": [{"name": c0, "volumeMounts": [
                            {"name": "cache", "mountPath": "/cache"}]}]}
            elif choice == "replace":
                spec = {"nodeSelector": {"$patch": "replace", "disk": "ssd"}}
            elif choice == "ports":
                port = g.pick([9443, 8080, 80])
                spec = {"containers": [{"name": c0, "ports": [
                    {"containerPort": port, "name": g.pick(["https", "web"])}]}]}
            elif choice == "env-delete" and cs[0].get("env"):
                spec = {"containers": [{"name": c0, "env": [
                    {"name": cs[0]["env"][0]["name"], "$patch": "delete"},
                    {"name": "ADDED", "value": "yes"}]}]}
            elif choice == "mounts":
                spec = {"containers": [{"name": c0, "volumeMounts": [
                    {"name": "tmp", "mountPath": g.pick(["/tmp", "/mnt/tmp"]),
                     "readOnly": True}]}],
                        "volumes": [{"name": "tmp", "emptyDir": {}}]}
            elif choice == "list-replace":
                spec = {"containers": [{"$patch": "replace"},
                                       {"name": c0, "image": g.pick(IMAGES)}]}
            elif choice == "add-ref":
                refs = [x for x in self.view if x["kind"] in ("ConfigMap", "Secret")]
                if refs:
                    ref = g.pick(refs)
                    key = "configMapKeyRef" if ref["kind"] == "ConfigMap" else "secretKeyRef"
                    spec = {"containers": [{"name": c0, "env": [
                        {"name": "FROM_REF", "valueFrom": {key: {
                            "name": cur_name(ref), "key": "k"}}}]}]}
                    if g.chance(0.5):
                        vol = ({"configMap": {"name": cur_name(ref)}}
                               if ref["kind"] == "ConfigMap"
                               else {"secret": {"secretName": cur_name(ref)}})
                        spec["volumes"] = [dict({"name": "added"}, **vol)]
            elif choice == "args":
                spec = {"containers": [{"name": c0, "args": ["--port=8080", "--v=2"],
                                        "command": ["/bin/app"]}]}
            elif choice == "relabel":
                # rewrite, in the pod template only, a label set by a lower level
                labels = dict(o["metadata"].get("labels", {}))
                if labels:
                    key = g.pick(sorted(labels))
                    spec = {}
                    tm = {"labels": {key: g.pick(LABEL_VALUES)}}
                    if g.chance(0.3):
                        p["metadata"]["labels"] = {key: g.pick(LABEL_VALUES)}
                        tm = {}
                    p["_template_meta"] = tm
            elif choice == "reannotate":
                anns = dict(o["metadata"].get("annotations", {}))
                if anns:
                    key = g.pick(sorted(anns))
                    p["metadata"]["annotations"] = {key: g.pick(ANN_VALUES)}
            elif choice == "init":
                spec = {"initContainers": [{"name": "migrate", "image": g.pick(IMAGES)}]}
            tm = p.pop("_template_meta", None)
            if tm and k != "Pod":
                spec = {"$meta": tm}
            if k == "Pod":
                p["spec"] = spec
            elif k == "CronJob":
                p["spec"] = {"jobTemplate": {"spec": {"template": {"spec": spec}}}}
            else:
                p["spec"] = {"template": {"spec": spec}}
            meta_ = spec.pop("$meta", None) if isinstance(spec, dict) else None
            if meta_ is not None:
                tmpl_ = (p["spec"]["jobTemplate"]["spec"]["template"] if k == "CronJob"
                         else p["spec"]["template"])
                tmpl_.pop("spec", None)
                if meta_:
                    tmpl_["metadata"] = meta_
            if choice == "replicas" and k in ("Deployment", "StatefulSet"):
                p["spec"] = {"replicas": g.r.randint(2, 9)}
            if choice == "labels":
                p["metadata"]["labels"] = g.labels(1, 1)
            return p
        if k == "ConfigMap":
            if g.chance(0.2):
                p["data"] = {"mode": None}
            else:
                p["data"] = {g.pick(["mode", "level", "region"]): g.pick(["x", "y", "eu-1"])}
        elif k == "Service":
            choice = g.pick(["add-port", "merge-port", "type", "selector"])
            if choice == "add-port":
                p["spec"] = {"ports": [{"name": "https", "port": 443, "targetPort": 8443}]}
            elif choice == "merge-port":
                p["spec"] = {"ports": [{"port": 80, "targetPort": 9090}]}
            elif choice == "type":
                p["spec"] = {"type": "LoadBalancer", "externalTrafficPolicy": "Local"}
            else:
                p["spec"] = {"selector": {"tier": "patched"}}
        elif k == "Ingress":
            p["spec"] = {"tls": [{"hosts": ["x.example.com"], "secretName": "x-tls"}]}
        elif k in ("RoleBinding", "ClusterRoleBinding"):
            p["subjects"] = [{"kind": "Group", "name": "devs",
                              "apiGroup": "rbac.authorization.k8s.io"}]
        elif k == "HorizontalPodAutoscaler":
            p["spec"] = {"maxReplicas": 20, "metrics": [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}
        elif k == "Secret":
            p["stringData"] = {"token": "abc"}
        else:
            p["metadata"]["annotations"] = g.annotations(1, 1)
        return p

    def json6902_for(self, o):
        g = self.g
        ops = []
        k = o["kind"]
        choice = g.pick(["label", "ann", "replicas", "image", "remove", "container", "test",
                         "copy", "move", "insert", "remove-item", "slash-ann", "env-add"])
        if choice == "move" and k in ("Deployment", "StatefulSet"):
            ops.append({"op": "add", "path": "/spec/template/metadata/annotations",
                        "value": {"moved": "from-spec"}})
            ops.append({"op": "move", "from": "/spec/template/metadata/annotations",
                        "path": "/metadata/annotations"})
            return ops
        if choice == "insert" and k in WORKLOADS:
            ops.append({"op": "add", "path": containers_path(o) + "/0",
                        "value": {"name": "first", "image": g.pick(IMAGES)}})
            return ops
        if choice == "remove-item" and k in WORKLOADS:
            ops.append({"op": "add", "path": containers_path(o) + "/-",
                        "value": {"name": "tmp", "image": "busybox"}})
            ops.append({"op": "remove", "path": containers_path(o) + "/1"})
            return ops
        if choice == "slash-ann":
            ops.append({"op": "add", "path": "/metadata/annotations", "value": {}})
            ops.append({"op": "add", "path": "/metadata/annotations/example.com~1patched",
                        "value": g.pick(["true", "yes", "1", "on"])})
            return ops
        if choice == "env-add" and k in WORKLOADS:
            ops.append({"op": "add", "path": containers_path(o) + "/0/env",
                        "value": [{"name": "A", "value": g.pick(["1", "true", "x"])}]})
            return ops
        if choice == "replicas" and k in ("Deployment", "StatefulSet"):
            ops.append({"op": g.pick(["replace", "add"]), "path": "/spec/replicas",
                        "value": g.r.randint(1, 7)})
        elif choice == "image" and k in WORKLOADS:
            ops.append({"op": "replace", "path": containers_path(o) + "/0/image",
                        "value": g.pick(IMAGES)})
        elif choice == "container" and k in WORKLOADS:
            ops.append({"op": "add", "path": containers_path(o) + "/-",
                        "value": {"name": "j-extra", "image": "busybox"}})
        elif choice == "remove" and o["metadata"].get("labels"):
            key = g.pick(sorted(o["metadata"]["labels"]))
            ops.append({"op": "remove",
                        "path": "/metadata/labels/" + key.replace("~", "~0").replace("/", "~1")})
        elif choice == "test":
            ops.append({"op": "test", "path": "/kind", "value": k})
            ops.append({"op": "add", "path": "/metadata/annotations", "value": {"tested": "yes"}})
        elif choice == "copy" and k in WORKLOADS and o["metadata"].get("labels"):
            # a container name is a valid label value (an image reference is not)
            ops.append({"op": "copy", "from": containers_path(o) + "/0/name",
                        "path": "/metadata/labels/copied"})
        else:
            if o["metadata"].get("labels") and g.chance(0.5):
                ops.append({"op": "add", "path": "/metadata/labels/patched", "value": "true"})
            else:
                ops.append({"op": "add", "path": "/metadata/annotations",
                            "value": g.annotations(1, 2)})
        return ops

    def selector_for(self, o, group_objs):
        """A target selector matching o (and maybe more)."""
        g = self.g
        api = o["apiVersion"]
        group, version = (api.split("/") + [""])[:2] if "/" in api else ("", api)
        t = {}
        mode = g.pick(["kind", "kind+name", "name", "regex", "label", "ann", "gv", "ns",
                       "kind-regex"])
        if mode == "kind-regex":
            t["kind"] = g.pick([f"{o['kind']}|Nothing", f"({o['kind']})",
                                o["kind"][:3] + ".*"])
        if mode in ("kind", "kind+name", "gv"):
            t["kind"] = o["kind"]
        if mode in ("kind+name", "name"):
            t["name"] = cur_name(o)
        if mode == "regex":
            n = cur_name(o)
            t["name"] = g.pick([n[:3] + ".*", ".*" + n[-3:], n.split("-")[0] + "-?.*"])
            if g.chance(0.5):
                t["kind"] = o["kind"]
        if mode == "label":
            labels = o["metadata"].get("labels")
            if labels:
                key = g.pick(sorted(labels))
                t["labelSelector"] = g.pick([f"{key}={labels[key]}", key,
                                             f"{key} in ({labels[key]},zzz)"])
            else:
                t["kind"] = o["kind"]
        if mode == "ann":
            anns = o["metadata"].get("annotations")
            if anns:
                key = g.pick(sorted(anns))
                t["annotationSelector"] = key if g.chance(0.5) else f"{key}!=nomatch"
            else:
                t["name"] = cur_name(o)
        if mode == "gv":
            if group and g.chance(0.7):
                t["group"] = group
            t["version"] = version
        if mode == "ns":
            t["namespace"] = o["metadata"].get("namespace", "")
            t["kind"] = o["kind"]
            if not t["namespace"]:
                del t["namespace"]
        return t

    def add_patches(self):
        g, view = self.g, self.view
        if not view:
            return
        patches, psm, pj = [], [], []
        for _ in range(g.r.randint(1, 3)):
            o = g.pick(view)
            form = g.pick(["smp-inline", "smp-file", "smp-target", "json-inline", "json-file",
                           "psm-file", "psm-inline", "pj-file", "pj-inline", "rename",
                           "delete"])
            if form in ("psm-file", "psm-inline", "pj-file", "pj-inline") and self.component:
                form = "smp-inline"
            if form == "smp-inline":
                patches.append({"patch": dump(self.smp_for(o))})
            elif form == "smp-file":
                f = self.fname("patch")
                g.write(f"{self.d}/{f}", dump(self.smp_for(o)))
                patches.append({"path": f})
            elif form == "smp-target":
                body = self.smp_for(o)
                body["metadata"]["name"] = g.pick(["ignored", body["metadata"]["name"]])
                t = self.selector_for(o, view)
                # the patch's own kind must fit every target: keep it to metadata
                body = {"apiVersion": body["apiVersion"], "kind": body["kind"],
                        "metadata": {"name": body["metadata"]["name"],
                                     "annotations": g.annotations(1, 1)}}
                if g.chance(0.3):
                    body["metadata"]["labels"] = {"patched-by": "smp"}
                patches.append({"patch": dump(body), "target": t})
            elif form in ("json-inline", "json-file"):
                ops = self.json6902_for(o)
                t = {"kind": o["kind"], "name": cur_name(o)}
                if g.chance(0.4):
                    t = self.selector_for(o, view)
                    ops = [op for op in ops if op["op"] in ("add",)
                           and op["path"].startswith("/metadata/annotations")]
                    if not ops:
                        ops = [{"op": "add", "path": "/metadata/annotations",
                                "value": {"via": "selector"}}]
                if form == "json-inline":
                    text = dump(ops) if g.chance(0.6) else json.dumps(ops)
                    patches.append({"patch": text, "target": t})
                else:
                    f = self.fname("ops").replace(".yaml", g.pick([".yaml", ".json"]))
                    g.write(f"{self.d}/{f}", json.dumps(ops, indent=2) if f.endswith(".json")
                            else dump(ops))
                    patches.append({"path": f, "target": t})
            elif form == "psm-file":
                f = self.fname("psm")
                bodies = [self.smp_for(o)]
                others = [x for x in view if x is not o and x["kind"] != o["kind"]]
                if others and g.chance(0.4):
                    bodies.append(self.smp_for(g.pick(others)))
                g.write(f"{self.d}/{f}", docs(bodies))
                psm.append(f)
            elif form == "psm-inline":
                psm.append(dump(self.smp_for(o)))
            elif form in ("pj-file", "pj-inline"):
                api = o["apiVersion"]
                group, version = api.split("/") if "/" in api else ("", api)
                t = {"version": version, "kind": o["kind"], "name": cur_name(o)}
                if group:
                    t["group"] = group
                if o["metadata"].get("namespace") and g.chance(0.5):
                    t["namespace"] = o["metadata"]["namespace"]
                ops = self.json6902_for(o)
                if form == "pj-file":
                    f = self.fname("json6902")
                    g.write(f"{self.d}/{f}", dump(ops))
                    pj.append({"target": t, "path": f})
                else:
                    pj.append({"target": t, "patch": dump(ops)})
            elif form == "rename":
                new = cur_name(o) + "-" + g.pick(["v2", "renamed", "x"])
                if g.chance(0.5):
                    ops = [{"op": "replace", "path": "/metadata/name", "value": new}]
                    patches.append({"patch": dump(ops), "target": {
                        "kind": o["kind"], "name": cur_name(o)}})
                else:
                    body = {"apiVersion": o["apiVersion"], "kind": o["kind"],
                            "metadata": {"name": new}}
                    patches.append({"patch": dump(body), "target": {
                        "kind": o["kind"], "name": cur_name(o)},
                        "options": {"allowNameChange": True}})
                o["metadata"]["name"] = new
            elif form == "delete":
                if o["kind"] in WORKLOADS:
                    continue  # keep the references intact
                body = {"apiVersion": o["apiVersion"], "kind": o["kind"],
                        "metadata": {"name": cur_name(o)}, "$patch": "delete"}
                if o["metadata"].get("namespace"):
                    body["metadata"]["namespace"] = o["metadata"]["namespace"]
                patches.append({"patch": dump(body)})
                view.remove(o)
                if not view:
                    break
        if patches:
            self.k["patches"] = patches
        if psm:
            self.k["patchesStrategicMerge"] = psm
        if pj:
            self.k["patchesJson6902"] = pj

    def images(self):
        g = self.g
        seen = []
        for o in self.view:
            t = pod_template(o)
            if t:
                for c in t.get("spec", {}).get("containers", []) + \
                        t.get("spec", {}).get("initContainers", []):
                    seen.append(c["image"])
        pool = seen + IMAGES
        out = []
        for _ in range(g.r.randint(1, 3)):
            img = g.pick(pool)
            base = re.split(r"@", img)[0]
            # strip the tag (a colon after the last slash)
            slash = base.rfind("/")
            colon = base.rfind(":")
            name = base[:colon] if colon > slash else base
            if g.chance(0.15) and "/" in name:
                name = name.split("/")[-1]
            e = {"name": name}
            r = g.r.random()
            if r < 0.35:
                e["newTag"] = g.pick(["1.0.0", "v2", "latest", "2024-01-01", "1.27"])
            elif r < 0.5:
                e["digest"] = g.pick(DIGESTS)
            elif r < 0.7:
                e["newName"] = g.pick(["mirror.example.com/" + name.split("/")[-1],
                                       "registry.local:5000/x/" + name.split("/")[-1],
                                       name.split("/")[-1] + "-fork"])
            else:
                e["newName"] = "mirror.example.com/" + name.split("/")[-1]
                if g.chance(0.5):
                    e["newTag"] = "v9"
                else:
                    e["digest"] = g.pick(DIGESTS)
            if any(x["name"] == name for x in out):
                continue
            out.append(e)
        self.k["images"] = out

    def replicas(self):
        g = self.g
        cands = [o for o in self.view if o["kind"] in ("Deployment", "StatefulSet")]
        if not cands:
            return
        o = g.pick(cands)
        name = cur_name(o)
        if g.chance(0.3) and o.get("_org"):
            name = o["_org"]
        self.k["replicas"] = [{"name": name, "count": g.r.randint(0, 6)}]

    def metadata_transforms(self, allow_ns=True):
        g = self.g
        if allow_ns and g.chance(0.4):
            self.k["namespace"] = g.pick(NAMESPACES)
        if g.chance(0.35):
            self.k["namePrefix"] = g.pick(["dev-", "prod-", "x-", "team-a-", "eu-", "p"])
        if g.chance(0.25):
            self.k["nameSuffix"] = g.pick(["-v1", "-blue", "-east", "-2", "s"])
        if g.chance(0.3):
            self.k["commonLabels"] = g.labels(1, 2)
        if g.chance(0.3):
            entries = []
            for _ in range(g.r.randint(1, 2)):
                e = {"pairs": g.labels(1, 2)}
                if g.chance(0.5):
                    e["includeSelectors"] = g.chance(0.5)
                if g.chance(0.4):
                    e["includeTemplates"] = g.chance(0.6)
                if g.chance(0.15):
                    e["fields"] = [g.pick([
                        {"path": "spec/template/metadata/labels", "kind": "Deployment",
                         "create": True},
                        {"path": "spec/selector", "kind": "Service", "create": False},
                        {"path": "metadata/annotations", "create": True}])]
                entries.append(e)
            self.k["labels"] = entries
        if g.chance(0.3):
            self.k["commonAnnotations"] = g.annotations(1, 2)
        if g.chance(0.35):
            self.images()
        if g.chance(0.2):
            self.replicas()
        if g.chance(0.5):
            self.add_patches()

    def apply_to_view(self):
        """Approximates what this level does to names (for the next level's patches)."""
        pre, suf = self.k.get("namePrefix", ""), self.k.get("nameSuffix", "")
        ns = self.k.get("namespace")
        cluster = CLUSTER_KINDS
        labels = dict(self.k.get("commonLabels", {}))
        for e in self.k.get("labels", []):
            labels.update(e["pairs"])
        anns = self.k.get("commonAnnotations", {})
        for o in self.view:
            if o["kind"] != "Namespace" and o["kind"] != "CustomResourceDefinition":
                o["metadata"]["name"] = pre + o["metadata"]["name"] + suf
            if ns and o["kind"] not in cluster:
                o["metadata"]["namespace"] = ns
            if labels:
                o["metadata"].setdefault("labels", {}).update(labels)
            if anns:
                o["metadata"].setdefault("annotations", {}).update(anns)


# ---------------------------------------------------------------- the tree

def copy_view(objs):
    return [json.loads(json.dumps(o)) for o in objs]


def generate(out, seed):
    r = random.Random(seed)
    g = Gen(r, out)
    builds = []
    cluster_info = {}
    cluster_dir = None
    bases = {}  # dir -> view
    # dir -> the bases it reaches, each tagged with the name prefixes/suffixes on the way:
    # two parents reaching the same (base, tag) would add the same ids twice
    reach = {}
    if g.chance(0.45):
        objs, cluster_info = g.cluster_objs()
        cluster_dir = "base/cluster"
        k = {"resources": g.write_objs(cluster_dir, objs)}
        g.write_kustomization(cluster_dir, k)
        bases[cluster_dir] = copy_view(objs)
        reach[cluster_dir] = {(cluster_dir, "")}
    root_ns = g.pick([None, None, cluster_info.get("ns") or g.pick(NAMESPACES)])
    for _ in range(r.randint(1, 3)):
        app = g.uniq(WORDS)
        d = f"base/{app}"
        ns = root_ns if g.chance(0.7) else None
        objs = g.app(app, ns, cluster_info)
        lvl = Level(g, d, copy_view(objs), False)
        for o in lvl.view:
            o["_org"] = o["metadata"]["name"]
        gen_cm = [o for o in objs if o["kind"] == "ConfigMap"] if g.chance(0.25) else []
        if gen_cm:
            # the app's ConfigMap comes from a generator: hashed name, references fixed
            objs = [o for o in objs if o["kind"] != "ConfigMap"]
            cm = gen_cm[0]
            entry = {"name": cm["metadata"]["name"],
                     "literals": [f"{k}={v}" for k, v in cm["data"].items()
                                  if "\n" not in v]}
            if cm["metadata"].get("namespace"):
                entry["namespace"] = cm["metadata"]["namespace"]
            if g.chance(0.2):
                entry["options"] = {"disableNameSuffixHash": True}
            lvl.k["configMapGenerator"] = [entry]
        if g.chance(0.3):
            # the app's objects live in a plain sub-directory kustomization
            sub = g.write_objs(f"{d}/manifests", objs) if objs else []
            g.write_kustomization(f"{d}/manifests", {"resources": sub})
            res = ["manifests"]
        else:
            res = g.write_objs(d, objs) if objs else []
        lvl.k["resources"] = res
        if g.chance(0.3):
            lvl.k["commonLabels"] = {"app.kubernetes.io/name": app}
        if g.chance(0.2):
            lvl.metadata_transforms(allow_ns=True)
        g.write_kustomization(d, lvl.k)
        lvl.apply_to_view()
        bases[d] = lvl.view
        reach[d] = {(d, "")}
        if g.chance(0.15):
            builds.append(d)

    # components
    comps = []
    for _ in range(r.choice([0, 0, 1, 1, 2, 3])):
        name = g.uniq(COMPONENTS)
        d = f"components/{name}"
        k = {}
        if g.chance(0.5):
            extra = {"apiVersion": "v1", "kind": "ConfigMap",
                     "metadata": {"name": f"{name}-settings"},
                     "data": {"enabled": "true"}}
            k["resources"] = g.write_objs(d, [extra], prefix=name)
        comps.append((d, k))

    nested = None
    if len(comps) >= 2 and g.chance(0.4):
        nested = (comps[0], comps[1])
        comps[0][1]["components"] = [os.path.relpath(comps[1][0], comps[0][0])]

    # mid overlays
    app_bases = [b for b in bases if b != cluster_dir]
    levels = r.choice([0, 1, 1, 2])
    layer = list(bases)
    for depth in range(levels):
        nxt = []
        n = r.randint(1, 2)
        shared = n == 2 and g.chance(0.5)
        for i in range(n):
            name = g.uniq(MIDS)
            d = f"overlays/{name}"
            if shared:
                inc = ([b for b in layer if b in app_bases] or layer)[:1]
                if i == 0:
                    by_ns = g.chance(0.4) and not any(
                        o["kind"] in CLUSTER_KINDS for b in inc for o in bases[b])
            else:
                inc = disjoint(g, reach, g.some(layer, 1, len(layer)) if i == 0
                               else g.some(layer, 1, 2))
            view = []
            for b in inc:
                view.extend(copy_view(bases[b]))
            lvl = Level(g, d, view, False)
            lvl.k["resources"] = [os.path.relpath(b, d) for b in inc]
            if g.chance(0.25):
                extra = referencing(g, lvl.view, name)
                if extra:
                    lvl.k["resources"] += g.write_objs(d, extra, prefix="refs")
                    lvl.view.extend(copy_view(extra))
            lvl.metadata_transforms(allow_ns=not shared)
            if g.chance(0.1):
                lvl.k["sortOptions"] = sort_options(g, lvl.view)
            if shared and by_ns:
                lvl.k["namespace"] = f"ns{i}"
            elif shared:
                lvl.k["namePrefix"] = f"m{i}-"
            if g.chance(0.1):
                # the deprecated spelling of resources
                lvl.k["bases"] = lvl.k.pop("resources")
            g.write_kustomization(d, lvl.k)
            lvl.apply_to_view()
            bases[d] = lvl.view
            tag = lvl.k.get("namePrefix", "") + "|" + lvl.k.get("nameSuffix", "")
            tag = "" if tag == "|" else tag
            if shared and by_ns:
                tag += "ns" + lvl.k["namespace"]
            reach[d] = {(b, t + tag) for i_ in inc for b, t in reach[i_]}
            nxt.append(d)
            if g.chance(0.2):
                builds.append(d)
        layer = nxt

    # env overlays
    for _ in range(r.randint(1, 3)):
        env = g.uniq(ENVS)
        d = f"envs/{env}"
        if levels and g.chance(0.85):
            inc = g.some(layer, 1, len(layer)) if layer else []
        else:
            inc = g.some(list(bases), 1, 3)
        inc = disjoint(g, reach, inc)
        view = []
        for b in inc:
            view.extend(copy_view(bases[b]))
        lvl = Level(g, d, view, True)
        lvl.k["resources"] = [os.path.relpath(b, d) for b in inc]
        if g.chance(0.3):
            cm = {"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"name": f"{env}-env"}, "data": {"ENV": env}}
            lvl.k["resources"] += g.write_objs(d, [cm], prefix="env")
            lvl.view.append(copy_view([cm])[0])
        if g.chance(0.35):
            extra = referencing(g, lvl.view, env)
            if extra:
                lvl.k["resources"] += g.write_objs(d, extra, prefix="refs")
                lvl.view.extend(copy_view(extra))
        use = g.some(comps, 0, len(comps)) if comps else []
        if nested and nested[0] in use and nested[1] in use:
            use.remove(nested[1])
        if use:
            lvl.k["components"] = [os.path.relpath(c[0], d) for c in use]
        lvl.metadata_transforms()
        if g.chance(0.25):
            lvl.k["sortOptions"] = sort_options(g, lvl.view)
        if g.chance(0.1):
            lvl.k["buildMetadata"] = g.some(["originAnnotations", "transformerAnnotations",
                                             "managedByLabel"], 1, 2)
        g.write_kustomization(d, lvl.k)
        builds.append(d)

    # components see what the env that uses them sees; write each against a typical view
    all_view = []
    for b in bases:
        all_view.extend(copy_view(bases[b]))
    for d, k in comps:
        lvl = Level(g, d, copy_view(all_view), False, component=True)
        lvl.k.update(k)
        if g.chance(0.5):
            if g.chance(0.5):
                lvl.k["commonLabels"] = g.labels(1, 1)
            else:
                lvl.k["commonAnnotations"] = g.annotations(1, 1)
        if g.chance(0.4):
            lvl.images()
        if g.chance(0.4):
            lvl.k["labels"] = [{"pairs": g.labels(1, 1),
                                "includeSelectors": g.chance(0.3)}]
        if g.chance(0.5):
            # a component patch must not fail where the component is used: target by kind
            o = g.pick(all_view) if all_view else None
            if o is not None:
                body = {"apiVersion": o["apiVersion"], "kind": o["kind"],
                        "metadata": {"name": "any", "annotations": {"component": "on"}}}
                lvl.k.setdefault("patches", []).append(
                    {"patch": dump(body), "target": {"kind": o["kind"]}})
        if not lvl.k:
            lvl.k["commonAnnotations"] = {"component": d.split("/")[-1]}
        g.write_kustomization(d, lvl.k, component=True)

    if g.chance(0.08):
        breakage(g, builds)
    return builds


def referencing(g, view, tag):
    """Objects an overlay adds that refer to what its bases hold (fixed up by name)."""
    out = []
    by_kind = {}
    for o in view:
        by_kind.setdefault(o["kind"], []).append(o)
    ns = lambda o: {"namespace": o["metadata"]["namespace"]} \
        if o["metadata"].get("namespace") else {}
    if by_kind.get("Service") and g.chance(0.6):
        svc = g.pick(by_kind["Service"])
        out.append({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                    "metadata": dict({"name": f"{tag}-ingress"}, **ns(svc)),
                    "spec": {"rules": [{"host": f"{tag}.example.com", "http": {"paths": [{
                        "path": "/", "pathType": "Prefix", "backend": {"service": {
                            "name": cur_name(svc), "port": {"number": 80}}}}]}}]}})
    if by_kind.get("ServiceAccount") and g.chance(0.6):
        sa = g.pick(by_kind["ServiceAccount"])
        subj = dict({"kind": "ServiceAccount", "name": cur_name(sa)}, **ns(sa))
        out.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "metadata": dict({"name": f"{tag}-binding"}, **ns(sa)),
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                "name": g.pick(["view", "edit"])},
                    "subjects": [subj]})
    deps = by_kind.get("Deployment", []) + by_kind.get("StatefulSet", [])
    if deps and g.chance(0.4):
        dep = g.pick(deps)
        out.append({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                    "metadata": dict({"name": f"{tag}-hpa"}, **ns(dep)),
                    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": dep["kind"],
                                                "name": cur_name(dep)},
                             "minReplicas": 2, "maxReplicas": 4}})
    cms = by_kind.get("ConfigMap", []) + by_kind.get("Secret", [])
    if cms and g.chance(0.4):
        ref = g.pick(cms)
        key = "configMapRef" if ref["kind"] == "ConfigMap" else "secretRef"
        out.append({"apiVersion": "batch/v1", "kind": "Job",
                    "metadata": dict({"name": f"{tag}-job"}, **ns(ref)),
                    "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{
                        "name": "run", "image": "busybox",
                        "envFrom": [{key: {"name": cur_name(ref)}}]}]}}}})
    return out


def disjoint(g, reach, dirs):
    """Drops the dirs that would add a base already reached the same way by another."""
    seen, out = set(), []
    for d in dirs:
        if reach[d] & seen:
            continue
        seen |= reach[d]
        out.append(d)
    return out


def sort_options(g, view):
    if g.chance(0.4):
        return {"order": "legacy"}
    kinds = sorted({o["kind"] for o in view})
    g.r.shuffle(kinds)
    so = {"order": "fifo"} if g.chance(0.4) else {"order": "legacy", "legacySortOptions": {
        "orderFirst": kinds[: g.r.randint(0, len(kinds))],
        "orderLast": []}}
    return so


def breakage(g, builds):
    """Makes one built kustomization invalid (both tools must reject it)."""
    d = g.pick(builds)
    path = None
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        if os.path.exists(os.path.join(g.out, d, name)):
            path = os.path.join(g.out, d, name)
    if path is None:
        return
    with open(path) as f:
        text = f.read()
    how = g.pick(["missing-file", "unknown-field", "bad-patch", "missing-dir"])
    if how == "missing-file":
        text += "resources:\n- does-not-exist.yaml\n" if "resources:" not in text else ""
        text = text.replace("resources:\n", "resources:\n- nope.yaml\n", 1)
    elif how == "unknown-field":
        text += "namePrefixes: oops-\n"
    elif how == "bad-patch":
        text = text.replace("resources:\n", "patches:\n- patch: |\n    apiVersion: v1\n"
                            "    kind: ConfigMap\n    metadata:\n      name: ghost\n"
                            "    data:\n      a: b\nresources:\n", 1) \
            if "patches:" not in text else text
    else:
        text = text.replace("resources:\n", "resources:\n- ../missing-dir\n", 1)
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, required=True)
    a = ap.parse_args()
    for b in generate(a.out, a.seed):
        print(b)


if __name__ == "__main__":
    main()
