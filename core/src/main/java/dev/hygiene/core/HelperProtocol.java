package dev.hygiene.core;

/**
 * What the JVM and the helper agree on, on the JVM's side; the helper's side is
 * {@code src/main/c/protocol.h}, and HelperProtocolTest checks that every {@code #define} there
 * has a constant of the same name and value here.
 */
final class HelperProtocol {

    /**
     * The environment variable that marks the descendants of an agent's child: its value is a
     * space-separated list of markers, one per JVM (nested JVMs append theirs).
     */
    static final String MARKER_VAR = "PROCESS_HYGIENE_GROUP";

    /**
     * The helper's private directory is BASE/DIR_PREFIX&lt;random&gt;; a cgroup directory the
     * watchdog removes at the end (an R line) must have a name starting with it too.
     */
    static final String DIR_PREFIX = "process-hygiene-";

    /** In the private directory: the helper. */
    static final String HELPER_FILE = "hygiene-helper";
    /** In the private directory: the exec mode's report of a failed execve, the pid appended. */
    static final String EXEC_FAILED_PREFIX = "exec-failed.";
    /** In the private directory: the exec mode's report of a cgroup it could not enter, the pid appended. */
    static final String CGROUP_FAILED_PREFIX = "cgroup-failed.";

    /**
     * In the private directory, for the helper's spawn mode (run by the JDK in place of its
     * jspawnhelper): the helper's two names (a process group; a cgroup too), a link to the JDK's
     * jspawnhelper, a link to the JVM's cgroup directory, in which the child makes
     * CHILD_CGROUP_PREFIX&lt;its pid&gt;.
     */
    static final String SPAWN_FILE = "spawn";
    static final String SPAWN_CGROUP_FILE = "spawn-cgroup";
    static final String JSPAWNHELPER_LINK = "jspawnhelper";
    static final String CGROUP_LINK = "cgroup";
    static final String CHILD_CGROUP_PREFIX = "p";

    /**
     * In the private directory: the JVM's list of groups for the watchdog, appended to by the JVM
     * and read by the watchdog once the JVM has died; compacted by writing {@link #GROUPS_TMP}
     * and renaming it.
     */
    static final String GROUPS_FILE = "groups";
    static final String GROUPS_TMP = "groups.tmp";

    /**
     * In the private directory: the JVM's request that the spawn mode of its next child start the
     * watchdog (the watch mode's five arguments, each ended by a NUL), renamed by the child that
     * claims it, and then after the watch mode's exit status (src/main/c/watch_start.c).
     */
    static final String WATCH_REQUEST = "watch-request";
    static final String WATCH_CLAIMED = "watch-claimed";
    static final String WATCH_STARTED = "watch-started";
    static final String WATCH_FAILED = "watch-failed";

    /**
     * The first field of a line of {@link #GROUPS_FILE} (fields separated by one TAB, the line
     * ends with '\n'): {@code + PGID LEADER_START MARKER CGROUP COMMAND STARTED_AT GRACE_MS
     * STOP_SIGNAL STOP_MODE} (a group is live; its policy: the grace in ms, TERM/INT/HUP/QUIT/USR1/USR2,
     * {@value #MODE_GROUP} or {@value #MODE_LEADER_FIRST}), {@code - PGID LEADER_START} (that group is gone), {@code R PATH} (a cgroup directory
     * to remove at the end, after the groups' own), {@code H PGID LEADER_START SIGNALLED_AT STAGE
     * MEMBERS RSS_BYTES ESCAPEES} (handed off at shutdown: the JVM sent the group its stop signal at
     * SIGNALLED_AT, System.nanoTime() in ns, which is CLOCK_MONOTONIC; once the JVM has exited the
     * watchdog goes on from STAGE, SIGKILL at SIGNALLED_AT + GRACE_MS, and reports the group with
     * reason shutdown and what the JVM counted: MEMBERS, -1 if not counted, RSS_BYTES, ESCAPEES).
     */
    static final String TAG_LIVE = "+";
    static final String TAG_GONE = "-";
    static final String TAG_REMOVE = "R";
    static final String TAG_HANDED_OFF = "H";

    /** The STAGE of an H line: no signal yet: the watchdog gives the group the whole escalation (reason shutdown). */
    static final String STAGE_NONE = "none";
    /** STAGE: the stop signal went to the leader alone (leader-first); the rest once it has exited. */
    static final String STAGE_LEADER = "leader";
    /** STAGE: to the process group, but its members outside it were not looked for yet: the watchdog signals those. */
    static final String STAGE_GROUP = "group";
    /** STAGE: to the group and every member outside it seen so far: nothing more until SIGKILL. */
    static final String STAGE_ALL = "all";

    /** The STOP_MODE field of a live group: the stop signal to the whole group at once. */
    static final String MODE_GROUP = "group";
    /** The STOP_MODE field: the stop signal to the leader first, to the rest once it has exited. */
    static final String MODE_LEADER_FIRST = "leader-first";

    /** After SIGKILL, how long members may take to be gone before they are given up on. */
    static final long GIVE_UP_MS = 1000;

    /** Where pidfd_open is missing (ENOSYS): how often the watchdog reads /proc/PID/stat of the JVM. */
    static final long JVM_POLL_MS = 100;

    private HelperProtocol() {}
}
