#!/usr/bin/env bash
# The JDK's own process-API regression tests, without and with the agent, as the last step of
# `mvn -B verify` (bound to this module's verify phase; see README.md here).
#   verify.sh TESTS_DIR AGENT_JAR OUT_DIR [NOOP_AGENT_JAR]
# TESTS_DIR holds run.sh and the OpenJDK test trees (shared/jdk-tests beside the clone). Four runs,
# one after the other: JDK 17 and 25 with -javaagent on the test JVMs, and both again with the agent
# in JAVA_TOOL_OPTIONS (every JVM the tests start has it). Each run's table is printed; the build
# fails where any result differs, where a test fails more of its own checks with the agent or a child
# sees the agent's marker (checks.py), or where a test is reliably slower with the agent: timing.py
# finds the tests too slow in the run, confirm.py runs each of those again, three rounds of without
# an agent, with the no-op agent (NOOP_AGENT_JAR, the bench module's) and with this one, and fails
# only a test that the agent itself makes too slow (see confirm.py for why the no-op agent).
# Each run's jtreg output stays in OUT_DIR/jdk<V>[-tool-options]/{plain,agent}/work/**/*.jtr.
set -u
tests=$1 agent=$2 out=$3 noop=${4:-}
here=$(cd "$(dirname "$0")" && pwd)

skipped() { echo "jdk-tests: skipped ($1): the JDK's own process-API tests did not run"; exit 0; }
[ "${SKIP_JDK_TESTS:-false}" != false ] && skipped "-DskipJdkTests"
[ "${SKIP_TESTS:-false}" != false ] && skipped "-DskipTests"
[ "${MAVEN_TEST_SKIP:-false}" != false ] && skipped "-Dmaven.test.skip"
[ -n "${TEST_SELECTION:-}" ] && skipped "-Dtest selects test classes; the JDK tests run with the whole mvn -B verify"

fail() { echo "jdk-tests: FAILED: $*"; exit 1; }
[ -x "$tests/run.sh" ] || fail "no JDK tests at $tests (expected shared/jdk-tests beside the clone, as CI lays it;" \
  "-Djdk.tests.dir=DIR names another place, -DskipJdkTests skips them)"
command -v jtreg >/dev/null || fail "no jtreg: install it (Debian: apt-get install jtreg7), or skip these tests with -DskipJdkTests"
command -v python3 >/dev/null || fail "no python3 (apt-get install python3-minimal), or -DskipJdkTests"
command -v cc >/dev/null || fail "no C compiler (apt-get install gcc), or -DskipJdkTests"
[ -f "$agent" ] || fail "no agent jar at $agent"

mkdir -p "$out" || fail "cannot make $out"
jdk25=/usr/lib/jvm/temurin-25-jdk-amd64
runs=("17" "25" "tool-options 17" "tool-options 25")
summary=()
status=0
for r in "${runs[@]}"; do
  set -- $r
  if [ "$1" = tool-options ]; then mode=tool-options; v=$2; label="JDK $v, JAVA_TOOL_OPTIONS"; dir=$out/jdk$v-tool-options
  else mode=; v=$1; label="JDK $v, -javaagent"; dir=$out/jdk$v; fi
  if [ "$v" = 25 ] && [ ! -x $jdk25/bin/java ]; then
    summary+=("$label: not run (no JDK 25 at $jdk25)"); continue
  fi
  rm -rf "$dir"
  echo "jdk-tests: $label ..."
  # Wall time, and the CPU time of everything the run started (what a busy machine does not stretch).
  TIMEFORMAT='%0R %0U %0S'
  { time MODE=$mode "$tests/run.sh" "$v" "$agent" "$dir" > "$dir.table" 2>&1; } 2> "$dir.time"
  rc=$?
  read -r wall user sys < "$dir.time"
  took="$wall s (CPU $((user + sys)) s)"
  cat "$dir.table"
  python3 "$here/timing.py" "$dir"
  trc=$?
  if [ $trc -ne 0 ]; then
    if [ -n "$noop" ] && [ -f "$noop" ]; then
      echo "jdk-tests: $label: running the tests found slower again (without an agent, a no-op agent, this agent; 3 rounds) ..."
      # shellcheck disable=SC2046
      python3 "$here/confirm.py" "$dir" "$v" "${mode:-javaagent}" "$agent" "$noop" $(cat "$dir/slow-tests")
      trc=$?
    else
      echo "jdk-tests: no no-op agent jar (${noop:-not given}): the tests found slower are not run again"
    fi
  fi
  python3 "$here/checks.py" "$dir"
  crc=$?
  differ=$(sed -n 's/^.* with; \([0-9]*\) differ$/\1/p' "$dir.table")
  line="$label: ${differ:-?} results differ (run.sh exit $rc), $took"
  [ $trc -ne 0 ] && line="$line; a test is reliably slower with the agent (see timing and confirm lines above)"
  [ $crc -ne 0 ] && line="$line; checks within a test differ, or a child saw the marker (see checks lines above)"
  summary+=("$line")
  { [ $rc -ne 0 ] || [ $trc -ne 0 ] || [ $crc -ne 0 ]; } && status=1
done

echo "jdk-tests: summary (the .jtr files of each test are under $out/jdk*/{plain,agent}/work):"
for s in "${summary[@]}"; do echo "jdk-tests:   $s"; done
[ $status -eq 0 ] || echo "jdk-tests: FAILED"
exit $status
