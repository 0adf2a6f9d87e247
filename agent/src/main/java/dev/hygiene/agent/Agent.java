package dev.hygiene.agent;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.security.AllPermission;
import java.security.CodeSource;
import java.security.Permissions;
import java.security.ProtectionDomain;
import java.util.function.Supplier;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.nio.file.Path;

/**
 * The agent's entry point, loaded by the application's class loader. It does nothing but hand over
 * to {@link Installation} in a class loader of the agent's own (parent: the platform loader), so
 * that what the agent is given access to (java.lang, to define its bridge there) is not given to
 * the application, and the agent's classes never meet the application's.
 *
 * <p>If anything fails, the application runs as if the agent were absent, and one stderr line says why.
 */
public final class Agent {

    private Agent() {}

    public static void premain(String args, Instrumentation inst) {
        start(args, inst, false);
    }

    /**
     * A dynamic attach ({@code java -jar process-hygiene-agent.jar attach PID}, which checks first
     * that the agent is not there yet). If it is anyway, says so and does nothing.
     */
    public static void agentmain(String args, Instrumentation inst) {
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (c.getName().equals("dev.hygiene.agent.Installation")) {
                System.err.println("process-hygiene: already loaded in this JVM; attach ignored");
                return;
            }
        }
        start(args, inst, true);
    }

    private static boolean start(String args, Instrumentation inst, boolean attached) {
        try {
            CodeSource source = Agent.class.getProtectionDomain().getCodeSource();
            Path jar = Path.of(source.getLocation().toURI());
            Own own = new Own(new JarFile(jar.toFile(), false), source, new Object[] {args, inst, jar, attached});
            // Initialising Installation installs the agent: no reflective call, which on JDK 18+
            // spins method handles (~5 ms of start-up).
            Class.forName("dev.hygiene.agent.Installation", true, own);
            return true;
        } catch (Throwable t) {
            Throwable cause = t instanceof ExceptionInInitializerError && t.getCause() != null ? t.getCause() : t;
            System.err.println("process-hygiene: disabled, the application runs without it: " + cause + UnderSecurityManager.hint(cause));
            return false;
        }
    }

    /**
     * Defines the agent's classes from the agent jar a second time, in a loader of their own, and
     * delegates everything else to the platform loader. Reads the jar directly (a URL-based loader
     * costs ~4 ms of start-up in URL connection classes).
     *
     * <p>Its classes get a protection domain of their own with AllPermission, fixed (not looked up
     * in the security policy, which an application may replace at run time, as the JDK's own
     * ProcessBuilder tests do). That matters only under a SecurityManager (JDK 17 to 23): the
     * agent's own work (/proc, its helper, the watchdog, threads, the shutdown hook, the MBean) runs
     * in {@code AccessController.doPrivileged} with these permissions, whatever the application
     * may do; the application's own requests (the program it starts, the files it redirects to)
     * are still checked against its own permissions (see Hooks). An agent holds Instrumentation,
     * which can redefine any class: AllPermission gives it nothing it did not have. On JDK 24 and
     * later, which have no SecurityManager, the default domain does.
     */
    static final class Own extends ClassLoader implements Supplier<Object[]> {
        static {
            registerAsParallelCapable();
        }

        private final JarFile jar;
        private final ProtectionDomain domain;
        private final Object[] installation;

        Own(JarFile jar, CodeSource source, Object[] installation) {
            super("process-hygiene", ClassLoader.getPlatformClassLoader());
            this.jar = jar;
            this.domain = Runtime.version().feature() < 24 ? UnderSecurityManager.allPermissions(source) : null; // 24+: no SecurityManager
            this.installation = installation;
        }

        /** What premain was given, for {@link Installation}: {args, Instrumentation, jar Path, attached}. */
        @Override
        public Object[] get() {
            return installation;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (!name.startsWith("dev.hygiene.")) throw new ClassNotFoundException(name);
            try (InputStream in = getResourceAsStream(name.replace('.', '/') + ".class")) {
                if (in == null) throw new ClassNotFoundException(name);
                byte[] b = in.readAllBytes();
                return defineClass(name, b, 0, b.length, domain);
            } catch (IOException e) {
                throw new ClassNotFoundException(name, e);
            }
        }

        @Override
        public InputStream getResourceAsStream(String name) {
            JarEntry e = jar.getJarEntry(name);
            try {
                return e == null ? null : jar.getInputStream(e);
            } catch (IOException ex) {
                return null;
            }
        }
    }

    /** What only a JVM that can have a SecurityManager (before JDK 24) needs: loaded only there. */
    static final class UnderSecurityManager {
        private UnderSecurityManager() {}

        static ProtectionDomain allPermissions(CodeSource source) {
            Permissions all = new Permissions();
            all.add(new AllPermission());
            return new ProtectionDomain(source, all);
        }

        /**
         * Under a SecurityManager installed from the command line, premain already runs under the
         * policy, with the permissions it grants the agent's jar: it needs AllPermission there.
         */
        @SuppressWarnings("removal") // the SecurityManager is deprecated for removal; JDK 17 still has it
        static String hint(Throwable cause) {
            if (!(cause instanceof SecurityException) || System.getSecurityManager() == null) return "";
            String jar = "/path/to/process-hygiene-agent.jar";
            try {
                java.net.URL self = Agent.class.getResource("Agent.class"); // jar:file:/x/agent.jar!/dev/...
                if (self != null) jar = self.getPath().replaceFirst("^file:", "").replaceFirst("!/.*$", "");
            } catch (SecurityException e) {
                // the placeholder then
            }
            return " (under a SecurityManager the policy must grant the agent's jar AllPermission: grant codeBase \"file:"
                    + jar + "\" { permission java.security.AllPermission; };)";
        }
    }
}
