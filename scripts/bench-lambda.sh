#!/usr/bin/env bash
# Measures every Lambda binary against a bare lambda_http hello-world built with the same release
# profile: stripped size, which SDKs it links, and cold start (process start to first response
# served, through a fake Runtime API on 127.0.0.1), each function configured as deployed and
# backed by moto. Prints a Markdown table (the README's performance section).
#
#   scripts/bench-lambda.sh [RUNS]        # default 15 cold starts per binary
#   scripts/bench-lambda.sh --arm64       # also: cargo lambda build --release --arm64, sizes
#   scripts/bench-lambda.sh --no-build    # measure the release binaries already built
#
# One `cargo build --release --workspace --bins`: a single build that unifies every crate
# feature, the worst case for what each binary links (each links only what its main names).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=15
ARM64=0
BUILD=1
for arg in "$@"; do
  case "$arg" in
    --arm64) ARM64=1 ;;
    --no-build) BUILD=0 ;;
    *) RUNS=$arg ;;
  esac
done
TARGET=${CARGO_TARGET_DIR:-target}

if [ "$BUILD" = 1 ]; then
  echo "== cargo build --release --workspace --bins" >&2
  cargo build --release --workspace --bins --quiet
fi
BIN="$TARGET/release"

if [ "$ARM64" = 1 ]; then
  command -v cargo-lambda >/dev/null || python3 -m pip install --quiet --disable-pip-version-check cargo-lambda
  echo "== cargo lambda build --release --arm64" >&2
  cargo lambda build --release --arm64 >&2
  echo "arm64 (cargo lambda, target/lambda/<bin>/bootstrap):"
  for f in disclosure registration upload decision sweeper status admin hello; do
    printf '  %-13s %s bytes\n' "$f" "$(stat -c%s "$TARGET/lambda/$f/bootstrap")"
  done
  echo
fi

command -v moto_server >/dev/null || python3 -m pip install --quiet --disable-pip-version-check 'moto[server]>=5,<6'
WORK=$(mktemp -d)
MOTO_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 scripts/moto_serial.py 127.0.0.1 "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
trap 'kill $MOTO_PID 2>/dev/null || true; wait $MOTO_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $MOTO_PORT), 0.2)" 2>/dev/null && break
  sleep 0.1
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN || true

# A deployment as the README's steps make it: table, seeded catalogue, bucket, signing secret.
python3 - "$WORK" <<'EOF'
import boto3, sys
s3 = boto3.client("s3")
s3.create_bucket(Bucket="wangban-bench")
boto3.client("secretsmanager").create_secret(Name="wangban/signing-key", SecretString="placeholder")
EOF
"$BIN/wangban-admin" create-table wangban-bench >&2
"$BIN/wangban-admin" seed --table wangban-bench --bucket wangban-bench >&2
"$BIN/wangban-admin" keygen "$WORK/signing-key.pem" >"$WORK/keygen.txt"
PUBLIC_KEY=$(sed -n 's/^SigningPublicKey=//p' "$WORK/keygen.txt")
python3 - "$WORK/signing-key.pem" <<'EOF'
import boto3, sys
boto3.client("secretsmanager").put_secret_value(SecretId="wangban/signing-key", SecretString=open(sys.argv[1]).read())
EOF

python3 scripts/lambda_bench.py <<EOF
{
  "runs": $RUNS,
  "functions": [
    $(for spec in \
        "hello:hello:events/disclosure/01-list-departments.json:none" \
        "disclosure:disclosure:events/disclosure/01-list-departments.json:s3" \
        "registration:registration:events/registration/07-jwks.json:secret" \
        "upload:upload:events/upload/02-list-without-token.json:s3" \
        "decision:decision:events/decision/05-review-without-token.json:none" \
        "status:status:events/status/01-status-unknown-number.json:none" \
        "admin:admin:events/admin/01-calendar.json:none" \
        "sweeper:sweeper:bench/sweeper-event.json:none"; do
        IFS=: read -r name bin event docs <<<"$spec"
        case "$docs" in
          s3) extra='"WANGBAN_DOCS": "s3:wangban-bench", "WANGBAN_PUBLIC_KEYS": "'"$PUBLIC_KEY"'"' ;;
          secret) extra='"WANGBAN_DOCS": "none", "WANGBAN_SIGNING_KEY_SECRET": "wangban/signing-key"' ;;
          *) extra='"WANGBAN_DOCS": "none", "WANGBAN_PUBLIC_KEYS": "'"$PUBLIC_KEY"'"' ;;
        esac
        printf '{"name": "%s", "binary": "%s", "event": "%s", "env": {%s}},\n' "$name" "$BIN/$bin" "$event" \
          '"PATH": "/usr/bin:/bin", "AWS_LAMBDA_FUNCTION_NAME": "'"$name"'", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH": "true", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_ENDPOINT_URL": "'"$AWS_ENDPOINT_URL"'", "RUST_LOG": "info", "WANGBAN_STORE": "dynamodb:wangban-bench", '"$extra"
      done | sed '$ s/,$//')
  ]
}
EOF
