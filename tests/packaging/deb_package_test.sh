#!/usr/bin/env bash
# The .deb, built and used as a user would: `cpack -G DEB` from the build tree into a temporary
# directory, its control fields read with dpkg-deb -I, its files unpacked with dpkg -x into an
# empty directory (no root, nothing installed on this machine), and the unpacked usr/bin/sluice
# run. Depends must name the package of every library the binary links directly (as dpkg -S
# maps each), which dpkg-shlibdeps is there to guarantee.
# Usage: deb_package_test.sh BUILD_DIR PROJECT_VERSION SLUICE_BINARY
# Exit 77 (skipped) where cpack, dpkg-deb or dpkg-shlibdeps is missing.
set -euo pipefail
build_dir=$1 version=$2 binary=$3
for tool in cpack dpkg-deb dpkg-shlibdeps readelf; do
  if ! command -v "$tool" >/dev/null; then
    echo "skipped: $tool is not installed (scripts/deps installs dpkg-dev)"
    exit 77
  fi
done
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-deb-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

if ! cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log" >&2
  fail "cpack -G DEB failed"
fi
shopt -s nullglob
debs=("$work"/out/*.deb)
[ ${#debs[@]} -eq 1 ] || fail "cpack made ${#debs[@]} .deb files, not 1"
deb=${debs[0]}
echo "built $(basename "$deb"), $(stat -c %s "$deb") bytes"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = sluice ] || fail "Package is '$(field Package)', not sluice"
[ "$(field Version)" = "$version" ] || fail "Version is '$(field Version)', not $version"
depends=$(field Depends)
echo "Depends: $depends"
# The package names alone, one a line (versions and alternatives dropped).
depends_names=$(sed -E 's/ *\([^)]*\)//g; s/ *[,|] */\n/g' <<<"$depends")
# Each library the binary links directly, through the package that holds it here.
missing=()
for soname in $(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  path=$(ldd "$binary" | awk -v so="$soname" '$1 == so { print $3 }')
  [ -n "$path" ] || fail "ldd cannot find $soname"
  package=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")") ||
    fail "$soname ($path) belongs to no package"
  package=${package%%:*}
  if ! grep -qxF "$package" <<<"$depends_names"; then
    missing+=("$package (for $soname)")
  fi
done
[ ${#missing[@]} -eq 0 ] || fail "Depends lacks ${missing[*]}"
# Versions come from the shlibs files, e.g. "libpq5 (>= 15~beta1)": a bare name would be hand-made.
grep -qE 'libpq5 \(>= ' <<<"$depends" || fail "Depends has no versioned libpq5: not dpkg-shlibdeps'"

# Only /usr: the binary, its man page and the completions (the install() block).
dpkg-deb -c "$deb" | awk '{ print $6 }' >"$work/files"
for f in ./usr/bin/sluice ./usr/share/man/man1/sluice.1 \
  ./usr/share/bash-completion/completions/sluice ./usr/share/zsh/vendor-completions/_sluice; do
  grep -qx "$f" "$work/files" || fail "the package has no $f"
done
if grep -vE '^\./(usr(/.*)?)?$' "$work/files"; then fail "files outside /usr (above)"; fi

mkdir "$work/root"
dpkg -x "$deb" "$work/root"
out=$("$work/root/usr/bin/sluice" --version) || fail "the unpacked sluice --version failed"
echo "unpacked usr/bin/sluice --version: $out"
[[ $out == "sluice $version"* ]] || fail "--version says '$out', not sluice $version"
echo "deb package: ok"
