package dev.hygiene.core;

/**
 * Marks the process starts that the agent makes itself (the helper, and a retry without it) so that
 * the instrumented {@code ProcessImpl.start} lets them through untouched.
 * <pre>
 * boolean outer = Untracked.enter();
 * try { ... start ... } finally { Untracked.exit(outer); }
 * </pre>
 */
public final class Untracked {

    private static final ThreadLocal<Boolean> ACTIVE = new ThreadLocal<>();

    private Untracked() {}

    /** True between {@link #enter} and {@link #exit}: the current start is the agent's own. */
    public static boolean active() {
        return ACTIVE.get() != null;
    }

    /** Marks this thread's starts as the agent's own; returns whether they already were. */
    public static boolean enter() {
        boolean outer = ACTIVE.get() != null;
        ACTIVE.set(Boolean.TRUE);
        return outer;
    }

    public static void exit(boolean outer) {
        if (!outer) ACTIVE.remove();
    }
}
