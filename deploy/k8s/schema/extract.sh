#!/usr/bin/env bash
# Regenerates k8s-1.27.1.json (README.md beside it says what it is) from the npm packages
# kubernetes-models 4.3.1 and @kubernetes-models/apimachinery 1.2.2: their _schemas/*.js
# each register one definition of the Kubernetes v1.27.1 OpenAPI as a JSON Schema object.
# This loads them in node with a stand-in for their validation library that keeps what is
# registered, starting from the kinds deploy/k8s/ uses, and writes the closure of their
# references. Needs node and npm (the npm registry); nothing is installed outside a temp dir.
#   deploy/k8s/schema/extract.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/k8s-1.27.1.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent kubernetes-models@4.3.1 @kubernetes-models/apimachinery@1.2.2 >/dev/null
sha256sum ./*.tgz
mkdir -p node_modules/kubernetes-models node_modules/@kubernetes-models/apimachinery node_modules/@kubernetes-models/validate
tar xzf kubernetes-models-4.3.1.tgz --strip-components=1 -C node_modules/kubernetes-models
tar xzf kubernetes-models-apimachinery-1.2.2.tgz --strip-components=1 -C node_modules/@kubernetes-models/apimachinery
# The one function the _schemas modules call.
echo 'exports.register = (id, schema) => { (globalThis.registered ??= {})[id] = schema; };' \
  >node_modules/@kubernetes-models/validate/index.js
node - "$out" <<'JS'
const fs = require("fs");
// The kinds of deploy/k8s/ (render.sh's output and secret.example.yaml).
const kinds = ["IoK8sApiAppsV1Deployment", "IoK8sApiCoreV1Service", "IoK8sApiCoreV1ConfigMap",
               "IoK8sApiCoreV1Secret", "IoK8sApiNetworkingV1NetworkPolicy"];
for (const k of kinds) require(`${process.cwd()}/node_modules/kubernetes-models/_schemas/${k}.js`).addSchema();
const defs = globalThis.registered;
const sorted = {};
for (const id of Object.keys(defs).sort()) sorted[id] = defs[id];
const doc = {
  source: "npm kubernetes-models@4.3.1 and @kubernetes-models/apimachinery@1.2.2 (MIT), " +
          "generated from the Kubernetes v1.27.1 OpenAPI; extracted by extract.sh",
  roots: {
    "v1/ConfigMap": "io.k8s.api.core.v1.ConfigMap", "v1/Secret": "io.k8s.api.core.v1.Secret",
    "v1/Service": "io.k8s.api.core.v1.Service", "apps/v1/Deployment": "io.k8s.api.apps.v1.Deployment",
    "networking.k8s.io/v1/NetworkPolicy": "io.k8s.api.networking.v1.NetworkPolicy",
  },
  definitions: sorted,
};
for (const id of Object.values(doc.roots)) if (!sorted[id]) throw new Error(`${id} not registered`);
fs.writeFileSync(process.argv[2], JSON.stringify(doc, null, 1) + "\n");
console.log(`${Object.keys(sorted).length} definitions -> ${process.argv[2]}`);
JS
