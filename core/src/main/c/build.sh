#!/bin/sh
# Builds the static exec/signal helper: build.sh CC SOURCE OUTPUT
# Called by core/pom.xml in generate-resources. Needs musl-gcc (Debian/Ubuntu: apt-get install musl-tools).
set -eu
cc=$1 src=$2 out=$3
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "process-hygiene: the helper needs the C compiler '$cc' (Debian/Ubuntu: apt-get install musl-tools)" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
"$cc" -static -Os -s -Wall -Wextra -Werror -o "$out" "$src"
