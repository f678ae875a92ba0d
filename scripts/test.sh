#!/usr/bin/env bash
# Runs every test of the workspace: unit, property, backend contract, scenario and sample-event
# tests. Installs nothing by hand-only means: everything it needs comes from crates.io.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null; then
  echo "cargo is required: install Rust (rustup) first" >&2
  exit 1
fi

if command -v cargo-nextest >/dev/null; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi
