#!/usr/bin/env bash
# Prints a Markdown table of training runs from their artifacts' manifests: one row per configuration, the mean and
# sample standard deviation over its seeds. A run is a folder NAME-sSEED holding manifest.json (what the trainer writes).
# Usage: training/scripts/summarize.sh RUNS_FOLDER [NAME ...]   (default: every configuration in the folder)
set -euo pipefail
folder=${1:?usage: summarize.sh RUNS_FOLDER [NAME ...]}
shift
if [ $# -eq 0 ]; then
  mapfile -t names < <(find "$folder" -mindepth 1 -maxdepth 1 -type d -name '*-s[0-9]*' -printf '%f\n' | sed 's/-s[0-9]*$//' | sort -u)
else
  names=("$@")
fi
echo "| config | seeds | valid R@10 (model) | valid N@10 (model) | valid R@10 (served) | valid N@10 (served) | fusion λ / window / decay / μ | best epoch | training s |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"
for name in "${names[@]}"; do
  manifests=("$folder/$name"-s*/manifest.json)
  jq -rs --arg name "$name" '
    def mean: add / length;
    def sd: (mean) as $m | if length > 1 then (map(. - $m | . * .) | add / (length - 1) | sqrt) else 0 end;
    def cell(f): (map(f)) as $v | "\($v | mean | . * 10000 | round / 10000) ± \($v | sd | . * 10000 | round / 10000)";
    "| \($name) | \(map(.hyperparameters.seed) | map(tostring) | join(", ")) | \(cell(.metrics["R@10"])) | \(cell(.metrics["N@10"])) | \(cell(.fusedMetrics["R@10"] // .metrics["R@10"])) | \(cell(.fusedMetrics["N@10"] // .metrics["N@10"])) | \(map(if .fusion then "\(.fusion.lambda)/\(.fusion.window)/\(.fusion.decay)/\(.fusion.seenPenalty // 0)" else "–" end) | join(", ")) | \(map(.bestEpoch | tostring) | join(", ")) | \(map(.trainingSeconds | round | tostring) | join(", ")) |"
  ' "${manifests[@]}"
done
