package dev.hygiene.core;

import java.util.Locale;

/**
 * What holds a child and everything it starts, so that all of it can be found and terminated:
 * <ul>
 *   <li>{@link #CGROUP}: a cgroup v2 of its own (and its process group). Nothing leaves it: not by
 *       setsid, a double fork, a cleared environment or another user;</li>
 *   <li>{@link #GROUP}: its process group, and the {@code PROCESS_HYGIENE_GROUP} marker in the
 *       environment of members that leave the group;</li>
 *   <li>{@link #TREE}: no group of its own (it shares the JVM's terminal, or no helper could run):
 *       the tree of its descendants.</li>
 * </ul>
 */
public enum Containment {
    CGROUP(true), GROUP(true), TREE(false);

    /** True if the child leads its own process group: its members are its group, signalled as a whole. */
    final boolean leadsGroup;

    Containment(boolean leadsGroup) {
        this.leadsGroup = leadsGroup;
    }

    /** "cgroup", "group" or "tree": as the MBean, the status command and the reports show it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
