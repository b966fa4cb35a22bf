#!/usr/bin/python3
"""Validates Kubernetes manifests against the API's own schemas, without kubectl or a cluster.

  validate.py [--values HELM_VALUES] MANIFEST.yaml...   every document, by apiVersion/kind
  validate.py --self-test MANIFEST.yaml                 broken copies of it must each fail

The schemas are k8s-1.27.1.json beside this file (README.md: where they come from). They are
read strictly, as the API server's strict field validation (kubectl --validate=strict) reads
a manifest: a field the schema does not name is an error (a typo such as `mountPth` or
`httpGet.pth` is not silently dropped), OpenAPI's `nullable` admits null, and an optional
object (metadata, spec, a probe) must be an object when it is written. A kind the file
has no schema for is an error too, and so, in a Deployment, is a volume mount naming no volume
of the pod or a probe naming no port of its container. HELM_VALUES: the sidecar values for MyFoil's chart, whose
extraContainers, extraVolumes and lifecycle are checked as Container, Volume and Lifecycle.
Needs python3-yaml and python3-jsonschema (Debian).
"""
import copy
import json
import os
import sys

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_FILE = os.path.join(HERE, "k8s-1.27.1.json")


def strict(node):
    """The OpenAPI schema as a strict JSON Schema: objects with named properties admit no
    others, and `nullable: true` admits null."""
    if isinstance(node, list):
        return [strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    one_of = node.get("oneOf")
    if isinstance(one_of, list) and len(one_of) == 2 and {"type": "null"} in one_of and len(node) == 1:
        # `oneOf: [X, {type: null}]` (an optional object): X alone, so an error inside X is
        # reported where it is, not as "not valid under any of the given schemas" above it.
        return strict(next(s for s in one_of if s != {"type": "null"}))
    out = {k: strict(v) for k, v in node.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


class Schemas:
    def __init__(self, path=SCHEMA_FILE):
        doc = json.load(open(path))
        self.roots = doc["roots"]
        self.defs = {k: strict(v) for k, v in doc["definitions"].items()}
        # References are written "io.k8s.api.core.v1.PodSpec#": each definition is a document
        # of its own, found by that name.
        self.resolver = jsonschema.RefResolver(base_uri="", referrer={}, store=self.defs)

    def errors(self, definition, instance):
        schema = self.defs[definition]
        v = jsonschema.Draft7Validator(schema, resolver=self.resolver)
        found = []
        for e in sorted(v.iter_errors(instance), key=lambda e: list(e.absolute_path)):
            best = jsonschema.exceptions.best_match([e]) if e.context else e
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in best.absolute_path)
            found.append(f"{path.lstrip('.') or '(top)'}: {best.message}")
        return found

    def check_document(self, doc):
        key = f"{doc.get('apiVersion')}/{doc.get('kind')}"
        definition = self.roots.get(key)
        if definition is None:
            return [f"no schema for {key} in {os.path.basename(SCHEMA_FILE)} (extract.sh lists the kinds)"]
        return self.errors(definition, doc) + references(doc)

    def check_values(self, values):
        found = []
        for i, c in enumerate(values.get("extraContainers") or []):
            found += [f"extraContainers[{i}].{e}" for e in self.errors("io.k8s.api.core.v1.Container", c)]
        for i, v in enumerate(values.get("extraVolumes") or []):
            found += [f"extraVolumes[{i}].{e}" for e in self.errors("io.k8s.api.core.v1.Volume", v)]
        if "lifecycle" in values:
            found += [f"lifecycle.{e}" for e in self.errors("io.k8s.api.core.v1.Lifecycle", values["lifecycle"])]
        return found


def references(doc):
    """What the schema cannot see in a pod template: each volume mount names a volume of the
    pod, and each probe's named port is a port of its container."""
    spec = (((doc.get("spec") or {}).get("template") or {}).get("spec")) if doc.get("kind") == "Deployment" else None
    if not isinstance(spec, dict):
        return []
    found = []
    volumes = {v.get("name") for v in spec.get("volumes") or [] if isinstance(v, dict)}
    for i, c in enumerate(spec.get("containers") or []):
        if not isinstance(c, dict):
            continue
        at = f"spec.template.spec.containers[{i}]"
        for j, m in enumerate(c.get("volumeMounts") or []):
            if isinstance(m, dict) and m.get("name") not in volumes:
                found.append(f"{at}.volumeMounts[{j}].name: {m.get('name')!r} is not a volume of the pod {sorted(volumes)}")
        ports = {p.get("name") for p in c.get("ports") or [] if isinstance(p, dict) and p.get("name")}
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            for how in ("httpGet", "tcpSocket", "grpc"):
                port = ((c.get(probe) or {}).get(how) or {}).get("port")
                if isinstance(port, str) and port not in ports:
                    found.append(f"{at}.{probe}.{how}.port: {port!r} is not a port of the container {sorted(ports)}")
    return found


def name_of(doc):
    return f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"


def validate(schemas, manifests, values_file):
    bad = 0
    for path in manifests:
        for doc in yaml.safe_load_all(open(path)):
            if not doc:
                continue
            for e in schemas.check_document(doc):
                print(f"{os.path.basename(path)} {name_of(doc)}: {e}", file=sys.stderr)
                bad += 1
    if values_file:
        for e in schemas.check_values(yaml.safe_load(open(values_file))):
            print(f"{os.path.basename(values_file)}: {e}", file=sys.stderr)
            bad += 1
    return bad


def self_test(schemas, manifest):
    """Each mistake below, made in a copy of the foilcache Deployment, must be reported at
    its place; the unbroken documents must pass."""
    docs = [d for d in yaml.safe_load_all(open(manifest)) if d]
    for d in docs:
        assert not schemas.check_document(d), f"{name_of(d)} does not pass unbroken"
    dep = next(d for d in docs if d["kind"] == "Deployment" and
               any(c["name"] == "foilcache" for c in d["spec"]["template"]["spec"]["containers"]))
    idx = next(i for i, c in enumerate(dep["spec"]["template"]["spec"]["containers"]) if c["name"] == "foilcache")
    at = f"spec.template.spec.containers[{idx}]"

    def container(d):
        return d["spec"]["template"]["spec"]["containers"][idx]

    def rename(obj, old, new):
        obj[new] = obj.pop(old)

    mistakes = [
        ("a typo in a probe's field", lambda d: rename(container(d)["readinessProbe"]["httpGet"], "path", "pth"),
         f"{at}.readinessProbe.httpGet", "'pth' was unexpected"),
        ("a typo in a probe's name", lambda d: rename(container(d), "livenessProbe", "livenesProbe"),
         at, "'livenesProbe' was unexpected"),
        ("a probe's port as a list", lambda d: container(d)["livenessProbe"]["httpGet"].update(port=["foilcache"]),
         f"{at}.livenessProbe.httpGet.port", "is not valid under any of the given schemas"),
        ("a typo in a volume mount", lambda d: rename(container(d)["volumeMounts"][0], "mountPath", "mountPth"),
         f"{at}.volumeMounts[0]", "'mountPth' was unexpected"),
        ("a volume mount without its path", lambda d: container(d)["volumeMounts"][0].pop("mountPath"),
         f"{at}.volumeMounts[0]", "'mountPath' is a required property"),
        ("a volume's configMap misspelt", lambda d: rename(d["spec"]["template"]["spec"]["volumes"][0], "configMap", "configmap"),
         "spec.template.spec.volumes[0]", "'configmap' was unexpected"),
        ("a port number as a string", lambda d: container(d)["ports"][0].update(containerPort="8080"),
         f"{at}.ports[0].containerPort", "is not of type 'integer'"),
        ("a wrong enum", lambda d: d["spec"]["strategy"].update(type="Rolling"),
         "spec.strategy.type", "is not one of"),
        ("a probe on a port the container has not", lambda d: container(d)["readinessProbe"]["httpGet"].update(port="foilcach"),
         f"{at}.readinessProbe.httpGet.port", "is not a port of the container"),
        ("a mount of a volume the pod has not", lambda d: container(d)["volumeMounts"][0].update(name="foilcache-confg"),
         f"{at}.volumeMounts[0].name", "is not a volume of the pod"),
    ]
    failures = 0
    for what, mutate, where, message in mistakes:
        broken = copy.deepcopy(dep)
        mutate(broken)
        errors = schemas.check_document(broken)
        if not any(e.startswith(where + ":") and message in e for e in errors):
            print(f"self-test: {what} is not reported as '{where}: ...{message}...'; got {errors}", file=sys.stderr)
            failures += 1
        else:
            print(f"  rejected, {what}: {next(e for e in errors if e.startswith(where + ':'))}")
    unknown = {"apiVersion": "v1", "kind": "Servce", "metadata": {"name": "x"}}
    if not schemas.check_document(unknown):
        print("self-test: an unknown kind passes", file=sys.stderr)
        failures += 1
    return failures


def main(argv):
    schemas = Schemas()
    if argv[:1] == ["--self-test"] and len(argv) == 2:
        return 1 if self_test(schemas, argv[1]) else 0
    values = None
    if argv[:1] == ["--values"]:
        values, argv = argv[1], argv[2:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    return 1 if validate(schemas, argv, values) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
