"""What a pass/fail comparison cannot see (issue 9): a test that fails in both runs may still fail
more of its checks with the agent (java/lang/ProcessBuilder/Basic.java counts ~9,000 of them and
fails a few on this machine without any agent), and a child may see the agent's marker.

    checks.py OUT_DIR

For each test, compares the "Passed = N, failed = M" counts of the run without and with the agent,
and looks for PROCESS_HYGIENE_GROUP in the output of the run with the agent. Exit 1 where a count
differs or the marker shows.

With the agent in JAVA_TOOL_OPTIONS (and, in the run without it, JAVA_TOOL_OPTIONS=-Dhygiene.none=1
as run.sh sets it), every JVM a test starts prints "Picked up JAVA_TOOL_OPTIONS: VALUE" on its
standard error, in both runs. Basic.java compares such a child's standard error byte by byte and
fails one check per byte of that banner, in both runs: the banners differ in length (the agent's
names its jar's path), and so do the counts, by exactly that many checks. Where both runs show the
banner in a failed check, that difference, and only that, is allowed; it is printed.
"""
import glob
import os
import re
import sys

COUNTS = re.compile(r'^Passed = (\d+), failed = (\d+)', re.M)
BANNER = re.compile(r'^Picked up JAVA_TOOL_OPTIONS: (.*)$', re.M)
# A failed check's message quotes what it got: >'...'< not equal to '...'
BANNER_IN_CHECK = re.compile(r">'[^<]*Picked up JAVA_TOOL_OPTIONS: ")


def banner_checks(plain, agent):
    """Checks the banner's length accounts for (failed with the agent minus failed without), or None."""
    if not (BANNER_IN_CHECK.search(plain) and BANNER_IN_CHECK.search(agent)):
        return None
    a, b = BANNER.search(plain), BANNER.search(agent)
    if not (a and b):
        return None
    return len(b.group(1).encode()) - len(a.group(1).encode())


def outputs(work):
    out = {}
    for f in glob.glob(os.path.join(work, '**', '*.jtr'), recursive=True):
        out[os.path.relpath(f, work)[:-4]] = open(f, errors='replace').read()
    return out


def main():
    d = sys.argv[1]
    plain, agent = outputs(d + '/plain/work'), outputs(d + '/agent/work')
    bad = 0
    for name in sorted(set(plain) & set(agent)):
        a, b = COUNTS.findall(plain[name]), COUNTS.findall(agent[name])
        shift = banner_checks(plain[name], agent[name]) if a != b else None
        if shift is not None and len(a) == len(b) and all(
                int(pa) - int(pb) == shift and int(fb) - int(fa) == shift for (pa, fa), (pb, fb) in zip(a, b)):
            print(f"checks: {name}: without the agent {a}, with it {b} (passed, failed): the {shift} checks"
                  f" of the JVM's 'Picked up JAVA_TOOL_OPTIONS' banner, {shift} bytes longer with the agent's jar"
                  " path than without it, and the counts differ by exactly that")
            continue
        if a != b:
            bad += 1
            print(f"checks: {name}: without the agent {a}, with it {b} (passed, failed)")
    for name, text in sorted(agent.items()):
        if 'PROCESS_HYGIENE_GROUP' in text:
            bad += 1
            print(f"checks: {name}: a child saw PROCESS_HYGIENE_GROUP")
    print(f"checks: {len(agent)} tests read; {bad} differ in their checks or show the marker")
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
