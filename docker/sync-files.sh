#!/usr/bin/env bash
# Copies config/ and routes/ to where the deployments take them from: docker/kubernetes/files/ (the kustomize
# configMapGenerator) and docker/chart/drainpilot/files/routes/ (the Helm chart). Run after editing config/ or
# routes/ and commit the result; ConfigMapsMatchFilesTest fails when the copies drift.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
k="docker/kubernetes/files"
c="docker/chart/drainpilot/files/routes"
rm -rf "$k/config" "$k/routes" "$c"
mkdir -p "$k/config" "$k/routes" "$c"
cp config/* "$k/config/"
cp routes/*.camel.yaml "$k/routes/"
cp routes/*.camel.yaml "$c/"
# the generator lists each file: keep docker/kubernetes/kustomization.yaml in step
{
  sed '/^# BEGIN GENERATED FILE LIST/,$d' docker/kubernetes/kustomization.yaml
  echo "# BEGIN GENERATED FILE LIST (docker/sync-files.sh)"
  echo "configMapGenerator:"
  echo "  - name: drainpilot-config"
  echo "    namespace: drainpilot"
  echo "    files:"
  for f in "$k"/config/*; do echo "      - files/config/$(basename "$f")"; done
  echo "  - name: drainpilot-routes"
  echo "    namespace: drainpilot"
  echo "    files:"
  for f in "$k"/routes/*.camel.yaml; do echo "      - files/routes/$(basename "$f")"; done
} > docker/kubernetes/kustomization.yaml.new
mv docker/kubernetes/kustomization.yaml.new docker/kubernetes/kustomization.yaml
echo "copied config/ and routes/ to $k and $c; regenerated the configMapGenerator file list"
