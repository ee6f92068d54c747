#!/usr/bin/env bash
# Rehearse the Octopus step on this machine, without Octopus: runs
# cfinv-invalidate.sh (the template's script body) with
# get_octopusvariable, set_octopusvariable and fail_step defined as
# Octopus's Bash bootstrap defines them, the template's default values,
# and the parameters given as NAME=VALUE arguments. #{Name} in a value is
# replaced by the value of Name, as Octopus does. Aim it at a local
# `cfinv serve` (Cfinv.EndpointUrl) to rehearse without AWS:
#
#   # serve accepts the key pair of its own environment
#   AWS_ACCESS_KEY_ID=AKIAEXAMPLE AWS_SECRET_ACCESS_KEY=secret cfinv serve &
#   # create a distribution there (aws cloudfront create-distribution
#   # --endpoint-url http://127.0.0.1:8655 …), then:
#   integrations/octopus/rehearse.sh \
#     Cfinv.DistributionId=E2EXAMPLE \
#     Cfinv.Paths=$'/index.html\n/docs/getting started.html' \
#     Cfinv.EndpointUrl=http://127.0.0.1:8655 \
#     Cfinv.AwsAccount.AccessKey=AKIAEXAMPLE Cfinv.AwsAccount.SecretKey=secret \
#     Octopus.Release.Number=1.0.0
#
# It prints the step's log, then each output variable the step set as
# "output variable NAME=VALUE", and exits with the step's exit code (1 for
# a failed step). test/integrations/octopus_test.go runs it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

declare -A OCTOPUS_VARS=(
  [Cfinv.Wait]=True
  [Cfinv.Timeout]=15m
  [Cfinv.DeployId]='#{Octopus.Release.Number}'
)
for arg in "$@"; do
  case $arg in
    *=*) OCTOPUS_VARS[${arg%%=*}]=${arg#*=} ;;
    *) echo "rehearse: argument '$arg' is not NAME=VALUE (e.g. Cfinv.Paths=/index.html)" >&2; exit 2 ;;
  esac
done
# One round of #{Name} references, enough for the template's defaults.
for name in "${!OCTOPUS_VARS[@]}"; do
  v=${OCTOPUS_VARS[$name]}
  for ref in "${!OCTOPUS_VARS[@]}"; do
    v=${v//"#{$ref}"/"${OCTOPUS_VARS[$ref]}"}
  done
  OCTOPUS_VARS[$name]=$v
done

work=$(mktemp -d "${TMPDIR:-/tmp}/cfinv-octopus.XXXXXX")
trap 'rm -rf "$work"' EXIT
OCTOPUS_OUTPUT="$work/outputs"
: > "$OCTOPUS_OUTPUT"
get_octopusvariable() { printf '%s' "${OCTOPUS_VARS[$1]-}"; }
set_octopusvariable() { printf '%s=%s\n' "$1" "$2" >> "$OCTOPUS_OUTPUT"; }
fail_step() { echo "##octopus[stepFailed] $1"; exit 1; }
{
  declare -p OCTOPUS_VARS OCTOPUS_OUTPUT
  declare -f get_octopusvariable set_octopusvariable fail_step
  cat "$here/cfinv-invalidate.sh"
} > "$work/step.sh"

code=0
(cd "$work" && bash --noprofile --norc -eo pipefail "$work/step.sh") || code=$?
while IFS= read -r line; do echo "output variable $line"; done < "$OCTOPUS_OUTPUT"
exit "$code"
