#!/usr/bin/env bash
# Puts Flink's optional plugins where the plugin manager loads them: plugins/<name>/.
# Usage (in the image, FLINK_HOME=/opt/flink): install-plugins.sh s3-fs-hadoop metrics-prometheus ...
# A plugin already in plugins/<name>/ is left alone; otherwise flink-<name>-*.jar is copied from
# opt/ (or wherever the distribution keeps it). The GPU plugin also needs its discovery
# scripts next to the jar; they are extracted from the jar when the distribution lacks them.
set -euo pipefail
cd "${FLINK_HOME:-/opt/flink}"
for name in "$@"; do
  dir="plugins/$name"
  mkdir -p "$dir"
  if ! ls "$dir"/flink-"$name"-*.jar >/dev/null 2>&1; then
    jar=$(find opt plugins -name "flink-$name-*.jar" -not -path "$dir/*" | sort | head -n 1)
    if [ -z "$jar" ]; then
      echo "install-plugins: no flink-$name-*.jar in $(pwd)/opt or plugins" >&2
      exit 1
    fi
    cp "$jar" "$dir/"
  fi
  if [ "$name" = external-resource-gpu ] && [ ! -f "$dir/nvidia-gpu-discovery.sh" ]; then
    unzip -o -j "$(ls "$dir"/flink-"$name"-*.jar | head -n 1)" nvidia-gpu-discovery.sh gpu-discovery-common.sh -d "$dir"
    chmod 0755 "$dir"/*.sh
  fi
  echo "install-plugins: $dir: $(ls "$dir" | tr '\n' ' ')"
done
chown -R flink:flink plugins
