package dev.hygiene.core;

import java.io.IOException;
import java.util.concurrent.Callable;

/**
 * Marks the process starts that the agent makes itself (the helper, and a retry without it) so that
 * the instrumented {@code ProcessImpl.start} lets them through untouched.
 */
public final class Untracked {

    private static final ThreadLocal<Boolean> ACTIVE = new ThreadLocal<>();

    private Untracked() {}

    /** True inside {@link #call}: the current start is the agent's own. */
    public static boolean active() {
        return ACTIVE.get() != null;
    }

    /** Runs START with the current thread's process starts left alone. */
    public static <T> T call(Callable<T> start) throws IOException {
        Boolean outer = ACTIVE.get();
        ACTIVE.set(Boolean.TRUE);
        try {
            return start.call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        } finally {
            if (outer == null) ACTIVE.remove();
        }
    }
}
