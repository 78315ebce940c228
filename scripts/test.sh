#!/usr/bin/env bash
# Builds the solution and runs every test project; the last line is "N passed, N failed" summed over all projects.
# Whatever the tests need beyond the .NET SDK is installed and started here, so a fresh clone passes as it is.
set -uo pipefail
cd "$(dirname "$0")/.."

results="$PWD/TestResults"
rm -rf "$results"
mkdir -p "$results"

if ! scripts/chromium.sh; then
  echo "0 passed, 1 failed"
  exit 1
fi
# Screenshots and other files the tests leave for people to look at.
export ACTORS_ARTIFACTS="$results/artifacts"

if ! dotnet build Actors.sln -c Release --nologo -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test Actors.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results"
status=$?

passed=0
failed=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # A test host that crashed leaves no failed count behind; never report a failing run as clean.
  failed=1
fi
echo "$passed passed, $failed failed"
exit "$status"
