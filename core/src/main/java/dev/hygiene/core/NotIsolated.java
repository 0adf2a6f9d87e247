package dev.hygiene.core;

/**
 * Why a child was started without a group of its own (and is tracked as the tree of its
 * descendants). The label is what the MBean's NotIsolatedReasons, the status command and the JFR
 * event show.
 */
enum NotIsolated {
    /** No helper could be extracted, and no setsid(1) was found. */
    NO_HELPER("no-helper"),
    /** The child shares the JVM's terminal: a group of its own would lose the terminal's signals (Ctrl-C). */
    TERMINAL("terminal"),
    /** The program cannot be found or run: the JDK starts it, for its own exception. */
    JDK_CANNOT_START("jdk-cannot-start"),
    /** The program is setsid(1), which makes a session of its own anyway (and forks if it leads a group). */
    SETSID("setsid"),
    /** The helper could not be started, or could not exec the program: the JDK started it. */
    HELPER_FAILED("helper-failed"),
    /** The helper ran, but its setpgid failed. */
    SETPGID_FAILED("setpgid-failed");

    final String label;

    NotIsolated(String label) {
        this.label = label;
    }
}
