package dev.hygiene.core;

/**
 * Why the agent terminates a group. The label is what the leak report, the JFR event and the log
 * show.
 */
enum Ending {
    /** The application called destroy() or destroyForcibly(). */
    DESTROY("destroy", false),
    /** The application let go of the Process while the group was alive (the Cleaner saw it). */
    DROPPED("dropped", true),
    /** orphans=terminate: the leader exited and left members behind. */
    ORPHANED("orphaned", true),
    /** The JVM is shutting down with the group alive. */
    SHUTDOWN("shutdown", true),
    /** The MBean's terminateAll. */
    TERMINATE_ALL("terminate-all", false);

    final String label;
    /**
     * True if the application left the group behind for the agent to clean up: a leak, worth a
     * record in the leak report. False where the application asked for the termination itself.
     */
    final boolean leftBehind;

    Ending(String label, boolean leftBehind) {
        this.label = label;
        this.leftBehind = leftBehind;
    }
}
