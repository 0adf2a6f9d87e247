package dev.hygiene.agent;

import java.lang.instrument.Instrumentation;
import java.net.URL;
import java.net.URLClassLoader;

/**
 * The agent's entry point, loaded by the application's class loader: it does nothing but hand over
 * to {@link Installation} in a class loader of the agent's own (parent: the platform loader), so
 * that what the agent is given access to (java.lang, for the instrumentation) is not given to the
 * application, and the agent's classes and its relocated ASM never meet the application's.
 *
 * <p>If anything fails, the application runs as if the agent were absent, and one stderr line says why.
 */
public final class Agent {

    private Agent() {}

    public static void premain(String args, Instrumentation inst) {
        start(args, inst, false);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst, true);
    }

    private static void start(String args, Instrumentation inst, boolean attached) {
        try {
            URL jar = Agent.class.getProtectionDomain().getCodeSource().getLocation();
            ClassLoader own = new URLClassLoader("process-hygiene", new URL[] {jar}, ClassLoader.getPlatformClassLoader());
            Class.forName("dev.hygiene.agent.Installation", true, own)
                    .getMethod("install", String.class, Instrumentation.class, boolean.class)
                    .invoke(null, args, inst, attached);
        } catch (Throwable t) {
            Throwable cause = t instanceof java.lang.reflect.InvocationTargetException ? t.getCause() : t;
            System.err.println("process-hygiene: disabled, the application runs without it: " + cause);
        }
    }
}
