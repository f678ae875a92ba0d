#!/usr/bin/env bash
# Runs every test of the workspace: unit, property, backend contract, scenario and sample-event
# tests, on the embedded backends (SQLite, local files) AND on the cloud ones against local AWS
# emulators: moto (DynamoDB, S3, Secrets Manager) and s3s-fs (S3 that checks signatures).
#
# It installs what is missing (moto[server] and cfn-lint from PyPI; s3s-fs from crates.io), lints
# the SAM template, starts both emulators on free 127.0.0.1 ports, runs the tests with the
# `emulators` feature (those tests FAIL if an emulator is unreachable, they never skip), and stops
# the emulators on exit.
#
# A plain `cargo test` needs none of this: without the feature the emulator tests are not built.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in cargo python3; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done

# --- tools ---------------------------------------------------------------------------------
S3S_FS_VERSION=0.14.1
if ! command -v moto_server >/dev/null || ! command -v cfn-lint >/dev/null; then
  echo "== installing moto[server] and cfn-lint (PyPI)"
  python3 -m pip install --quiet --disable-pip-version-check 'moto[server]>=5,<6' 'cfn-lint>=1,<2'
fi
if ! s3s-fs --version 2>/dev/null | grep -q "$S3S_FS_VERSION"; then
  echo "== installing s3s-fs $S3S_FS_VERSION (crates.io, about 2.5 minutes)"
  cargo install "s3s-fs@$S3S_FS_VERSION" --features binary --locked --quiet
fi
echo "== cfn-lint infra/aws/template.yaml"
cfn-lint infra/aws/template.yaml

# --- the emulators -------------------------------------------------------------------------
S3S_FS=$(command -v s3s-fs || echo "$HOME/.cargo/bin/s3s-fs")

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() { # name port pid log
  for _ in $(seq 1 100); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $2), 0.2)" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$3" 2>/dev/null; then
      echo "$1 exited at start:" >&2; cat "$4" >&2; exit 1
    fi
    sleep 0.1
  done
  echo "$1 did not listen on 127.0.0.1:$2 within 10 s:" >&2; cat "$4" >&2; exit 1
}

EMULATORS=$(mktemp -d)
PIDS=()
stop_emulators() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$EMULATORS"
}
trap stop_emulators EXIT

MOTO_PORT=$(free_port)
# moto, one request at a time (scripts/moto_serial.py says why).
python3 scripts/moto_serial.py 127.0.0.1 "$MOTO_PORT" >"$EMULATORS/moto.log" 2>&1 &
PIDS+=($!)
wait_for moto "$MOTO_PORT" "${PIDS[-1]}" "$EMULATORS/moto.log"

S3S_PORT=$(free_port)
mkdir -p "$EMULATORS/s3s"
"$S3S_FS" --host 127.0.0.1 --port "$S3S_PORT" --access-key test --secret-key test "$EMULATORS/s3s" \
  >"$EMULATORS/s3s.log" 2>&1 &
PIDS+=($!)
wait_for s3s-fs "$S3S_PORT" "${PIDS[-1]}" "$EMULATORS/s3s.log"
echo "== emulators: moto on 127.0.0.1:$MOTO_PORT, s3s-fs on 127.0.0.1:$S3S_PORT"

# The tests' own clients are pinned to these; code that loads the standard AWS configuration
# (the functions' start-up, wangban-admin) gets moto and fake credentials, never a real account.
export WANGBAN_TEST_MOTO_URL="http://127.0.0.1:$MOTO_PORT"
export WANGBAN_TEST_S3S_URL="http://127.0.0.1:$S3S_PORT"
export AWS_ENDPOINT_URL="$WANGBAN_TEST_MOTO_URL"
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL_DYNAMODB AWS_ENDPOINT_URL_S3 \
  AWS_ENDPOINT_URL_SECRETS_MANAGER AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH WANGBAN_DEMO_PASSWORD || true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

# --- the tests -----------------------------------------------------------------------------
if command -v cargo-nextest >/dev/null; then
  cargo nextest run --workspace --no-fail-fast --features wangban-tests/emulators
else
  cargo test --workspace --no-fail-fast --features wangban-tests/emulators
fi
