package dev.hygiene.it.apps;

import dev.hygiene.it.Proc;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Process trees for the apps to start: a child with grandchildren. */
final class Trees {

    /** A child (sh) with two grandchildren (sleep). */
    static final String TREE = "sleep 300 & sleep 300 & wait";
    /** The same, ignoring SIGTERM (an ignored signal stays ignored across fork and exec). */
    static final String TREE_IGNORING_TERM = "trap '' TERM; sleep 300 & sleep 300 & wait";

    /** A child that leaves two grandchildren behind in its group and exits. */
    static final String LEADER_EXITS = "sleep 300 & sleep 300 & exit 0";
    /** A child that leaves one grandchild behind in its group and exits. */
    static final String LEADER_EXITS_ONE = "sleep 300 & exit 0";
    /** A tree with a stopped member: it acts on SIGTERM only once continued. */
    static final String TREE_WITH_STOPPED = "sleep 300 & kill -STOP $!; sleep 300 & wait";

    private Trees() {}

    /** Starts {@code sh -c SCRIPT} and reports {@code GROUP <pid>}. */
    static Process start(String script) throws IOException {
        Process p = new ProcessBuilder("sh", "-c", script).start();
        Report.line("GROUP " + p.pid());
        return p;
    }

    /**
     * Waits (up to 30 s) until LEADER and its descendants number at least COUNT live processes,
     * reports them as {@code MEMBERS <leader> <pid>:<starttime>...} and returns them.
     */
    static List<Proc.Stat> awaitMembers(long leader, int count) {
        return awaitMembers("MEMBERS", leader, count);
    }

    /** The same, reported as {@code WORD <leader> <pid>:<starttime>...}. */
    static List<Proc.Stat> awaitMembers(String word, long leader, int count) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            List<Proc.Stat> tree = descendants(leader);
            if (tree.size() >= count) {
                Report.line(word + " " + leader + " "
                        + tree.stream().map(s -> s.pid + ":" + s.startTime).collect(Collectors.joining(" ")));
                return tree;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("tree of " + leader + " has " + tree + ", expected " + count + " members");
            }
            sleepMillis(5);
        }
    }

    /**
     * Waits (up to 30 s) until the process group PGID has at least COUNT live members, reports them
     * as {@code MEMBERS <pgid> <pid>:<starttime>...} and returns them.
     */
    static List<Proc.Stat> awaitGroup(long pgid, int count) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            List<Proc.Stat> group = Proc.liveInGroup(pgid);
            if (group.size() >= count) {
                Report.line("MEMBERS " + pgid + " "
                        + group.stream().map(s -> s.pid + ":" + s.startTime).collect(Collectors.joining(" ")));
                return group;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("group " + pgid + " has " + group + ", expected " + count + " members");
            }
            sleepMillis(5);
        }
    }

    /** LEADER (if alive) and its live descendants. */
    static List<Proc.Stat> descendants(long leader) {
        List<Proc.Stat> all = Proc.all();
        List<Proc.Stat> out = new ArrayList<>();
        for (Proc.Stat s : all) if (s.pid == leader && s.alive()) out.add(s);
        for (int i = 0; i < out.size(); i++) {
            long parent = out.get(i).pid;
            for (Proc.Stat s : all) if (s.ppid == parent && s.alive()) out.add(s);
        }
        return out;
    }

    /** Those of MEMBERS still alive with the same start time. */
    static List<Proc.Stat> alive(List<Proc.Stat> members) {
        List<Proc.Stat> out = new ArrayList<>();
        for (Proc.Stat m : members) if (Proc.alive(m.pid, m.startTime)) out.add(m);
        return out;
    }

    static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
