package dev.hygiene.core;

import java.security.AccessControlContext;
import java.security.AccessController;
import java.security.PrivilegedAction;

/**
 * The agent's own work under a SecurityManager (JDK 17 to 23, installed from the command line or
 * at run time). Where the JDK calls into the agent (a process start or destroy, the MBean) the
 * application's code is on the stack, and its permissions would limit what the agent does for
 * itself: reading /proc, extracting and starting its helper and watchdog, its threads and shutdown
 * hook, the MBean. {@link #run} gives that work the agent's own permissions (its classes have
 * AllPermission: see the agent's {@code Agent.Own}). {@link Caller#run} limits to the
 * application's permissions what the JDK does on the application's behalf inside it (its start of
 * the program opens the redirect files).
 *
 * <p>A thread takes the permissions of the code that creates it, for its whole life: a thread the
 * agent created in an application's call before the application installed a SecurityManager would
 * have the application's permissions once it did. So on the JDKs where a SecurityManager can be
 * installed at all ({@link #POSSIBLE}) the entry points run privileged whether one is installed
 * yet or not; on JDK 24 and later, where none can be, the callers go straight on.
 */
// AccessController and AccessControlContext are deprecated for removal with the SecurityManager;
// JDK 17 still enforces it, and without one a privileged action costs a method call.
@SuppressWarnings("removal")
public final class Privileged {

    /** True on the JDKs where a SecurityManager can be installed, now or later: before 24. */
    public static final boolean POSSIBLE = Runtime.version().feature() < 24;

    private Privileged() {}

    /** True where a SecurityManager is installed now. */
    public static boolean active() {
        return System.getSecurityManager() != null;
    }

    /**
     * Runs WORK with the permissions of the agent's own code only. Any exception passes unchanged
     * (a checked one thrown through {@link PrivilegedAction#run} too).
     */
    public static <T> T run(PrivilegedAction<T> work) {
        return AccessController.doPrivileged(work);
    }

    /** The permissions of the code that calls this, to be applied later (see {@link Caller#run}). */
    public static Caller caller() {
        return new Caller(AccessController.getContext());
    }

    /** The permissions of the application code that called the agent. */
    public static final class Caller {
        private final AccessControlContext context;

        private Caller(AccessControlContext context) {
            this.context = context;
        }

        /** Runs WORK with no more permissions than the caller had; exceptions pass unchanged. */
        public <T> T run(PrivilegedAction<T> work) {
            return AccessController.doPrivileged(work, context);
        }
    }
}
