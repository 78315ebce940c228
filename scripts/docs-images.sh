#!/usr/bin/env bash
# Regenerates the images the README shows: the explorer page and its Models panel (from the browser tests, in Debian's Chromium) and the
# evaluation chart of the shipped model against its baselines. Training plots come from the training command itself.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/chromium.sh
mkdir -p docs/images
ACTORS_ARTIFACTS="$PWD/docs/images" dotnet test tests/Actors.Browser.Tests -c Release --nologo \
  --filter "FullyQualifiedName~A_click_on_a_recommendation|FullyQualifiedName~ModelsPageTests"
dotnet run -c Release --project evaluation/cli -- --dataset data/Scientific --model models/learn-scientific \
  --report docs/results.md
