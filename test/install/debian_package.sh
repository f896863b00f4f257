#!/usr/bin/env bash
# The Debian package, built by CPack from this build: its control fields, its
# contents, that every shared library its binaries link comes from a package
# its Depends names (each library resolved as the loader resolves it, then
# `dpkg -S`), its shlibs and ldconfig trigger, no path of the build or source
# tree in its text files, and its tools run from the unpacked package.
# (Installing it with apt changes the machine; that is done by hand, see
# README.md.)
#   debian_package.sh BUILD_DIR SOURCE_DIR WORK_DIR
source "$(dirname "$0")/common.sh"
command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null ||
  fail "needs dpkg-deb and dpkg-shlibdeps (dpkg-dev)"

cpack --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
arch=$(dpkg --print-architecture)
deb=$work/dlc_${version}_${arch}.deb
[ -f "$deb" ] || fail "no $deb ($(ls "$work"))"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = dlc ] || fail "Package is '$(field Package)'"
[ "$(field Version)" = "$version" ] || fail "Version is '$(field Version)'"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture is '$(field Architecture)'"
depends=$(field Depends)
echo "Depends: $depends"

# Contents: everything under /usr, and what an installed copy needs.
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$work/contents"
if grep -v '^/usr/' "$work/contents"; then fail "files outside /usr"; fi
for path in "${installed_files[@]/#//usr/}"; do
  grep -qxF "$path" "$work/contents" || fail "the package lacks $path"
done
echo "contents: $(grep -vc '/$' "$work/contents") files and links under /usr"

dpkg-deb -x "$deb" "$work/root"
dpkg-deb -e "$deb" "$work/control"
grep -q "^libdlc_runtime $major dlc" "$work/control/shlibs" ||
  fail "shlibs does not name libdlc_runtime $major: $(cat "$work/control/shlibs")"
grep -q ldconfig "$work/control/postinst" || fail "postinst does not run ldconfig"

# Every library the package's ELF files link directly (NEEDED), resolved as the loader does,
# belongs to a package that Depends names (glibc's included).
# The package that ships a library: the owner of the file itself (a link in
# LLVM's directory belongs to llvm-22-dev, the library to libllvm22), under
# one of its names (with or without /usr, as merged-/usr systems have both),
# else of the path the loader used.
owner() {
  local candidate
  for candidate in "$(realpath "$1")" "$1"; do
    for candidate in "$candidate" "${candidate#/usr}" "/usr$candidate"; do
      dpkg -S "$candidate" 2>/dev/null | head -n 1 | cut -d: -f1 && return 0
    done
  done
  return 1
}
declared=$(echo "$depends" | tr ',|' '\n\n' | sed 's/(.*)//; s/[[:space:]]//g' | sort -u)
checked=0
for file in "$work"/root/usr/bin/* "$work"/root/usr/lib/libdlc_runtime.so.$version; do
  needed=$(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  while read -r name path; do
    # ldd lists what those libraries link too; Depends covers the direct ones.
    echo "$needed" | grep -qxF "$name" || continue
    [ -n "$path" ] || fail "$(basename "$file") links $name, which the loader does not find"
    package=$(owner "$path") ||
      fail "no package ships $path ($name, linked by $(basename "$file"))"
    echo "$declared" | grep -qxF "$package" ||
      fail "$(basename "$file") links $name from $package, which Depends does not name"
    checked=$((checked + 1))
  done < <(ldd "$file" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}
                             $2 == "=>" && $3 !~ /^\// {print $1, ""}')
done
echo "dependencies: $checked linked libraries, each from a declared package"

# No text file in the package names the build or source tree.
if grep -rlIF -e "$build" -e "$src" "$work/root"; then
  fail "files in the package name the build or source tree"
fi

# The unpacked tools work: compile a shipped model, train it for a few steps.
"$work/root/usr/bin/dlc" compile "$work/root/usr/share/dlc/models/mlp.mlir" -o "$work/mlp.fb"
"$work/root/usr/bin/dlrun" "$work/mlp.fb" --train --steps 5 >"$work/train.log" 2>&1 ||
  { cat "$work/train.log"; fail "the packaged dlrun failed to train"; }
echo "debian_package: ok ($(du -k "$deb" | cut -f1) KiB)"
