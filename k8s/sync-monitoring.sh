#!/usr/bin/env bash
# Refreshes the copies of monitoring/ that the kustomize base needs (kustomize cannot read
# files outside k8s/). CrossChecksTest fails while a copy differs from its source.
set -euo pipefail
cd "$(dirname "$0")/.."
cp monitoring/grafana-dashboard.json k8s/base/monitoring/grafana-dashboard.json
{
  cat <<'HEADER'
# The alert rules of monitoring/prometheus-alerts.yaml as a Prometheus Operator resource.
# kustomize cannot read files outside k8s/, so this is a copy; CrossChecksTest fails if its
# groups differ from that file (regenerate: k8s/sync-monitoring.sh).
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: streaminfer
  labels:
    release: prometheus
spec:
HEADER
  grep -v '^#' monitoring/prometheus-alerts.yaml | sed 's/^\(.\)/  \1/'
} > k8s/base/monitoring/prometheusrule.yaml
echo "k8s/base/monitoring: grafana-dashboard.json and prometheusrule.yaml refreshed"
