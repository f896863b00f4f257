#!/usr/bin/env bash
# The installed dlc as an application uses it: `cmake --install` into a
# scratch prefix, which is then moved (everything installed must be
# relocatable); the installed dlc compiles a shipped model and the installed
# dlrun trains it briefly; the installed examples are built from their
# installed copy with find_package (shared, then static) and with pkg-config
# (their Makefile), and run; find_package refuses what it must; the README's
# embedding example and docs/c-api.md's C example are built as written there
# and run on the trained model.
#   install_and_embed.sh BUILD_DIR SOURCE_DIR WORK_DIR
source "$(dirname "$0")/common.sh"

cmake --install "$build" --prefix "$work/staged" >"$work/install.log"
mv "$work/staged" "$work/prefix"
prefix=$work/prefix

# What an installed copy holds.
for path in "${installed_files[@]}"; do
  [ -e "$prefix/$path" ] || fail "the install lacks $path"
done
[ "$(readlink "$prefix/lib/libdlc_runtime.so.$major")" = libdlc_runtime.so.$version ] ||
  fail "libdlc_runtime.so.$major does not link to libdlc_runtime.so.$version"
# Nothing installed may point back into the build or source tree.
if grep -rlF -e "$build" -e "$src" "$prefix/lib/cmake" "$prefix/lib/pkgconfig"; then
  fail "installed package files name the build or source tree"
fi
for tool in dlc dlc-opt dlrun; do
  if readelf -d "$prefix/bin/$tool" | grep -E 'R(UN)?PATH' | grep -qF -e "$build" -e "$src"; then
    fail "bin/$tool's run path names the build tree"
  fi
done

# The installed tools: their versions, then compile a shipped model and
# train it for a few steps.
for tool in dlc dlc-opt dlrun; do
  "$prefix/bin/$tool" --version | grep -q "^$tool $version" ||
    fail "bin/$tool --version does not say $version: $("$prefix/bin/$tool" --version)"
done
"$prefix/bin/dlc" compile "$prefix/share/dlc/models/fashion_mlp.mlir" -o "$work/model.fb"
"$prefix/bin/dlrun" "$work/model.fb" --train --steps 30 --checkpoint "$work/trained.safetensors" \
  >"$work/train.log" 2>&1 || { cat "$work/train.log"; fail "the installed dlrun failed to train"; }
echo "installed dlc and dlrun: $(tail -n 2 "$work/train.log" | head -n 1)"

# Runs an example build's two programs; their output goes to DIR/*.out.
run_examples() {
  local dir=$1 runtime=$2
  "$dir/classify" "$work/model.fb" "$work/trained.safetensors" >"$dir/classify.out"
  "$dir/overfit" "$work/model.fb" 20 >"$dir/overfit.out"
  # Which runtime the programs loaded: the moved prefix's, or none (static).
  for program in classify overfit; do
    loaded=$(ldd "$dir/$program" | awk '/libdlc_runtime/ {print $3}')
    if [ "$runtime" = static ]; then
      [ -z "$loaded" ] || fail "$dir/$program (static) loads $loaded"
    else
      [ "$(realpath "$loaded")" = "$(realpath "$prefix/lib/libdlc_runtime.so.$version")" ] ||
        fail "$dir/$program loads '$loaded', not the installed runtime"
    fi
  done
  # overfit must show the loss falling to less than half.
  awk '/^loss / { if (!($4 < $2 / 2)) exit 1; found = 1 } END { exit !found }' "$dir/overfit.out" ||
    fail "$dir/overfit: the loss did not fall: $(tail -n 1 "$dir/overfit.out")"
}

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# find_package, shared library.
cp -r "$prefix/share/doc/dlc/examples" "$work/cmake-shared"
cmake "${generator[@]}" -S "$work/cmake-shared" -B "$work/cmake-shared/build" \
  -DCMAKE_PREFIX_PATH="$prefix" >"$work/cmake-shared.log" 2>&1 ||
  { cat "$work/cmake-shared.log"; fail "find_package(dlc_runtime) failed"; }
cmake --build "$work/cmake-shared/build" >>"$work/cmake-shared.log" 2>&1 ||
  { cat "$work/cmake-shared.log"; fail "the examples did not build with find_package"; }
run_examples "$work/cmake-shared/build" shared
# find_package, static archive.
cp -r "$prefix/share/doc/dlc/examples" "$work/cmake-static"
cmake "${generator[@]}" -S "$work/cmake-static" -B "$work/cmake-static/build" \
  -DCMAKE_PREFIX_PATH="$prefix" -DDLC_EXAMPLES_STATIC=ON >"$work/cmake-static.log" 2>&1 ||
  { cat "$work/cmake-static.log"; fail "find_package(dlc_runtime COMPONENTS static) failed"; }
cmake --build "$work/cmake-static/build" >>"$work/cmake-static.log" 2>&1 ||
  { cat "$work/cmake-static.log"; fail "the examples did not build with the static runtime"; }
run_examples "$work/cmake-static/build" static
# pkg-config, through the examples' Makefile.
cp -r "$prefix/share/doc/dlc/examples" "$work/pkg-config"
make -C "$work/pkg-config" PKG_CONFIG_PATH="$prefix/lib/pkgconfig" >"$work/pkg-config.log" 2>&1 ||
  { cat "$work/pkg-config.log"; fail "the examples did not build with pkg-config"; }
run_examples "$work/pkg-config" shared

# The three builds compute the same: the same classes and logits, the same losses.
for output in classify.out overfit.out; do
  cmp -s "$work/cmake-shared/build/$output" "$work/pkg-config/$output" &&
    cmp -s "$work/cmake-shared/build/$output" "$work/cmake-static/build/$output" ||
    fail "the example builds disagree on $output"
done
grep -q '^image 7: class [0-9]' "$work/pkg-config/classify.out" || fail "classify printed no classes"
echo "examples: find_package (shared, static) and pkg-config builds agree;" \
  "overfit $(tail -n 1 "$work/pkg-config/overfit.out")"

# What the package refuses: another major version (another C ABI), and the
# static archive in a project without C++ (it needs the C++ runtime).
refused() {
  local name=$1 languages=$2 request=$3 expected=$4
  mkdir -p "$work/$name"
  printf 'cmake_minimum_required(VERSION 3.20)\nproject(%s LANGUAGES %s)\nfind_package(%s)\n' \
    "$name" "$languages" "$request" >"$work/$name/CMakeLists.txt"
  if cmake -S "$work/$name" -B "$work/$name/build" -DCMAKE_PREFIX_PATH="$prefix" \
    >"$work/$name.log" 2>&1; then
    fail "find_package($request) was accepted"
  fi
  grep -q "$expected" "$work/$name.log" || { cat "$work/$name.log"; fail "find_package($request) failed unclearly"; }
}
refused next-major C "dlc_runtime $((major + 1)).0 CONFIG REQUIRED" "compatible with requested version"
refused static-in-c C "dlc_runtime CONFIG REQUIRED COMPONENTS static" "static runtime (COMPONENTS static) needs"

# code_block FILE LANG [MARKER]: the first ```LANG block of a Markdown file
# (after MARKER, if given), as written there.
code_block() {
  python3 - "$@" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
if len(sys.argv) > 3:
    text = text[text.index(sys.argv[3]):]
blocks = re.findall(r"```(\w*)\n(.*?)```", text, re.S)
sys.stdout.write(next(body for lang, body in blocks if lang == sys.argv[2]))
PY
}

# The README's example: the C++ block after the "embed-example" marker and the
# build command in the shell block after it, both as written.
mkdir -p "$work/readme"
code_block "$src/README.md" cpp "<!-- embed-example -->" >"$work/readme/app.cpp"
code_block "$src/README.md" sh "<!-- embed-example -->" >"$work/readme/build.sh"
echo "README example: $(grep -c . "$work/readme/app.cpp") lines of C++"
(cd "$work/readme" && PKG_CONFIG_PATH="$prefix/lib/pkgconfig" \
  LD_LIBRARY_PATH="$prefix/lib" sh -ex build.sh) >"$work/readme.log" 2>&1 ||
  { cat "$work/readme.log"; fail "the README's example does not build as written"; }
LD_LIBRARY_PATH="$prefix/lib" "$work/readme/app" "$work/model.fb" "$work/trained.safetensors" \
  >"$work/readme.out" || fail "the README's example failed"
cat "$work/readme.out"
grep -q 'class' "$work/readme.out" || fail "the README's example printed no class"
# docs/c-api.md's C example, from the installed copy, with a main() that
# calls it where the model is.
mkdir -p "$work/c-api"
{ code_block "$prefix/share/doc/dlc/c-api.md" c; echo 'int main(void) { return classify(); }'; } \
  >"$work/c-api/example.c"
cp "$work/model.fb" "$work/c-api/fashion_mlp.fb"
cc -std=c99 -Wall -Werror "$work/c-api/example.c" -o "$work/c-api/example" \
  $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs dlc_runtime) \
  >"$work/c-api.log" 2>&1 || { cat "$work/c-api.log"; fail "docs/c-api.md's example does not build"; }
(cd "$work/c-api" && LD_LIBRARY_PATH="$prefix/lib" ./example) ||
  fail "docs/c-api.md's example failed"
echo "docs/c-api.md's C example: builds with -Wall -Werror and runs"
echo "install_and_embed: ok"
