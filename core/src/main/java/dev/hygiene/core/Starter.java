package dev.hygiene.core;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.util.Map;

/** The JDK's own start, {@code java.lang.ProcessImpl.start}, with the same parameters. */
@FunctionalInterface
public interface Starter {
    Process start(String[] cmdarray, Map<String, String> environment, String dir, Redirect[] redirects,
                  boolean redirectErrorStream) throws IOException;
}
