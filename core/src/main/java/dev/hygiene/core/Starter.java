package dev.hygiene.core;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.util.Map;

/** The JDK's own start, {@code java.lang.ProcessImpl.start}, with the same parameters. */
@FunctionalInterface
public interface Starter {
    Process start(String[] cmdarray, Map<String, String> environment, String dir, Redirect[] redirects,
                  boolean redirectErrorStream) throws IOException;

    /**
     * True if {@link #spawn} can run a helper in place of the JDK's jspawnhelper: the JDK starts
     * children through its jspawnhelper (the POSIX_SPAWN launch mechanism) and the agent can give
     * it another path. May load the JDK's ProcessImpl.
     */
    default boolean spawns() {
        return false;
    }

    /**
     * The JDK's own start, running HELPER (its path as a NUL-terminated C string) in place of the
     * JDK's jspawnhelper, with MARKER (unless null) appended to the child's PROCESS_HYGIENE_GROUP.
     * Only where {@link #spawns()}.
     */
    default Process spawn(byte[] helper, String marker, String[] cmdarray, Map<String, String> environment,
                          String dir, Redirect[] redirects, boolean redirectErrorStream) throws IOException {
        throw new UnsupportedOperationException("no spawn through a helper");
    }
}
