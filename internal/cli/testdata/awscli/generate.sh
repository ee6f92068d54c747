#!/usr/bin/env bash
# Regenerates the golden files of this directory from the real AWS CLI v1
# against a cfinv serve built from this tree:
#
#   internal/cli/testdata/awscli/generate.sh
#
# It needs aws (the AWS CLI v1) and go on PATH, and talks only to
# 127.0.0.1. Then run: go test ./internal/cli -run TestAWSGolden
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
work=$(mktemp -d)
trap 'kill "$serve_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

(cd "$root" && go build -o "$work/cfinv" ./cmd/cfinv)
export AWS_ACCESS_KEY_ID=AKIDGOLDEN AWS_SECRET_ACCESS_KEY=golden-secret AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
"$work/cfinv" serve --addr 127.0.0.1:0 --edge-addr "" --data-dir "$work/data" --completion-delay 1h >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do
	url=$(sed -n 's/.*CloudFront API on \(http:[^ ]*\).*/\1/p' "$work/serve.log")
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || { cat "$work/serve.log"; exit 1; }
aws() { command aws --endpoint-url "$url" cloudfront "$@"; }

# The same distribution and invalidations TestAWSGolden creates.
DIST=$(aws create-distribution --origin-domain-name golden.s3.amazonaws.com --query Distribution.Id --output text)
INV=$(aws create-invalidation --distribution-id "$DIST" --invalidation-batch 'Paths={Quantity=3,Items=[/index.html,/img/*,/caf%C3%A9.html]},CallerReference=golden-0' --query Invalidation.Id --output text)
# A multi-tenant distribution, a tenant of it and an invalidation of the tenant.
cat >"$work/mt.json" <<'JSON'
{"CallerReference":"golden-mt","Comment":"","Enabled":true,"ConnectionMode":"tenant-only","Origins":{"Quantity":1,"Items":[{"Id":"o1","DomainName":"golden.s3.amazonaws.com","S3OriginConfig":{"OriginAccessIdentity":""}}]},"DefaultCacheBehavior":{"TargetOriginId":"o1","ViewerProtocolPolicy":"allow-all","CachePolicyId":"658327ea-f89d-4fab-a63d-7e88639e58f6"}}
JSON
MT=$(aws create-distribution --distribution-config "file://$work/mt.json" --query Distribution.Id --output text)
TENANT=$(aws create-distribution-tenant --distribution-id "$MT" --name golden-tenant --domains Domain=tenant.example.com --query DistributionTenant.Id --output text)
TINV=$(aws create-invalidation-for-distribution-tenant --id "$TENANT" --invalidation-batch 'Paths={Quantity=2,Items=[/index.html,/img/*]},CallerReference=golden-t0' --query Invalidation.Id --output text)

while IFS=$'\t' read -r name args; do
	case "$name" in '#'* | '') continue ;; esac
	args=${args//\$DIST/$DIST}
	args=${args//\$INV/$INV}
	args=${args//\$TENANT/$TENANT}
	args=${args//\$TINV/$TINV}
	read -r -a argv <<<"$args"
	aws "${argv[@]}" >"$here/$name.out"
done <"$here/cases.txt"
echo "wrote $(grep -vc '^#' "$here/cases.txt") golden files in $here"
