#!/bin/sh
# Builds the static helper from every .c file beside this script:
#   build.sh CC SOURCE_DIR OUTPUT             the helper for this machine (linux-x86_64)
#   build.sh CC SOURCE_DIR OUTPUT optional    a cross-built helper (linux-aarch64): skipped, with
#                                             one line, where CC is not installed
# Called by core/pom.xml in generate-resources.
# Native: prefers musl-gcc (Debian/Ubuntu: apt-get install musl-tools), a small static binary that
# starts fast; without it, falls back to the system C compiler with -static (glibc: larger, slower
# start). Cross (aarch64-linux-gnu-gcc, Debian/Ubuntu: apt-get install gcc-aarch64-linux-gnu
# libc6-dev-arm64-cross): static against glibc, since Debian ships no musl cross compiler.
set -eu
cc=$1 src=$2 out=$3 mode=${4:-native}
mkdir -p "$(dirname "$out")"
flags="-static -Os -s -Wall -Wextra -Werror"
if [ "$mode" = optional ]; then
  if ! command -v "$cc" >/dev/null 2>&1; then
    # No stale helper from an earlier build may end up in the jar.
    rm -f "$out"
    echo "process-hygiene: '$cc' not found; the agent jar gets no $(basename "$(dirname "$out")") helper (Debian/Ubuntu: apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)" >&2
    exit 0
  fi
  if ! "$cc" $flags -o "$out" "$src"/*.c; then
    rm -f "$out"
    echo "process-hygiene: '$cc' is installed but cannot build the static helper: is its C library there? (Debian/Ubuntu: apt-get install libc6-dev-arm64-cross)" >&2
    exit 1
  fi
  exit 0
fi
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
