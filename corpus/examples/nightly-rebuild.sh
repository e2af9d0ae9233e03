#!/usr/bin/env bash
# nightly-rebuild.sh: refresh a gbi index from cron or a CI job.
#
# What it does:
#   1. checks that the API key is present (without it gbi would quietly
#      fall back to the offline emulator),
#   2. runs an incremental `gbi build`, waiting for any build that is
#      still running instead of failing with exit code 4,
#   3. keeps the JSON report of the run (gbi's build summary),
#   4. maps gbi's exit codes to outcomes a scheduler understands.
#
# Run it from the same directory every time: for an index in a bucket,
# gbi keeps its ledger and lock in ./.gbi-state/ there.
#
# Usage:
#   DOCS_DIR=/srv/handbook INDEX_URI=s3://acme-search/handbook ./nightly-rebuild.sh
#
# Environment:
#   GEMINI_API_KEY or GOOGLE_API_KEY   required (Gemini Batch API)
#   DOCS_DIR                           folder to index        (default: docs)
#   INDEX_URI                          folder, s3:// or gs:// (default: index)
#   REPORT_DIR                         where JSON reports go  (default: reports)
#   NO_WAIT=1                          submit only; run `gbi collect` later

set -euo pipefail

DOCS_DIR="${DOCS_DIR:-docs}"
INDEX_URI="${INDEX_URI:-index}"
REPORT_DIR="${REPORT_DIR:-reports}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
REPORT="${REPORT_DIR}/gbi-build-${STAMP}.json"

# Refuse to run without a key: an offline build would start the index
# over and re-embed the whole corpus with the hashing embedder, under a
# different fingerprint.
if [[ -z "${GEMINI_API_KEY:-}" && -z "${GOOGLE_API_KEY:-}" ]]; then
  echo "nightly-rebuild: GEMINI_API_KEY or GOOGLE_API_KEY must be set" >&2
  exit 1
fi

# An endpoint left in the environment would win over the key.
if [[ -n "${GBI_ENDPOINT:-}" ]]; then
  echo "nightly-rebuild: GBI_ENDPOINT is set (${GBI_ENDPOINT}); unset it for production builds" >&2
  exit 1
fi

mkdir -p "${REPORT_DIR}"

args=(build "${DOCS_DIR}" --index "${INDEX_URI}" --wait-lock --quiet --json)
if [[ "${NO_WAIT:-0}" == "1" ]]; then
  args+=(--no-wait)
fi

echo "nightly-rebuild: gbi ${args[*]}"

set +e
gbi "${args[@]}" > "${REPORT}"
rc=$?
set -e

case "${rc}" in
  0)
    echo "nightly-rebuild: index up to date (report: ${REPORT})"
    if command -v jq >/dev/null 2>&1; then
      jq -r '"embedded \(.chunks.toEmbed) chunks of \(.files.changed) changed files, ~\(.estimatedTokens) tokens; \(.pendingJobs) jobs still open"' "${REPORT}" || true
    fi
    ;;
  3)
    # The index is consistent; some chunks or summaries failed after
    # every attempt, and the next run tries their files again.
    # Warn, do not fail. (Skipped files never lead here.)
    echo "nightly-rebuild: WARNING finished with failures, see ${REPORT}" >&2
    if command -v jq >/dev/null 2>&1; then
      jq -r '"chunks failed: \(.chunks.failed), summaries failed: \(.summaries.failed // 0), files skipped: \(.files.skipped)"' "${REPORT}" >&2 || true
    fi
    rc=0
    ;;
  4)
    # Should not happen with --wait-lock, but keep the case explicit.
    echo "nightly-rebuild: index is locked by another process" >&2
    ;;
  2)
    echo "nightly-rebuild: usage error; check the options and gbi.config.json" >&2
    ;;
  *)
    echo "nightly-rebuild: gbi build failed with exit code ${rc}; rerunning later is safe" >&2
    ;;
esac

exit "${rc}"
