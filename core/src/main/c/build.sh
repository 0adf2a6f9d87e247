#!/bin/sh
# Builds the static helper from every .c file beside this script: build.sh CC SOURCE_DIR OUTPUT
# Called by core/pom.xml in generate-resources.
# Prefers musl-gcc (Debian/Ubuntu: apt-get install musl-tools): a small static binary that starts
# fast. Without it, falls back to the system C compiler with -static (glibc: larger, slower start).
set -eu
cc=$1 src=$2 out=$3
mkdir -p "$(dirname "$out")"
flags="-static -Os -s -Wall -Wextra -Werror"
if ! command -v "$cc" >/dev/null 2>&1; then
  found=
  for fallback in cc gcc clang; do
    if command -v "$fallback" >/dev/null 2>&1; then found=$fallback; break; fi
  done
  if [ -z "$found" ]; then
    echo "process-hygiene: no C compiler found for the helper: install musl-tools (Debian/Ubuntu: apt-get install musl-tools)" >&2
    exit 1
  fi
  echo "process-hygiene: '$cc' not found; building the helper with '$found -static' (install musl-tools for a smaller, faster helper)" >&2
  cc=$found
fi
exec "$cc" $flags -o "$out" "$src"/*.c
