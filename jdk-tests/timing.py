"""Compares each JDK test's running time without and with the agent (issue 13: none more than 1.5x
slower). Reads the .jtr files of OUT_DIR/plain/work and OUT_DIR/agent/work (written by
shared/jdk-tests/run.sh); a test's time is the sum of its run sections (main, testng, junit,
driver, shell...), without the compilation, which the agent plays no part in.

    timing.py OUT_DIR [RATIO] [FLOOR_SECONDS]

Prints the slowest ratios and every test above RATIO (default 1.5), and writes the names of the
failing ones to OUT_DIR/slow-tests (for confirm.py, which runs them again). Exit 1 only where a
test is above RATIO *and* more than FLOOR_SECONDS (default 2) slower: the JVMs these tests start take
~0.1-0.5 s each, and a short test's time varies by more than half from one run to the next on a
loaded machine (see jdk-tests/README.md for the measurements behind these numbers).
"""
import glob
import os
import re
import sys

NOT_RUN = {'script_messages', 'build', 'compile', 'clean'}


def run_times(work):
    """test name -> seconds spent in its run sections (only tests that passed)."""
    out = {}
    for f in glob.glob(os.path.join(work, '**', '*.jtr'), recursive=True):
        text = open(f, errors='replace').read()
        result = re.search(r'^test result: (\w+)', text, re.M)
        if not result or result.group(1) != 'Passed':
            continue
        total = 0.0
        for section in re.split(r'^#section:', text, flags=re.M)[1:]:
            name = section.split('\n', 1)[0].strip()
            m = re.search(r'^elapsed time \(seconds\): ([0-9.]+)', section, re.M)
            if name not in NOT_RUN and m:
                total += float(m.group(1))
        out[os.path.relpath(f, work)[:-4]] = total
    return out


def main():
    out_dir = sys.argv[1]
    ratio_limit = float(sys.argv[2]) if len(sys.argv) > 2 else 1.5
    floor = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
    plain = run_times(os.path.join(out_dir, 'plain', 'work'))
    agent = run_times(os.path.join(out_dir, 'agent', 'work'))
    rows = []
    for test in sorted(set(plain) & set(agent)):
        p, a = plain[test], agent[test]
        rows.append((a / p if p > 0 else float('inf'), test, p, a))
    rows.sort(reverse=True)
    total_p = sum(r[2] for r in rows)
    total_a = sum(r[3] for r in rows)
    print(f"timing: {len(rows)} tests passed in both runs; run sections {total_p:.1f} s without the agent, "
          f"{total_a:.1f} s with it ({total_a / total_p if total_p else 0:.2f}x)")
    print("timing: slowest ratios (with / without):")
    for r, test, p, a in rows[:5]:
        print(f"timing:   {r:5.2f}x  {p:7.2f} s -> {a:7.2f} s  {test}")
    above = [row for row in rows if row[0] > ratio_limit]
    failing = [row for row in above if row[3] - row[2] > floor]
    for r, test, p, a in above:
        verdict = 'FAILS' if (r, test, p, a) in failing else f'not a failure: {a - p:.2f} s, within the {floor:g} s floor'
        print(f"timing: ABOVE {ratio_limit:g}x: {test} {p:.2f} s -> {a:.2f} s ({r:.2f}x; {verdict})")
    if not above:
        print(f"timing: no test above {ratio_limit:g}x")
    with open(os.path.join(out_dir, 'slow-tests'), 'w') as f:
        for row in failing:
            f.write(row[1] + '\n')
    sys.exit(1 if failing else 0)


if __name__ == '__main__':
    main()
