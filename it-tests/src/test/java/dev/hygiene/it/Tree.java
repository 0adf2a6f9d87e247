package dev.hygiene.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A process tree an app started, as the app reported it in one line
 * {@code MEMBERS <leader> <pid>:<starttime> <pid>:<starttime> ...} (the leader and its
 * descendants, each with its start time so that a reused pid is never mistaken for a member).
 */
public final class Tree {

    public final long leader;
    public final List<long[]> members; // {pid, starttime}

    private Tree(long leader, List<long[]> members) {
        this.leader = leader;
        this.members = members;
    }

    public static Tree parse(String line) {
        return parse("MEMBERS", line);
    }

    /** The same from a line that starts with WORD instead of MEMBERS ({@code KEPT_MEMBERS ...}). */
    public static Tree parse(String word, String line) {
        String[] f = line.trim().split(" +");
        if (!f[0].equals(word) || f.length < 3) throw new IllegalArgumentException("not a " + word + " line: " + line);
        List<long[]> members = new ArrayList<>();
        for (int i = 2; i < f.length; i++) {
            String[] ps = f[i].split(":");
            members.add(new long[] {Long.parseLong(ps[0]), Long.parseLong(ps[1])});
        }
        return new Tree(Long.parseLong(f[1]), members);
    }

    /** The members still alive now (zombies are not alive). */
    public List<Proc.Stat> alive() {
        List<Proc.Stat> out = new ArrayList<>();
        for (long[] m : members) {
            Proc.Stat s = Proc.stat(m[0]);
            if (s != null && s.startTime == m[1] && s.alive()) out.add(s);
        }
        return out;
    }

    /** Every live process in the group led by the leader (whatever the app saw). */
    public List<Proc.Stat> aliveInGroup() {
        return Proc.liveInGroup(leader);
    }

    /** Fails unless every member and every process of the leader's group is gone within TIMEOUT. */
    public void assertGoneWithin(Duration timeout, String context) {
        Poll.assertWithin(timeout, () -> alive().isEmpty() && aliveInGroup().isEmpty(),
                () -> context + ": still alive: members " + alive() + ", group " + aliveInGroup());
    }

    @Override
    public String toString() {
        return "tree " + leader + " " + members.stream().map(m -> Long.toString(m[0])).collect(Collectors.joining(","));
    }
}
