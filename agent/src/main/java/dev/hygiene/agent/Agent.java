package dev.hygiene.agent;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.lang.instrument.Instrumentation;
import java.net.URISyntaxException;
import java.net.URL;
import java.security.AllPermission;
import java.security.CodeSource;
import java.security.Permissions;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;

/**
 * The agent's entry point, loaded by the application's class loader. It does nothing but hand over
 * to {@link Installation} in a class loader of the agent's own (parent: the platform loader), so
 * that what the agent is given access to (java.lang, where its bridge lives) is not given to the
 * application, and the agent's classes never meet the application's. Only {@link #apply} is there
 * for the JDK to call.
 *
 * <p>If anything fails, the application runs as if the agent were absent, and one stderr line says why.
 */
public final class Agent implements Function<Object, Object> {

    /** The installation that succeeded (see {@link #start}), for {@link #apply}; null before. */
    static volatile Object[] installed;

    private Agent() {}

    /**
     * What ProcessBuilder's static initializer, as the agent's transformer rewrote it at its load
     * ({@code LookupHandshake}), hands over, on an instance it makes without a constructor (this
     * class is loaded already, and has no state): its lookup, then the bridge. Passed on to that
     * transformer, in the agent's own loader; whoever else calls this gets nothing from it (the
     * transformer takes ProcessBuilder's own lookup only, once).
     */
    @Override
    @SuppressWarnings("unchecked")
    public Object apply(Object handed) {
        Object[] a = installed;
        Object transformer = a == null ? null : a[6];
        return transformer instanceof Function ? ((Function<Object, Object>) transformer).apply(handed) : null;
    }

    /**
     * A JVM that is pid 1 of its pid namespace installs at once: it reaps the orphans that land on
     * it from its start. Any other installs when the JDK's first process class loads ({@link
     * Deferred}): a JVM that never starts a process loads two of the agent's classes, and reads
     * neither its configuration nor its jar.
     */
    public static void premain(String args, Instrumentation inst) {
        if (pidOne()) {
            start(new Object[] {args, inst, null, false, true, false, null, new BuilderLoadedBefore(inst, null), null});
            return;
        }
        try {
            // Not retransformation-capable: what it rewrites at a class's load stays rewritten when
            // another agent retransforms that class (the JVM reuses this output; see Deferred).
            inst.addTransformer(new Deferred(args, inst), false);
        } catch (Throwable t) {
            disabled(t);
        }
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
        start(new Object[] {args, inst, null, true, pidOne(), false, null, new BuilderLoadedBefore(inst, false), null});
    }

    /**
     * Installs the agent in its own loader. INSTALLATION: {agent arguments, Instrumentation, (the
     * jar's Path, set here), attached, pid 1, deferred, (the transformer, set there), whether
     * ProcessBuilder was loaded before the agent ({@link BuilderLoadedBefore}), ProcessImpl's bytes
     * as the JDK loaded it before ProcessBuilder (or null)}; see {@link Installation}. False (and one stderr line) if it failed: the application
     * runs as if the agent were absent.
     */
    private static boolean start(Object[] installation) {
        try {
            File jar = jarFile(Agent.class.getProtectionDomain().getCodeSource().getLocation());
            installation[2] = jar.toPath();
            Own own = new Own(new JarFile(jar, false), installation);
            installed = installation; // before anything the installation does can initialize ProcessBuilder
            // Initialising Installation installs the agent: no reflective call, which on JDK 18+
            // spins method handles (~5 ms of start-up).
            Class.forName("dev.hygiene.agent.Installation", true, own);
            return true;
        } catch (Throwable t) {
            installed = null;
            disabled(t);
            return false;
        }
    }

    /**
     * The agent jar, from its code source's file: URL: its path as it is where it has no escapes
     * (URI's parser and Path.of(URI) cost the first start ~1 ms, measured), else through URI.
     */
    static File jarFile(URL location) throws URISyntaxException {
        String path = location.getPath();
        String authority = location.getAuthority();
        if ("file".equals(location.getProtocol()) && (authority == null || authority.isEmpty()) && path.indexOf('%') < 0) {
            return new File(path);
        }
        return Path.of(location.toURI()).toFile();
    }

    private static void disabled(Throwable t) {
        Throwable cause = t instanceof ExceptionInInitializerError && t.getCause() != null ? t.getCause() : t;
        System.err.println("process-hygiene: disabled, the application runs without it: " + cause + UnderSecurityManager.hint(cause));
    }

    /**
     * True if the JVM is pid 1 of the pid namespace whose /proc is mounted: only then does
     * /proc/self resolve to /proc/1 (in a /proc of another namespace it is another number, or
     * missing). A realpath(3) through java.io.File: ~50 us, where Files.readSymbolicLink costs
     * ~0.5 ms at start-up (measured on JDK 17 and 25).
     */
    private static boolean pidOne() {
        try {
            return new File("/proc/self").getCanonicalPath().equals("/proc/1");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * True if the JVM has loaded java.lang.ProcessBuilder (another agent's premain made one before
     * this agent's): the agent cannot rewrite it then, and no child can be isolated. Asked only
     * where ProcessImpl loads before ProcessBuilder (on JDK 25 System.getenv loads it), once.
     */
    static boolean processBuilderLoaded(Instrumentation inst) {
        for (Class<?> c : inst.getInitiatedClasses(null)) {
            // ProcessBuilder is a public final class: only those are named (a name costs a native
            // call and a string; ~1,000 classes when System.getenv loads ProcessImpl on JDK 25:
            // 1.7 ms for all names against ~0.8 ms with this filter, measured in a test agent).
            if ((c.getModifiers() & PUBLIC_FINAL_MASK) != PUBLIC_FINAL) continue;
            if (c.getName().equals("java.lang.ProcessBuilder")) return true;
        }
        return false;
    }

    /** The modifiers ProcessBuilder has (public, final) among those {@link #processBuilderLoaded} looks at (also interface, abstract). */
    private static final int PUBLIC_FINAL = 0x0011, PUBLIC_FINAL_MASK = 0x0011 | 0x0200 | 0x0400;

    /**
     * Whether ProcessBuilder was loaded before the agent, for the installation: KNOWN (by
     * Agent.Deferred, or false when attached), or else asked of the JVM ({@link
     * #processBuilderLoaded}) when the transformer that premain registers at pid 1 sees ProcessImpl
     * load before ProcessBuilder, not in premain (a scan of ~800 classes, 0.5 ms of every such
     * JVM's start, measured). A JDK interface: the agent's own loader asks it.
     */
    static final class BuilderLoadedBefore implements BooleanSupplier {
        private final Instrumentation inst;
        private Boolean known;

        BuilderLoadedBefore(Instrumentation inst, Boolean known) {
            this.inst = inst;
            this.known = known;
        }

        @Override
        public synchronized boolean getAsBoolean() {
            if (known == null) known = processBuilderLoaded(inst);
            return known;
        }
    }

    /**
     * The agent until java.lang.ProcessBuilder loads (the one class through which a child can come):
     * for any other class it does nothing, and a JVM that never makes a ProcessBuilder pays for this
     * class alone (its premain took 11-12 ms more when it installed everything there, measured; the
     * JDK's other process classes, which System.getenv and ProcessHandle.current load, cost no
     * installation). Then it installs the agent and hands that class, and every later one, to the
     * agent's transformer. The configuration is read then too: a bad value is said when the
     * application first uses ProcessBuilder.
     *
     * <p>A java.lang.ProcessImpl that loads first (on JDK 25 System.getenv loads it; on any JDK an
     * agent listed after this one may) is left as it is, its bytes kept: the installation, when
     * ProcessBuilder loads, rewrites it by a redefinition from them (one that another agent's
     * retransformation keeps). Unless ProcessBuilder was loaded already, before the agent: then the
     * installation says that no child can be isolated, and does nothing else.
     *
     * <p>Once the agent's transformer has rewritten both classes (or given up), this removes itself:
     * while any transformer is registered, the JVM hands every class it loads to the agent, ~10 us
     * each on JDK 17 and ~23 us on JDK 25 (5000 classes loaded: +51 ms with a transformer that does
     * nothing, measured on 17), for the rest of the JVM's life. So a JVM that loads {@value #AHEAD}
     * classes without making a ProcessBuilder (a framework's start-up, not a small tool's: hello
     * world loads about a dozen after premain) has ProcessBuilder initialized on a thread of its own
     * ({@link #run}), which installs the agent as the application's first ProcessBuilder would, and
     * this goes. It is registered without retransformation: when another agent
     * retransforms ProcessBuilder or ProcessImpl later, the JVM starts from what this made of them
     * (java.lang.instrument: the bytes a transformer that cannot retransform returned at the load
     * are reused), so the rewrite stays without a transformer of ours (RetransformTest).
     */
    static final class Deferred implements ClassFileTransformer, Runnable {
        /**
         * How many classes this is handed before it has ProcessBuilder initialized ahead of the
         * application: the installation costs about what 1,000 class loads cost with this
         * registered on JDK 17 (~430 on JDK 25), and a JVM that has loaded this many usually loads
         * thousands more.
         */
        static final int AHEAD = 1000;
        /** The name of the thread that installs the agent ahead ({@link #installAhead}). */
        static final String THREAD = "process-hygiene installation";
        private final String args;
        private final Instrumentation inst;
        /** The agent's transformer once installed; null before, and if the installation failed. */
        private volatile ClassFileTransformer agent;
        private boolean tried;
        /** The installation in progress (on the thread that holds this), whose [6] is its transformer once made. */
        private Object[] installing;
        /** ProcessImpl's bytes as the JDK loaded it before ProcessBuilder, for the installation; else null. */
        private byte[] processImplAsLoaded;
        /** True if ProcessImpl loaded after ProcessBuilder had loaded, before the agent. */
        private boolean processBuilderLoadedBefore;
        /** Classes handed to this before the installation (a count that may miss a few where threads race). */
        private int handed;
        /** True once the thread that installs ahead was asked for. */
        private boolean ahead;

        Deferred(String args, Instrumentation inst) {
            this.args = args;
            this.inst = inst;
        }

        @Override
        public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                                byte[] bytes) throws IllegalClassFormatException {
            ClassFileTransformer t = agent;
            if (t == null) {
                if (++handed >= AHEAD && !ahead) installAhead();
                if (loader != null || className == null || !className.startsWith("java/lang/Process")) return null;
                if (className.equals("java/lang/ProcessImpl")) {
                    if (keptProcessImpl(redefined, bytes)) return null;
                } else if (!className.equals("java/lang/ProcessBuilder")) {
                    return null;
                }
                t = install();
                if (t == null) return null;
            }
            byte[] out = t.transform(loader, className, redefined, domain, bytes);
            if (t instanceof BooleanSupplier && ((BooleanSupplier) t).getAsBoolean()) remove();
            return out;
        }

        /**
         * Starts the thread that initializes ProcessBuilder ({@link #run}); not under a
         * SecurityManager (the thread would run with the permissions of whatever code loads a
         * class now), nor where the installation was tried already. Never waits for it: the
         * thread that calls this is loading a class, which that thread may need too.
         */
        private synchronized void installAhead() {
            if (ahead || tried) return;
            ahead = true;
            if (Runtime.version().feature() < 24 && UnderSecurityManager.installed()) return;
            try {
                Thread installing = new Thread(this, THREAD);
                installing.setDaemon(true);
                installing.start();
            } catch (RuntimeException | Error e) {
                // no thread: the installation waits for the application's first ProcessBuilder
            }
        }

        /**
         * Initializes ProcessBuilder, which installs the agent (its load), defines the bridge and
         * has ProcessImpl rewritten (its static initializer, as rewritten), as the application's
         * first ProcessBuilder would: nothing else of it runs, and no process starts.
         */
        @Override
        public void run() {
            try {
                Class.forName("java.lang.ProcessBuilder", true, null);
            } catch (Throwable t) {
                // what failed in the installation was said there; the application runs as without it
            }
        }

        /** No more classes for the agent: its work on them is done, or it cannot be installed. */
        private void remove() {
            try {
                inst.removeTransformer(this);
            } catch (RuntimeException e) {
                // it stays registered, and passes every class on unchanged
            }
        }

        /**
         * True if ProcessImpl, loading before ProcessBuilder (or redefined by another agent then: REDEFINED),
         * is left as it is, its BYTES kept for the installation; false if it goes to the installation
         * now: within one (loaded by it), or where ProcessBuilder was loaded before the agent.
         */
        private synchronized boolean keptProcessImpl(Class<?> redefined, byte[] bytes) {
            if (installing != null || tried) return false;
            if (redefined == null && processBuilderLoaded(inst)) {
                processBuilderLoadedBefore = true;
                return false;
            }
            processImplAsLoaded = bytes;
            return true;
        }

        /**
         * The agent's transformer: installed on the first call; on a later call of the same thread
         * within that installation (a process class it loads), the transformer if made yet.
         */
        private synchronized ClassFileTransformer install() {
            if (agent != null) return agent;
            if (installing != null) {
                Object made = installing[6];
                return made instanceof ClassFileTransformer ? (ClassFileTransformer) made : null;
            }
            if (tried) return null;
            tried = true;
            Object[] a = {args, inst, null, false, false, true, null, new BuilderLoadedBefore(inst, processBuilderLoadedBefore),
                    processImplAsLoaded};
            processImplAsLoaded = null;
            installing = a;
            try {
                // Under a SecurityManager the class load may be the application's: the agent's
                // loader and its installation are the agent's own work.
                boolean ok = Runtime.version().feature() < 24 ? UnderSecurityManager.start(a) : start(a);
                if (ok && a[6] instanceof ClassFileTransformer) agent = (ClassFileTransformer) a[6];
            } finally {
                installing = null;
            }
            if (agent == null) remove();
            return agent;
        }
    }

    /**
     * Defines the agent's classes from the agent jar a second time, in a loader of their own, and
     * delegates everything else to the platform loader. Reads the jar directly (a URL-based loader
     * costs ~4 ms of start-up in URL connection classes), and its classes from one entry, {@value
     * #CLASSES} (written by the build: agent/src/build/BundleClasses.java): a jar entry read in the
     * interpreter costs ~0.16 ms, ~9 ms for the ~55 classes of the first start, where that one entry
     * costs ~3 ms (measured). The classes no first start needs (the ending half, the attach and
     * reaper paths, the configuration's parser...) are in a second entry, {@value #LATER}, read
     * when the first of them is: the first start's entry is a third smaller. A class neither holds
     * is read from its own entry.
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

        /**
         * The classes a first start needs, in one resource: "PHC1", then per class its name,
         * length and bytes (agent/src/build/first-start-classes.txt names them).
         */
        static final String CLASSES = "dev/hygiene/agent/classes.bin";
        /** The agent's other classes, in the same format. */
        static final String LATER = "dev/hygiene/agent/classes-later.bin";

        private final JarFile jar;
        private final ProtectionDomain domain;
        private final Object[] installation;
        /** The content of {@link #CLASSES}; null if the jar has none (or it is damaged). */
        private final byte[] classes;
        /** Where each class is in {@link #classes}: offset (high half) and length (low half), by binary name. */
        private final HashMap<String, Long> index = new HashMap<>(128);
        /** The content of {@link #LATER}, once read (then {@link #laterIndex} is filled); both guarded by laterIndex. */
        private byte[] later;
        private boolean laterRead;
        private final HashMap<String, Long> laterIndex = new HashMap<>(64);

        Own(JarFile jar, Object[] installation) {
            super("process-hygiene", ClassLoader.getPlatformClassLoader());
            this.jar = jar;
            this.domain = Runtime.version().feature() < 24 ? UnderSecurityManager.allPermissions() : null; // 24+: no SecurityManager
            this.installation = installation;
            this.classes = indexClasses(CLASSES, index);
        }

        /** Reads the bundle ENTRY and fills INTO; null (INTO empty) if absent or not well formed. */
        private byte[] indexClasses(String entry, HashMap<String, Long> into) {
            byte[] b;
            try {
                b = read(entry);
            } catch (IOException e) {
                return null;
            }
            if (b == null || b.length < 4 || b[0] != 'P' || b[1] != 'H' || b[2] != 'C' || b[3] != '1') return null;
            int p = 4;
            while (p < b.length) {
                if (b.length - p < 2) break;
                int nameLength = (b[p] & 0xff) << 8 | (b[p + 1] & 0xff);
                p += 2;
                if (b.length - p < nameLength + 4) break;
                String name = new String(b, p, nameLength, StandardCharsets.ISO_8859_1);
                p += nameLength;
                int length = (b[p] & 0xff) << 24 | (b[p + 1] & 0xff) << 16 | (b[p + 2] & 0xff) << 8 | (b[p + 3] & 0xff);
                p += 4;
                if (length < 0 || b.length - p < length) break;
                into.put(name, (long) p << 32 | length);
                p += length;
            }
            if (p == b.length) return b;
            into.clear(); // damaged: each class from its own entry
            return null;
        }

        /** What premain was given, for {@link Installation}: see {@link Agent#start}. */
        @Override
        public Object[] get() {
            return installation;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (!name.startsWith("dev.hygiene.")) throw new ClassNotFoundException(name);
            Long at = index.get(name);
            if (at != null) return defineClass(name, classes, (int) (at >>> 32), (int) (long) at, domain);
            byte[] rest;
            synchronized (laterIndex) {
                if (!laterRead) {
                    later = indexClasses(LATER, laterIndex);
                    laterRead = true;
                }
                rest = later;
                at = laterIndex.get(name);
            }
            if (at != null) return defineClass(name, rest, (int) (at >>> 32), (int) (long) at, domain);
            try {
                byte[] b = read(name.replace('.', '/') + ".class");
                if (b == null) throw new ClassNotFoundException(name);
                return defineClass(name, b, 0, b.length, domain);
            } catch (IOException e) {
                throw new ClassNotFoundException(name, e);
            }
        }

        /**
         * The jar entry NAME whole, or null if there is none: read into an array of the size the
         * jar gives, in one call. readAllBytes, in the interpreter at the first start, took ~0.1
         * ms per class (its chunks, then their copy), 5 ms for the ~50 classes the first start
         * loads (measured).
         */
        private byte[] read(String name) throws IOException {
            JarEntry e = jar.getJarEntry(name);
            if (e == null) return null;
            try (InputStream in = jar.getInputStream(e)) {
                long size = e.getSize();
                if (size < 0 || size > Integer.MAX_VALUE - 8) return in.readAllBytes();
                byte[] b = new byte[(int) size];
                int n = in.readNBytes(b, 0, b.length);
                if (n != b.length || in.read() != -1) throw new IOException(name + ": not the size the jar gives");
                return b;
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

        /** True if a SecurityManager is installed. */
        @SuppressWarnings("removal") // the SecurityManager is deprecated for removal; JDK 17 still has it
        static boolean installed() {
            return System.getSecurityManager() != null;
        }

        /** {@link Agent#start} with the agent's own permissions (its jar's, in the policy). */
        @SuppressWarnings("removal") // the SecurityManager is deprecated for removal; JDK 17 still has it
        static boolean start(Object[] installation) {
            if (!installed()) return Agent.start(installation);
            return java.security.AccessController.doPrivileged(new Start(installation));
        }

        private static final class Start implements java.security.PrivilegedAction<Boolean> {
            private final Object[] installation;

            Start(Object[] installation) {
                this.installation = installation;
            }

            @Override
            public Boolean run() {
                return Agent.start(installation);
            }
        }

        /**
         * AllPermission, for a code source without a location: ClassLoader.defineClass turns a
         * location into a string for every class it defines (~20 us each in the interpreter);
         * nothing else reads it.
         */
        static ProtectionDomain allPermissions() {
            Permissions all = new Permissions();
            all.add(new AllPermission());
            return new ProtectionDomain(new CodeSource(null, (Certificate[]) null), all);
        }

        /**
         * Under a SecurityManager installed from the command line, premain already runs under the
         * policy, with the permissions it grants the agent's jar: it needs AllPermission there.
         */
        static String hint(Throwable cause) {
            if (!(cause instanceof SecurityException) || !installed()) return "";
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
