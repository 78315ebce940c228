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

# Azurite (pinned in package.json, installed with npm ci) on free loopback ports, stopped on exit; the durability
# tests read its connection string from ACTORS_TEST_AZURE_STORAGE and fail, naming it, when it is missing.
source scripts/azurite.sh
trap azurite_stop EXIT
if ! azurite_start; then
  echo "Azurite did not start"
  echo "0 passed, 1 failed"
  exit 1
fi
export ACTORS_TEST_AZURE_STORAGE="$AZURITE_CONNECTION_STRING"

# One project at a time, each with its own result file (parallel projects would share a timestamped file name).
status=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  if ! dotnet test "$project" -c Release --no-build --nologo \
      --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" --results-directory "$results"; then
    status=1
  fi
done
azurite_stop

# The short chaos run (its own Azurite, three silo processes, a SIGKILL, a SIGSTOP, a whole-cluster SIGKILL and restart)
# counts as one test.
chaos_passed=0
chaos_failed=0
scripts/chaos.sh --quick --no-build 2>&1 | tee "$results/chaos.log" | grep '^chaos: '
chaos_status=${PIPESTATUS[0]}
if [ "$chaos_status" -eq 0 ] && tail -n 1 "$results/chaos.log" | grep -q ' lost=0 duplicated=0 items_lost=0 .*restart_ok=true$'; then
  chaos_passed=1
else
  chaos_failed=1
  status=1
fi

passed=0
failed=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  # Name every failed test just above the summary, so the tail of a CI log says what to look at.
  grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$trx" | sed -n 's/.* testName="\([^"]*\)".*/FAILED \1/p'
done
if [ "$chaos_failed" -eq 1 ]; then
  echo "FAILED chaos --quick (log: $results/chaos.log)"
fi
passed=$((passed + chaos_passed))
failed=$((failed + chaos_failed))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # A test host that crashed leaves no failed count behind; never report a failing run as clean.
  failed=1
fi
echo "$passed passed, $failed failed"
exit "$status"
