#!/usr/bin/env bash
# The lake's status page (GET /) as a person sees it: headless Chromium loads it from a running
# `sluice lake serve` over SPEC §4's reference users, and the rendered DOM must agree with
# /stats: the user count, the users with an image, and a histogram whose bars add up to every
# user, one bar per age present. A screenshot is kept as a test artifact.
#
# Usage: lake_status_page_test.sh SLUICE_BINARY SHARED_DIR ARTIFACT_DIR
# Exit 0 passed, 1 failed, 77 skipped (no reference data, no browser, no network namespace).
#
# Chromium looks up names and probes for IPv6 on its own, whatever the flags, so it runs with the
# server inside a private network namespace (unshare -rn) that has only loopback: nothing it
# tries can leave the machine, which the loopback guard of the other tests would otherwise flag.
set -euo pipefail

sluice=$1
shared=$2
artifacts=$3
fixture="$shared/fixtures/provectus/data"

skip() {
  echo "SKIP: $*" >&2
  exit 77
}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

if [ "${SLUICE_IN_NETNS:-}" != 1 ]; then
  [ -d "$fixture" ] || skip "no reference data at $fixture (../shared is absent)"
  browser=$(command -v chromium || true)
  if [ -z "$browser" ]; then
    # make test installs it (scripts/deps); a bare ctest on a machine without it skips.
    [ "${SLUICE_REQUIRE_SERVICES:-}" = 1 ] && fail "chromium is not installed (scripts/deps installs it)"
    skip "chromium is not installed"
  fi
  unshare -rn true 2>/dev/null || skip "cannot make a private network namespace (unshare -rn) for the browser"
  SLUICE_IN_NETNS=1 exec unshare -rn "$0" "$@"
fi

ip link set lo up
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-page-XXXXXX")
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/lake/source_data" "$artifacts"
cp "$fixture"/* "$work/lake/source_data/"
port=18080
base="http://127.0.0.1:$port"
"$sluice" --no-progress lake serve "file://$work/lake/" --listen "127.0.0.1:$port" \
  >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -sf "$base/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || fail "sluice lake serve exited: $(cat "$work/serve.log")"
  sleep 0.1
done
curl -sf "$base/health" >/dev/null || fail "the service never became healthy: $(cat "$work/serve.log")"

stats_all=$(curl -sf "$base/stats")
stats_images=$(curl -sf "$base/stats?is_image_exists=true")

# Chromium's own profile and crash files go to the scratch folder, not the user's home.
chromium_run() {
  HOME="$work" chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" "$@" 2>>"$work/chromium.log"
}
chromium_run --dump-dom "$base/" >"$work/dom.html" || fail "chromium failed: $(tail -5 "$work/chromium.log")"
chromium_run --window-size=1200,1400 --screenshot="$artifacts/lake_status_page.png" "$base/" ||
  fail "chromium could not take the screenshot: $(tail -5 "$work/chromium.log")"
[ -s "$artifacts/lake_status_page.png" ] || fail "no screenshot at $artifacts/lake_status_page.png"

python3 - "$work/dom.html" "$stats_all" "$stats_images" <<'EOF'
import json, sys
from html.parser import HTMLParser

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text = {}       # element id -> its text
        self.bars = []       # (age, count) of each histogram bar
        self._open = None
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "rect" and "bar" in attrs.get("class", "").split():
            self.bars.append((int(attrs["data-age"]), int(attrs["data-count"])))
        if "id" in attrs and tag in ("dd", "p"):
            self._open = attrs["id"]
            self.text[self._open] = ""
    def handle_endtag(self, tag):
        self._open = None
    def handle_data(self, data):
        if self._open:
            self.text[self._open] += data

page = Page()
page.feed(open(sys.argv[1], encoding="utf-8").read())
everyone = json.loads(sys.argv[2])
with_image = json.loads(sys.argv[3])
errors = []
def expect(what, got, want):
    if got != want:
        errors.append(f"{what}: the page shows {got!r}, /stats says {want!r}")

expect("user count", page.text.get("user-count", "").strip(), str(everyone["count"]))
expect("users with an image", page.text.get("with-image", "").strip(), str(with_image["count"]))
if everyone["count"] != 100:
    errors.append(f"/stats counts {everyone['count']} users, the reference data has 100")
if not page.bars:
    errors.append("the histogram has no bars")
expect("users across the histogram's bars", sum(c for _, c in page.bars), everyone["count"])
ages = [age for age, _ in page.bars]
if len(set(ages)) != len(ages):
    errors.append(f"an age has two bars: {sorted(ages)}")
if any(count <= 0 for _, count in page.bars):
    errors.append("a bar stands for no user")
for e in errors:
    print("FAIL:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF
echo "status page matches /stats; screenshot: $artifacts/lake_status_page.png"
