"""Runs again each test that timing.py found too slow with the agent, to tell the agent's own cost
from noise and from what any -javaagent costs. One test at a time, ROUNDS rounds, each round the
test once without an agent, once with a no-op agent (a Premain-Class that does nothing) and once
with process-hygiene, in a rotating order; the medians decide.

    confirm.py OUT_DIR V MODE AGENT_JAR NOOP_JAR TEST...

OUT_DIR is the run's directory (run.sh's copy of the tests in OUT_DIR/src, its native programs in
OUT_DIR/native); V is 17 or 25; MODE is "javaagent" or "tool-options"; each TEST is a name as
timing.py prints it (java/lang/ProcessHandle/TreeTest, java/lang/ProcessBuilder/Foo_ID for the
test id ID of Foo.java). The jtreg settings are run.sh's.

A test fails only if, on the medians, the agent is more than RATIO times and more than FLOOR
seconds slower than without an agent *and* than with the no-op agent. Why the second: a JVM
given any -javaagent loads java.instrument, which turns off CDS's archived module graph
("optimized module handling: disabled due to incompatible property: jdk.module.addmods.0=
java.instrument", -Xlog:cds): measured on JDK 17 here, +50-57 ms wall and +77-89 ms CPU per JVM
for an agent that does nothing. A test that starts dozens of JVMs through JAVA_TOOL_OPTIONS pays
that dozens of times; no agent can avoid it, and the no-op agent's time shows how much of the
difference it is. Exit 1 if any test fails.
"""
import os
import statistics
import subprocess
import sys

from timing import run_times

JDKS = {'17': '/usr/lib/jvm/java-17-openjdk-amd64', '25': '/usr/lib/jvm/temurin-25-jdk-amd64'}
ROUNDS = 3
RATIO = 1.5
FLOOR = 2.0


def jtreg_name(src, test):
    """The jtreg argument for TEST: Foo.java, or Foo.java#ID for the test id ID of Foo.java."""
    base = os.path.join(src, 'test', 'jdk')
    if os.path.exists(os.path.join(base, test + '.java')):
        return test + '.java'
    head, _, ident = test.rpartition('_')
    if head and os.path.exists(os.path.join(base, head + '.java')):
        return head + '.java#' + ident
    return None


def variant_args(mode, jar):
    """jtreg's arguments for a run with JAR (None: without an agent) in MODE."""
    if mode == 'tool-options':
        return ['-e:JAVA_TOOL_OPTIONS=' + ('-javaagent:' + jar if jar else '-Dhygiene.none=1')]
    return ['-javaoption:-javaagent:' + jar] if jar else []


def run_once(out, v, name, label, args):
    """Seconds in the run sections of NAME run alone, or None if it did not pass. The work
    directory of LABEL is kept from one round to the next: jtreg compiles the test only once."""
    work = os.path.join(out, 'confirm', label)
    env = dict(os.environ, JAVA_HOME=JDKS['17'])
    subprocess.run(['timeout', '900', 'jtreg', '-jdk:' + JDKS[v], '-a', '-conc:1', '-timeoutFactor:2',
                    '-nativepath:' + os.path.join(out, 'native'), '-w:' + work + '/work', '-r:' + work + '/report',
                    '-verbose:summary'] + args + [name],
                   cwd=os.path.join(out, 'src', 'test', 'jdk'), env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = run_times(work + '/work')
    return sum(times.values()) if times else None


def slower(a, b):
    return a > RATIO * b and a - b > FLOOR


def main():
    out, v, mode, agent, noop = sys.argv[1:6]
    tests = sys.argv[6:]
    variants = [('without', None), ('no-op agent', noop), ('agent', agent)]
    failed = False
    for test in tests:
        name = jtreg_name(os.path.join(out, 'src'), test)
        if name is None:
            print(f"confirm: {test}: cannot find its source to run it again: counted as slower")
            failed = True
            continue
        times = {label: [] for label, _ in variants}
        for r in range(ROUNDS):
            for label, jar in variants[r % 3:] + variants[:r % 3]:
                t = run_once(out, v, name, f"{test.replace('/', '.')}-{label.replace(' ', '-')}", variant_args(mode, jar))
                if t is not None:
                    times[label].append(t)
        if any(not ts for ts in times.values()):
            print(f"confirm: {test}: did not pass in every variant when run again ({times}): counted as slower")
            failed = True
            continue
        m = {label: statistics.median(ts) for label, ts in times.items()}
        shown = ', '.join(f"{label} {m[label]:.2f} s ({' '.join(f'{t:.2f}' for t in times[label])})" for label, _ in variants)
        if slower(m['agent'], m['without']) and slower(m['agent'], m['no-op agent']):
            print(f"confirm: {test}: FAILS: medians of {ROUNDS} rounds: {shown}: the agent is more than {RATIO:g}x and"
                  f" {FLOOR:g} s slower than without an agent and than a no-op agent")
            failed = True
        elif slower(m['agent'], m['without']):
            print(f"confirm: {test}: not a failure: medians of {ROUNDS} rounds: {shown}: slower than without an agent,"
                  f" but within {RATIO:g}x or {FLOOR:g} s of a no-op agent (what any -javaagent costs each JVM)")
        else:
            print(f"confirm: {test}: not a failure: medians of {ROUNDS} rounds: {shown}: within {RATIO:g}x or"
                  f" {FLOOR:g} s of the run without an agent when run again")
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
