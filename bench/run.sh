#!/usr/bin/env bash
# The benchmarks of process-hygiene; see BENCHMARKS.md for what each figure means.
#
#   bench/run.sh [--quick] [--no-build] [--jdk25]
#
# Builds the agent and the bench module (mvn package, no tests), then runs, for JDK 17 (`java`):
#   1. the whole-JVM figures (dev.hygiene.bench.WholeJvm): start-up, first process start, the application's class loading (5000 classes), exit with
#      N live groups, memory with 100 live groups, escalation accuracy, jar size;
#   2. the steady-state JMH benchmark (dev.hygiene.bench.Steady running SpawnBenchmark): plain JDK,
#      the agent, and a setsid(1) wrapper, one fork of each per round.
# --jdk25 repeats both with /usr/lib/jvm/temurin-25-jdk-amd64 (or $JDK25) for the measured JVMs.
# --quick runs fewer rounds (about 2.5 minutes for JDK 17 instead of about 5).
# Output goes to the terminal and to bench/target/results/.
#
# Every measured JVM runs under setsid(1); whatever it leaves behind is killed by session id, by pid.
# Nothing here signals a process of another session.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=() build=1 jdk25=0
for a in "$@"; do
  case "$a" in
    --quick) quick=(--quick) ;;
    --no-build) build=0 ;;
    --jdk25) jdk25=1 ;;
    *) echo "usage: bench/run.sh [--quick] [--no-build] [--jdk25]" >&2; exit 2 ;;
  esac
done

command -v setsid >/dev/null || { echo "bench/run.sh needs setsid(1) from util-linux" >&2; exit 1; }
if [ "$build" = 1 ]; then
  mvn -q -B -DskipTests package -pl bench -am
fi

agent=agent/target/process-hygiene-agent.jar
noop=bench/target/process-hygiene-bench-noop-agent.jar
out=bench/target/results
mkdir -p "$out"
start=$(date +%s)

if [ ${#quick[@]} -gt 0 ]; then steady=(--rounds 2 --warmup 2 --iterations 3); else steady=(--rounds 3 --warmup 3 --iterations 5); fi

jdks=("$(command -v java)")
if [ "$jdk25" = 1 ]; then
  j25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
  if [ -x "$j25/bin/java" ]; then jdks+=("$j25/bin/java"); else echo "no JDK 25 at $j25: skipping it" >&2; fi
fi

{
  echo "# process-hygiene benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/summary.md"

for j in "${jdks[@]}"; do
  v=$("$j" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.version = //p')
  echo | tee -a "$out/summary.md"
  java -cp bench/target/classes dev.hygiene.bench.WholeJvm --java "$j" --agent "$agent" --noop "$noop" \
    --stderr-log "$out/whole-jvm-$v-stderr.log" "${quick[@]}" | tee "$out/whole-jvm-$v.md" | tee -a "$out/summary.md"
  echo | tee -a "$out/summary.md"
  java -cp bench/target/benchmarks.jar dev.hygiene.bench.Steady --jvm "$j" --agent "$agent" "${steady[@]}" \
    | tee "$out/steady-$v.md" | tee -a "$out/summary.md"
done

echo | tee -a "$out/summary.md"
echo "done in $(( $(date +%s) - start )) s; load average now $(cut -d' ' -f1-3 /proc/loadavg); results in $out/" | tee -a "$out/summary.md"
