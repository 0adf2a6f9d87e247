package dev.hygiene.bench.noop;

import java.lang.instrument.Instrumentation;

/**
 * The floor of any agent: a Premain-Class that does nothing. Loading any {@code -javaagent} loads
 * {@code java.instrument} and costs start-up time; the difference between this agent and
 * process-hygiene is what process-hygiene itself costs.
 */
public final class NoopAgent {

    private NoopAgent() {}

    public static void premain(String args, Instrumentation inst) {
        // nothing
    }
}
