#!/usr/bin/env bash
# The simulator's HTML report in a real browser at 1400 px: headless Chromium
# lays out the `manychip-sim run` report of two profiles side by side (the
# per-vendor charts with the most labels), layout_check.js checks that no
# x-axis labels overlap or leave their chart, and a screenshot is kept as an
# artifact in ARTIFACT_DIR/report-1400.png.
#
#   report_screenshot_test.sh SOURCE_DIR BUILD_DIR SCRATCH_DIR ARTIFACT_DIR
set -euo pipefail
source_dir=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)
scratch=$3
artifacts=$4
rm -rf "$scratch"
mkdir -p "$scratch" "$artifacts"
scratch=$(cd "$scratch" && pwd)

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
browser=$(command -v chromium || true)
[ -n "$browser" ] || fail "chromium not installed (scripts/bootstrap.sh installs it)"

ex=$source_dir/examples
"$build_dir/bin/manychip-sim" run --cluster "$ex/clusters/seed-unicom.json" \
  --workload "$ex/workloads/seed-unicom-100.json" \
  --profile "$ex/profiles/hetero-aware.json,$ex/profiles/hetero-blind.json" \
  --report "$scratch/report" >"$scratch/run.out" 2>"$scratch/run.err" ||
  fail "manychip-sim run exited $?:\n$(cat "$scratch/run.err")"

page=$scratch/report/index.html
check=$scratch/report/layout-check.html
{ sed 's|</body></html>||' "$page"; echo "<script>"; cat "$source_dir/tests/report/layout_check.js";
  echo "</script></body></html>"; } >"$check"

# One profile per process: a shared one would carry state between the runs.
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
  --window-size=1400,900 "--user-data-dir=$scratch/chromium")
timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$check" >"$scratch/dom.html" \
  2>"$scratch/chromium.err" || fail "chromium --dump-dom exited $?:\n$(tail "$scratch/chromium.err")"
title=$(sed -n 's|.*<title>\(.*\)</title>.*|\1|p' "$scratch/dom.html" | head -1)
[[ "$title" == LAYOUT-OK* ]] || fail "report layout at 1400 px: ${title:-no verdict}"
echo "$title"

height=$(grep -o '<svg[^>]* height="[0-9]*"' "$page" | sed 's/.*height="//; s/"//' |
  awk '{s += $1 + 60} END {print s + 600}')
timeout 120 "$browser" "${flags[@]}" --window-size="1400,$height" \
  --screenshot="$artifacts/report-1400.png" "file://$page" >/dev/null 2>>"$scratch/chromium.err" ||
  fail "chromium --screenshot exited $?"
[ -s "$artifacts/report-1400.png" ] || fail "no screenshot written"
echo "screenshot: $artifacts/report-1400.png"
