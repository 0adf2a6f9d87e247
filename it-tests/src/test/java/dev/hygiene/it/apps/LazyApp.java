package dev.hygiene.it.apps;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Runs without starting a process until told to: it reads /proc, builds a ProcessBuilder and
 * looks at its own ProcessHandle, but calls no start() (with the argument {@code untouched} it
 * does none of that, and prints {@code MAIN} on stderr; with {@code environment} it reads its
 * environment and its own ProcessHandle, which load other process classes of the JDK, and then
 * prints {@code MAIN} on stderr; with {@code builder} it only builds the ProcessBuilder; with
 * {@code classes N} it loads N classes of the JDK that a JVM does not load by itself, and nothing
 * of the process API, then prints {@code LOADED N}). Prints
 * {@code READY}, then obeys lines on
 * stdin: {@code start} starts {@code sleep 300} (held), prints {@code GROUP <pid>} and
 * {@code STARTED}; {@code exit} returns from main.
 */
public final class LazyApp {

    /** Held until the end. */
    static final List<Process> CHILDREN = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("untouched")) {
            // No class of the process API before "start": MAIN on stderr first, then READY.
            System.err.println("MAIN");
            System.err.flush();
        } else if (args.length > 0 && args[0].equals("environment")) {
            // ProcessEnvironment, ProcessHandle and ProcessHandleImpl loaded (on JDK 25 System.getenv
            // loads ProcessImpl too), no ProcessBuilder; then MAIN on stderr.
            String path = System.getenv("PATH");
            int variables = System.getenv().size();
            long pid = ProcessHandle.current().pid();
            System.err.println("MAIN");
            System.err.flush();
            Report.line("ENVIRONMENT " + (path != null) + " " + variables + " " + pid);
        } else if (args.length > 1 && args[0].equals("classes")) {
            Report.line("LOADED " + loadClasses(Integer.parseInt(args[1])));
        } else if (args.length > 0 && args[0].equals("builder")) {
            // ProcessBuilder loaded and initialized, and nothing else of the process API.
            ProcessBuilder unused = new ProcessBuilder("sleep", "300");
            Report.line("NOT_STARTED " + unused.command());
        } else {
            Report.jvm();
            ProcessBuilder unused = new ProcessBuilder("sleep", "300");
            Report.line("NOT_STARTED " + unused.command() + " " + ProcessHandle.current().info().command().orElse("?"));
        }
        Report.line("READY");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("start")) {
                Process p = new ProcessBuilder("sleep", "300").start();
                CHILDREN.add(p);
                Report.line("GROUP " + p.pid());
                Report.line("STARTED");
            } else if (line.equals("exit")) {
                return;
            }
        }
    }

    /**
     * Loads N classes of java.desktop and java.xml (not initialized) through the platform loader;
     * returns how many it loaded.
     */
    private static int loadClasses(int n) throws Exception {
        ClassLoader platform = ClassLoader.getPlatformClassLoader();
        int loaded = 0;
        for (String module : new String[] {"java.desktop", "java.xml"}) {
            try (ModuleReader r = ModuleFinder.ofSystem().find(module).orElseThrow().open()) {
                for (Iterator<String> it = r.list().iterator(); it.hasNext() && loaded < n; ) {
                    String s = it.next();
                    if (!s.endsWith(".class") || s.endsWith("module-info.class")) continue;
                    try {
                        Class.forName(s.substring(0, s.length() - ".class".length()).replace('/', '.'), false, platform);
                        loaded++;
                    } catch (ClassNotFoundException | LinkageError e) {
                        // not loadable alone: the next one
                    }
                }
            }
        }
        return loaded;
    }
}
