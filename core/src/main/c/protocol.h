/*
 * protocol: what the JVM and the helper agree on, on the helper's side. The Java side is
 * dev.hygiene.core.HelperProtocol: HelperProtocolTest reads this file and checks every #define
 * below against the Java constant of the same name. Keep one #define per line, its value a plain
 * string or decimal number.
 */
#ifndef HYGIENE_PROTOCOL_H
#define HYGIENE_PROTOCOL_H

/* The environment variable that marks the descendants of an agent's child: its value is a
 * space-separated list of markers, one per JVM (nested JVMs append theirs). */
#define MARKER_VAR "PROCESS_HYGIENE_GROUP"

/* The helper's private directory is BASE/DIR_PREFIX<random>; a cgroup directory the watchdog
 * removes at the end (an R line) must have a name starting with it too. */
#define DIR_PREFIX "process-hygiene-"

/* In the private directory: the helper, the exec mode's report of a failed execve, and its report
 * of a cgroup it could not enter (the pid follows each prefix). */
#define HELPER_FILE "hygiene-helper"
#define EXEC_FAILED_PREFIX "exec-failed."
#define CGROUP_FAILED_PREFIX "cgroup-failed."

/* In the private directory, for the spawn mode (spawn.c), which the JDK runs in place of its own
 * jspawnhelper: two names for the helper (SPAWN_FILE: a process group; SPAWN_CGROUP_FILE: a
 * cgroup too), a link to the JDK's jspawnhelper (JSPAWNHELPER_LINK), and a link to the JVM's
 * cgroup directory (CGROUP_LINK), in which the child makes CHILD_CGROUP_PREFIX<its pid>. */
#define SPAWN_FILE "spawn"
#define SPAWN_CGROUP_FILE "spawn-cgroup"
#define JSPAWNHELPER_LINK "jspawnhelper"
#define CGROUP_LINK "cgroup"
#define CHILD_CGROUP_PREFIX "p"

/* In the private directory: the JVM's list of groups for the watchdog, appended to by the JVM and
 * read by the watchdog once the JVM has died; compacted by writing GROUPS_TMP and renaming it. */
#define GROUPS_FILE "groups"
#define GROUPS_TMP "groups.tmp"

/* In the private directory: the JVM's request that the spawn mode of its next child start the
 * watchdog (the watch mode's five arguments, each ended by a NUL), renamed by the child that claims
 * it, and then after the watch mode's exit status (see watch_start.c). */
#define WATCH_REQUEST "watch-request"
#define WATCH_CLAIMED "watch-claimed"
#define WATCH_STARTED "watch-started"
#define WATCH_FAILED "watch-failed"

/* The first byte of a line of GROUPS_FILE (fields separated by one TAB, the line ends with '\n'):
 *   +  PGID  LEADER_START  MARKER  CGROUP  COMMAND  STARTED_AT  GRACE_MS  STOP_SIGNAL  STOP_MODE
 *                                                   a group is live, and how it is to be stopped
 *   -  PGID  LEADER_START                           that group is gone
 *   R  PATH                                         a cgroup directory to remove at the end
 *   H  PGID  LEADER_START  SIGNALLED_AT  STAGE  MEMBERS  RSS_BYTES  ESCAPEES
 *                                                   handed off at shutdown: the JVM sent the group
 *                                                   its stop signal at SIGNALLED_AT (CLOCK_MONOTONIC
 *                                                   in ns, System.nanoTime()); the watchdog goes on
 *                                                   from STAGE (SIGKILL at SIGNALLED_AT + GRACE_MS)
 *                                                   once the JVM has exited, and reports "shutdown".
 *                                                   MEMBERS (-1: not counted), RSS_BYTES, ESCAPEES:
 *                                                   what the JVM counted at the stop signal
 * STOP_SIGNAL is TERM, INT, HUP, QUIT, USR1 or USR2; STOP_MODE one of these two: */
#define TAG_LIVE "+"
#define TAG_GONE "-"
#define TAG_REMOVE "R"
#define TAG_HANDED_OFF "H"
#define MODE_GROUP "group"
#define MODE_LEADER_FIRST "leader-first"
/* STAGE, what the group has had of its stop signal: nothing yet (the whole escalation is the
 * watchdog's, SIGNALLED_AT is 0), the leader alone (stop=leader-first; the rest
 * once it has exited), the process group but not yet its members outside it (not looked for yet:
 * the watchdog sends them the stop signal, not the group), or the group and every member outside
 * it seen so far (nothing more until SIGKILL). */
#define STAGE_NONE "none"
#define STAGE_LEADER "leader"
#define STAGE_GROUP "group"
#define STAGE_ALL "all"

/* After SIGKILL, how long members may take to be gone before they are given up on. */
#define GIVE_UP_MS 1000

/* Where pidfd_open is missing (ENOSYS): how often the watchdog reads /proc/PID/stat of the JVM. */
#define JVM_POLL_MS 100

#endif
