"""What a pass/fail comparison cannot see (issue 9): a test that fails in both runs may still fail
more of its checks with the agent (java/lang/ProcessBuilder/Basic.java counts ~9,000 of them and
fails a few on this machine without any agent), and a child may see the agent's marker.

    checks.py OUT_DIR

For each test, compares the "Passed = N, failed = M" counts of the run without and with the agent,
and looks for PROCESS_HYGIENE_GROUP in the output of the run with the agent. Exit 1 where a count
differs or the marker shows.
"""
import glob
import os
import re
import sys

COUNTS = re.compile(r'^Passed = (\d+), failed = (\d+)', re.M)


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
