#!/bin/sh
# Compiles the bridge class into java.base's package java.lang and stores its bytes as a resource
# of the agent (not as a .class entry: it must never be loaded from the class path).
#   build.sh JAVA_HOME SOURCE_ROOT OUTPUT_FILE
set -eu
java_home=$1 src=$2 out=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$java_home/bin/javac" --release 17 --patch-module "java.base=$src" -d "$tmp" "$src/java/lang/ProcessHygieneHook.java"
mkdir -p "$(dirname "$out")"
cp "$tmp/java/lang/ProcessHygieneHook.class" "$out"
