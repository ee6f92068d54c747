# cfinv: invalidate Amazon CloudFront paths, or deploy a static site to S3
# and invalidate what changed (Octopus Deploy step template).
#
# Every parameter is read with get_octopusvariable, never substituted into
# this text, so spaces, quotes and shell characters in a value are data.
# Credentials come from the AWS account parameter, as environment
# variables of cfinv only: nothing is written under $HOME (no profile, no
# `aws configure set`). Without an account, the worker's own AWS
# credentials (an instance role, say) are used.
# The source of Octopus.Action.Script.ScriptBody in cfinv-invalidate.json;
# test/integrations/octopus_test.go runs it against `cfinv serve`.

trim() { local s=${1%$'\r'}; s="${s#"${s%%[![:space:]]*}"}"; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

dists_in=$(get_octopusvariable "Cfinv.DistributionId")
paths_in=$(get_octopusvariable "Cfinv.Paths")
wait_in=$(get_octopusvariable "Cfinv.Wait")
timeout_in=$(get_octopusvariable "Cfinv.Timeout")
deploy_id=$(get_octopusvariable "Cfinv.DeployId")
endpoint_in=$(get_octopusvariable "Cfinv.EndpointUrl")
state_in=$(get_octopusvariable "Cfinv.StateDirectory")
access_key=$(get_octopusvariable "Cfinv.AwsAccount.AccessKey")
secret_key=$(get_octopusvariable "Cfinv.AwsAccount.SecretKey")
role_arn=$(get_octopusvariable "Cfinv.AwsAccount.RoleArn")
oidc_jwt=$(get_octopusvariable "Cfinv.AwsAccount.OpenIdConnect.Jwt")
deploy_dir=$(get_octopusvariable "Cfinv.DeployDirectory")
bucket_in=$(get_octopusvariable "Cfinv.Bucket")
config_in=$(get_octopusvariable "Cfinv.Config")
delete_in=$(get_octopusvariable "Cfinv.Delete")
max_delete_in=$(get_octopusvariable "Cfinv.MaxDelete")
dry_run_in=$(get_octopusvariable "Cfinv.DryRun")
s3_endpoint_in=$(get_octopusvariable "Cfinv.S3EndpointUrl")

if ! command -v cfinv >/dev/null 2>&1; then
  fail_step "cfinv is not on this worker's PATH: install it (go install github.com/cfinv/cfinv/cmd/cfinv@latest, or a release binary) or use a worker image that has it"
fi

# Every parameter is checked before anything is sent.
dists=()
while IFS= read -r d || [ -n "$d" ]; do
  d=$(trim "$d")
  if [ -n "$d" ]; then dists+=(--distribution-id "$d"); fi
done <<< "$dists_in"
if [ ${#dists[@]} -eq 0 ]; then
  fail_step "Distribution ID is empty: give a distribution ID, domain name or alias, one per line for several"
fi
case "$wait_in" in
  True|true) wait=(--wait) ;;
  False|false|"") wait=() ;;
  *) fail_step "invalid Wait '$wait_in': want True or False" ;;
esac
if [ -z "$timeout_in" ]; then timeout_in=15m; fi
if [ -z "$deploy_id" ] || [[ $deploy_id == *"#""{"* ]]; then
  fail_step "Deploy ID is empty or holds an unresolved variable ('$deploy_id'): it defaults to the release number, which a runbook has none of; set Deploy ID"
fi
endpoint=()
if [ -n "$endpoint_in" ]; then endpoint=(--endpoint-url "$endpoint_in"); fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The journal of submitted batches, and deploy mode's hash cache: in the
# step's temporary directory unless Cfinv.StateDirectory names one, never
# under $HOME. Without it a re-run of the same release still buys
# nothing: the caller reference, derived from the Deploy ID, makes
# CloudFront return the invalidation it already made; and a deploy reads
# every file, comparing them with the bucket by content as always.
state=${state_in:-$work/state}

: > "$work/paths"
while IFS= read -r p || [ -n "$p" ]; do
  p=${p%$'\r'}; p="${p#"${p%%[![:space:]]*}"}"
  if [ -n "$p" ]; then printf '%s\n' "$p" >> "$work/paths"; fi
done <<< "$paths_in"
deploy=()
if [ -n "$deploy_dir" ]; then
  # Deploy mode: cfinv deploy uploads and invalidates exactly what changed.
  if [ -s "$work/paths" ]; then fail_step "Deploy directory invalidates what it uploads: leave Paths empty"; fi
  if ! [ -d "$deploy_dir" ]; then fail_step "Deploy directory '$deploy_dir' is not a directory"; fi
  if ! [[ $bucket_in =~ ^s3://[^/]+ ]]; then fail_step "invalid Bucket '$bucket_in': the Deploy directory needs it, as s3://BUCKET or s3://BUCKET/PREFIX"; fi
  deploy=("$deploy_dir" "$bucket_in" --hash-cache-dir "$state/deploy-hash-cache")
  if [ "${#wait[@]}" -eq 0 ]; then deploy+=(--no-wait); fi
  case "$delete_in" in
    True|true) deploy+=(--delete) ;; False|false|"") ;;
    *) fail_step "invalid Delete '$delete_in': want True or False" ;;
  esac
  case "$dry_run_in" in
    True|true) deploy+=(--dry-run) ;; False|false|"") ;;
    *) fail_step "invalid Dry run '$dry_run_in': want True or False" ;;
  esac
  if [ -n "$max_delete_in" ]; then
    if ! [[ $max_delete_in =~ ^(-1|[0-9]+)$ ]]; then fail_step "invalid Most deletions '$max_delete_in': want a number of objects, or -1 for no limit"; fi
    deploy+=(--max-delete "$max_delete_in")
  fi
  if [ -n "$config_in" ]; then
    if ! [ -f "$config_in" ]; then fail_step "Routes file '$config_in' is not a readable file"; fi
    deploy+=(--config "$config_in")
  fi
  if [ -n "$s3_endpoint_in" ]; then deploy+=(--s3-endpoint-url "$s3_endpoint_in"); fi
elif ! [ -s "$work/paths" ]; then
  fail_step "Paths is empty: give the paths to invalidate, one per line, e.g. /index.html and /images/*"
fi

if [ -n "$access_key" ]; then
  if [ -z "$secret_key" ]; then fail_step "the AWS account has an access key but no secret key"; fi
  export AWS_ACCESS_KEY_ID="$access_key" AWS_SECRET_ACCESS_KEY="$secret_key"
  unset AWS_SESSION_TOKEN AWS_PROFILE
elif [ -n "$role_arn" ] && [ -n "$oidc_jwt" ]; then
  printf '%s' "$oidc_jwt" > "$work/web-identity-token"
  export AWS_ROLE_ARN="$role_arn" AWS_WEB_IDENTITY_TOKEN_FILE="$work/web-identity-token"
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
fi

if [ ${#deploy[@]} -gt 0 ]; then
  echo "cfinv $(cfinv --version | sed 's/^cfinv version //'): deploying $deploy_dir to $bucket_in, deploy ID $deploy_id"
  code=0
  cfinv deploy "${deploy[@]}" "${dists[@]}" "${endpoint[@]}" --timeout "$timeout_in" --deploy-id "$deploy_id" \
    --output text > "$work/out" || code=$?
  cat "$work/out"
  # The output variables, from the report's invalidation lines and last line.
  ids=$(sed -n 's/^invalidated [^ ]*: .* (\([A-Z0-9 ]*\)).*$/\1/p' "$work/out" | tr '\n' ' ')
  last=$(grep '^deploy ' "$work/out" | tail -n 1 || true)
  set_octopusvariable "InvalidationIds" "${ids% }"
  set_octopusvariable "DeployId" "$(printf '%s' "$last" | sed -n 's/^deploy \([^:]*\):.*/\1/p')"
  set_octopusvariable "Uploaded" "$(printf '%s' "$last" | sed -n 's/.*files, \([0-9]*\) objects\{0,1\} uploaded.*/\1/p')"
  set_octopusvariable "Deleted" "$(printf '%s' "$last" | sed -n 's/.* \([0-9]*\) objects\{0,1\} deleted$/\1/p')"
  case $code in
    0) echo "done: deploy $deploy_id" ;;
    2) fail_step "cfinv refused the step's parameters (exit code 2): see the error above; fix the Deploy directory, Bucket, Routes file or Timeout" ;;
    3) fail_step "AWS refused the credentials or a permission (exit code 3): check the AWS account; cfinv iam-policy --distribution-id ID --bucket BUCKET prints the policy it needs" ;;
    4) fail_step "no such distribution (exit code 4): check Distribution ID; cfinv distributions lists those the account can see" ;;
    10) fail_step "an upload failed (exit code 10): no HTML was replaced and nothing deleted, viewers see the previous version; redeploy the same release to finish" ;;
    11) fail_step "uploaded and invalidated, but the deletion was refused over Most deletions (exit code 11): raise it to delete" ;;
    *) fail_step "cfinv deploy failed (exit code $code): see the error above; redeploying the same release resumes it" ;;
  esac
  exit 0
fi

echo "cfinv $(cfinv --version | sed 's/^cfinv version //'): invalidating $(wc -l < "$work/paths") path(s), deploy ID $deploy_id"
code=0
cfinv invalidate "${dists[@]}" "${endpoint[@]}" "${wait[@]}" --timeout "$timeout_in" --deploy-id "$deploy_id" \
  --state-dir "$state" --paths-from "$work/paths" --output text > "$work/out" || code=$?
cat "$work/out"
ids=$(cut -f2 "$work/out" | tr '\n' ' ')
ids=${ids% }
set_octopusvariable "InvalidationIds" "$ids"

# cfinv's exit codes (README "Exit codes"), as step failures that say what to do.
case $code in
  0) echo "done: invalidations $ids" ;;
  2) fail_step "cfinv refused the step's parameters (exit code 2): see the error above; fix Distribution ID, Paths, Timeout or Deploy ID" ;;
  3) fail_step "AWS refused the credentials or a permission (exit code 3): check the AWS account; cfinv iam-policy --distribution-id ID prints the policy it needs" ;;
  4) fail_step "no such distribution (exit code 4): check Distribution ID; cfinv distributions lists those the account can see" ;;
  5) fail_step "the timeout passed (exit code 5): the invalidations go on; redeploy the same release to resume, nothing is bought twice" ;;
  6) fail_step "CloudFront's limits or throttling outlasted the timeout (exit code 6): redeploy the same release later; nothing is bought twice" ;;
  7) fail_step "some batches were created and some not (exit code 7): redeploy the same release to finish; created batches are not sent again" ;;
  8) fail_step "the CloudFront endpoint could not be reached (exit code 8): check the worker's network, proxy and Endpoint URL" ;;
  *) fail_step "cfinv failed (exit code $code): see the error above" ;;
esac
