package dev.hygiene.it;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * One application JVM (a main class of {@code dev.hygiene.it.apps}) started by a test, with or
 * without the agent, always in a session and process group of its own ({@code /usr/bin/setsid},
 * which does not fork here, so the pid is the JVM's, or the launcher's for {@link Launch#TERMINAL}).
 *
 * <p>Its stdout and stderr are read while it runs. Lines of the apps' protocol are recorded for the
 * cleanup as they arrive: {@code JVM <pid> <pgrp> <sid>} (the JVM's session and group, and the JVM
 * itself, whose group markers its children's escaped descendants carry), {@code GROUP <pgid>} (a
 * child's group; at the first one the agent's watchdog, which has a session of its own, is looked
 * for and recorded too) and {@code SIBLING <pid>}.
 */
public final class AppJvm {

    /** How the JVM is launched. */
    public enum Launch {
        /** {@code setsid java ...}: the JVM leads its own session and group, with no terminal. */
        DIRECT,
        /**
         * {@code setsid script -qfec "exec java ..." /dev/null}: util-linux script gives the JVM a
         * pty as its controlling terminal; the JVM's stdin/stdout are that pty, its output arrives
         * (stdout and stderr merged) on script's stdout, and script's stdin is typed into the pty.
         */
        TERMINAL,
        /**
         * {@code setsid sh -c 'sleep 300 & echo SIBLING $!; exec java ...'}: the JVM leads its
         * group, which also holds a sibling sleep.
         */
        WITH_SIBLING,
        /**
         * {@code setsid unshare --pid --fork --mount-proc --kill-child java ...}: the JVM is pid 1
         * of a new pid namespace (with its own /proc), as in a container; unshare waits for it and,
         * if unshare dies, the kernel kills it (and the namespace with it). The launched process is
         * unshare (the session's leader), not the JVM; the app's pids are the namespace's.
         */
        PID_NAMESPACE,
        /**
         * {@code setsid unshare --mount --propagation private sh -c 'mount -o remount,bind,ro
         * <cgroup2 mount> && exec java ...'}: the JVM (same pid: neither unshare nor sh forks)
         * sees the cgroup tree read-only, as in most containers. {@code bind}: only this mount
         * namespace's view; a plain {@code remount,ro} would make the file system read-only for
         * the whole machine.
         */
        READ_ONLY_CGROUPS
    }

    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);

    private final String label;
    private final List<String> command;
    private final Process process;
    private final Lines stdout;
    private final Lines stderr;
    private final ProcessCleanup cleanup;
    private final OutputStream stdin;
    private volatile long jvmPid;
    private boolean watchdogLookedFor;

    private AppJvm(String label, List<String> command, Process process, Lines stderr, ProcessCleanup cleanup) {
        this.label = label;
        this.command = command;
        this.process = process;
        this.cleanup = cleanup;
        this.stdin = process.getOutputStream();
        this.stdout = new Lines("stdout", process.getInputStream(), this::record);
        this.stderr = stderr;
    }

    public static Builder builder(Jdks.Jdk jdk, Class<?> main, ProcessCleanup cleanup) {
        return new Builder(jdk, main, cleanup);
    }

    /** The agent jar under test (system property set by the build). */
    public static Path agentJar() {
        String p = System.getProperty("hygiene.agentJar");
        if (p == null) throw new IllegalStateException("system property hygiene.agentJar is not set");
        Path jar = Path.of(p).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) throw new IllegalStateException("no agent jar at " + jar + " (build agent/ first)");
        return jar;
    }

    /** The classpath of the apps (the test classes). */
    public static String appClasses() {
        String p = System.getProperty("hygiene.appClasses");
        if (p == null) throw new IllegalStateException("system property hygiene.appClasses is not set");
        return p;
    }

    public static final class Builder {
        private final Jdks.Jdk jdk;
        private final Class<?> main;
        private final ProcessCleanup cleanup;
        private String agentArgs = "";
        private boolean agentOnCommandLine = true;
        private final List<String> jvmOptions = new ArrayList<>();
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> classPath = new ArrayList<>();
        private Launch launch = Launch.DIRECT;

        private Builder(Jdks.Jdk jdk, Class<?> main, ProcessCleanup cleanup) {
            this.jdk = jdk;
            this.main = main;
            this.cleanup = cleanup;
        }

        /** {@code -javaagent:JAR=ARGS} (ARGS empty: {@code -javaagent:JAR}); the default. */
        public Builder agent(String args) {
            this.agentArgs = args;
            this.agentOnCommandLine = true;
            return this;
        }

        /** No {@code -javaagent} on the command line (the plain JDK, unless JAVA_TOOL_OPTIONS is set). */
        public Builder noAgent() {
            this.agentArgs = null;
            this.agentOnCommandLine = false;
            return this;
        }

        public Builder jvmOption(String option) {
            jvmOptions.add(option);
            return this;
        }

        public Builder args(String... more) {
            args.addAll(Arrays.asList(more));
            return this;
        }

        /** Sets NAME in the app's environment; a null VALUE removes it. */
        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        public Builder launch(Launch how) {
            this.launch = how;
            return this;
        }

        /** Adds ENTRY (a jar or a directory) to the app's class path, after the apps' classes. */
        public Builder classPath(String entry) {
            classPath.add(entry);
            return this;
        }

        /** The java command line (without the launcher around it). */
        List<String> javaCommand() {
            List<String> cmd = new ArrayList<>();
            cmd.add(jdk.java.toString());
            if (agentOnCommandLine) {
                cmd.add("-javaagent:" + agentJar() + (agentArgs.isEmpty() ? "" : "=" + agentArgs));
            }
            // Start-up speed only; nothing the agent depends on.
            cmd.add("-XX:TieredStopAtLevel=1");
            cmd.add("-XX:+UseSerialGC");
            cmd.addAll(jvmOptions);
            cmd.add("-cp");
            List<String> cp = new ArrayList<>(List.of(appClasses()));
            cp.addAll(classPath);
            cmd.add(String.join(java.io.File.pathSeparator, cp));
            cmd.add(main.getName());
            cmd.addAll(args);
            return cmd;
        }

        public AppJvm start() {
            // The app's signal dispositions must not depend on how the build was started (a
            // background shell job ignores SIGINT, and an ignored signal is inherited).
            List<String> java = new ArrayList<>(List.of("env", "--default-signal=HUP,INT,QUIT,TERM"));
            java.addAll(javaCommand());
            List<String> cmd = new ArrayList<>(List.of("/usr/bin/setsid"));
            switch (launch) {
                case DIRECT:
                    cmd.addAll(java);
                    break;
                case TERMINAL:
                    cmd.addAll(List.of("script", "-qfec", "exec " + shellQuote(java), "/dev/null"));
                    break;
                case WITH_SIBLING:
                    cmd.addAll(List.of("sh", "-c",
                            "sleep 300 </dev/null >/dev/null 2>&1 & echo SIBLING $!; exec " + shellQuote(java)));
                    break;
                case PID_NAMESPACE:
                    cmd.addAll(List.of("unshare", "--pid", "--fork", "--mount-proc", "--kill-child"));
                    cmd.addAll(java);
                    break;
                case READ_ONLY_CGROUPS:
                    Path mount = Cgroups.mount();
                    if (mount == null) throw new IllegalStateException("no cgroup2 mount to make read-only");
                    cmd.addAll(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                            "mount -o remount,bind,ro " + shellQuote(List.of(mount.toString())) + " && exec " + shellQuote(java)));
                    break;
                default:
                    throw new AssertionError(launch);
            }
            ProcessBuilder pb = new ProcessBuilder(cmd);
            Map<String, String> e = pb.environment();
            e.keySet().removeIf(k -> k.startsWith("HYGIENE_") || k.equals("JAVA_TOOL_OPTIONS")
                    || k.equals("JDK_JAVA_OPTIONS") || k.equals("_JAVA_OPTIONS"));
            e.put("SHELL", "/bin/sh");
            env.forEach((k, v) -> {
                if (v == null) e.remove(k); else e.put(k, v);
            });
            // stderr through a FIFO of our own, not the JDK's pipe: the JDK closes its end of a
            // Process's pipes once the process exited, and what the watchdog (which holds the JVM's
            // stderr) writes after the JVM died would be lost.
            Path fifo = newFifo();
            Lines stderr = new Lines("stderr", () -> new FileInputStream(fifo.toFile()), line -> {}, () -> deleteFifo(fifo));
            pb.redirectError(ProcessBuilder.Redirect.to(fifo.toFile()));
            Process p;
            try {
                p = pb.start();
            } catch (IOException ex) {
                // Unblock the reader, which waits for a writer to open the FIFO.
                try (FileOutputStream unblock = new FileOutputStream(fifo.toFile())) {
                    unblock.flush();
                } catch (IOException ignored) {
                    // the reader stays blocked; a daemon thread
                }
                throw new IllegalStateException("cannot start " + cmd, ex);
            }
            // setsid(1) did not fork (our child leads no group): the pid is the new session's id.
            cleanup.recordSession(p.pid());
            cleanup.recordPid(p.pid());
            boolean launchedIsJvm = launch != Launch.TERMINAL && launch != Launch.PID_NAMESPACE;
            if (launchedIsJvm) cleanup.recordJvm(p.pid()); // setsid and sh exec java: same pid
            String label = jdk + " " + main.getSimpleName() + " " + String.join(" ", args)
                    + (jvmOptions.isEmpty() ? "" : " " + String.join(" ", jvmOptions))
                    + (agentOnCommandLine ? " -javaagent" + (agentArgs.isEmpty() ? "" : "=" + agentArgs) : "");
            AppJvm app = new AppJvm(label, cmd, p, stderr, cleanup);
            if (launchedIsJvm) app.jvmPid = p.pid();
            return app;
        }
    }

    /** A new FIFO (mkfifo(1)) in a new private temporary directory. */
    private static Path newFifo() {
        try {
            Path dir = Files.createTempDirectory("app-jvm-stderr");
            Path fifo = dir.resolve("stderr");
            Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).redirectErrorStream(true).start();
            String out = new String(mkfifo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!mkfifo.waitFor(10, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
                throw new IllegalStateException("mkfifo " + fifo + " failed: " + out);
            }
            return fifo;
        } catch (IOException e) {
            throw new IllegalStateException("cannot make a FIFO for the app's stderr: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void deleteFifo(Path fifo) {
        try {
            Files.deleteIfExists(fifo);
            Files.deleteIfExists(fifo.getParent());
        } catch (IOException ignored) {
            // a leftover in the temporary directory
        }
    }

    private void record(String line) {
        String[] f = line.trim().split(" +");
        try {
            if (f[0].equals("JVM") && f.length >= 4) {
                cleanup.recordSession(Long.parseLong(f[3]));
                cleanup.recordGroup(Long.parseLong(f[2]));
                jvmPid = Long.parseLong(f[1]);
                cleanup.recordJvm(jvmPid);
            } else if (f[0].equals("GROUP") && f.length >= 2) {
                cleanup.recordGroup(Long.parseLong(f[1]));
                // The watchdog starts with the first isolated child, before start() returns.
                if (!watchdogLookedFor) {
                    watchdogLookedFor = true;
                    findWatchdog();
                }
            } else if (f[0].equals("SIBLING") && f.length >= 2) {
                cleanup.recordPid(Long.parseLong(f[1]));
            }
        } catch (RuntimeException e) {
            System.err.println("cannot record for cleanup: " + line + ": " + e);
        }
    }

    /**
     * The agent's watchdog: the process running {@code hygiene-helper watch ...} for this JVM
     * (not the JVM's child: the helper forks it and exits), recorded for the cleanup (it has a
     * session of its own, and outlives a JVM killed with SIGKILL); waits up to 10 s for it. Call
     * it while the JVM is alive.
     */
    public Proc.Stat awaitWatchdog() {
        Proc.Stat[] found = {null};
        Poll.assertWithin(Duration.ofSeconds(10), () -> (found[0] = findWatchdog()) != null,
                () -> "no watchdog for JVM " + jvmPid + describe());
        return found[0];
    }

    /** The watchdog of this JVM (recorded for the cleanup), or null. */
    private Proc.Stat findWatchdog() {
        long jvm = jvmPid;
        if (jvm == 0) return null;
        Proc.Stat w = watchdogOf(jvm);
        if (w != null) cleanup.recordPid(w.pid);
        return w;
    }

    /**
     * The live process that watches JVM: it runs {@code .../hygiene-helper watch INFO REPORT
     * JVM_PID JVM_START GROUPS} with JVM_PID the JVM's pid and JVM_START its start time.
     * Null if there is none.
     */
    public static Proc.Stat watchdogOf(long jvm) {
        Proc.Stat j = Proc.stat(jvm);
        if (j == null) return null;
        for (Proc.Stat s : Proc.all()) {
            String cmdline = s.alive() ? Proc.cmdline(s.pid) : null;
            if (cmdline == null || !cmdline.contains("hygiene-helper|watch|")) continue;
            String[] argv = cmdline.split("\\|");
            if (argv.length >= 6 && argv[4].equals(Long.toString(jvm)) && argv[5].equals(Long.toString(j.startTime))) return s;
        }
        return null;
    }

    /** True if PID runs the agent's helper in watch mode ({@code .../hygiene-helper watch ...}). */
    public static boolean isWatchdog(long pid) {
        String cmdline = Proc.cmdline(pid);
        return cmdline != null && cmdline.contains("hygiene-helper|watch|");
    }

    /**
     * The pid of the launched process: the JVM's, except for {@link Launch#TERMINAL} (script's)
     * and {@link Launch#PID_NAMESPACE} (unshare's).
     */
    public long pid() {
        return process.pid();
    }

    /** The JVM's pid, pgrp and session, from the app's {@code JVM} line. */
    public long[] jvm() {
        return numbers(awaitLine("JVM "));
    }

    public Lines stdout() {
        return stdout;
    }

    public Lines stderr() {
        return stderr;
    }

    /** The first stdout line starting with PREFIX, waiting up to 30 s for it. */
    public String awaitLine(String prefix) {
        return awaitLine(prefix, Duration.ofSeconds(30));
    }

    public String awaitLine(String prefix, Duration timeout) {
        return stdout.await(l -> l.startsWith(prefix), "starting with '" + prefix + "'", timeout);
    }

    public List<String> awaitLines(String prefix, int count, Duration timeout) {
        Predicate<String> p = l -> l.startsWith(prefix);
        return stdout.await(p, count, "starting with '" + prefix + "'", timeout);
    }

    /** Writes LINE and a newline to the app's stdin. */
    public void send(String line) {
        try {
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw new AssertionError("cannot write to the app's stdin: " + e, e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the launched process to exit (fails after 60 s) and its output to end; its exit code. */
    public int awaitExit() {
        return awaitExit(EXIT_TIMEOUT);
    }

    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the app did not exit within " + timeout.toMillis() + " ms; " + describe());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        // Output ends once nobody holds the pipes any more; a leftover holding them is for the test to find.
        stdout.awaitEnd(Duration.ofSeconds(5));
        stderr.awaitEnd(Duration.ofSeconds(5));
        return process.exitValue();
    }

    /**
     * Sends signal NAME (e.g. "INT") to the JVM alone, by pid, with kill(1); the JVM must be the
     * launched process ({@link Launch#DIRECT}).
     */
    public void signal(String name) {
        long pid = process.pid();
        if (!process.isAlive()) throw new AssertionError("the app is not running; cannot send SIG" + name);
        if (name.equals("KILL")) cleanup.diedWithoutShutdownHooks(pid);
        kill(name, Long.toString(pid));
    }

    /**
     * Sends signal NAME to the JVM's whole process group ({@code kill -s NAME -- -PGID}); the JVM
     * must lead that group ({@link Launch#DIRECT}), which was recorded from its {@code JVM} line
     * and is neither 1 nor the test JVM's.
     */
    public void signalGroup(String name) {
        long[] jvm = jvm();
        Proc.Stat self = Proc.self();
        if (jvm[1] != process.pid() || jvm[1] <= 1 || jvm[1] == self.pgrp) {
            throw new AssertionError("refusing to signal group " + jvm[1] + ": not the app JVM's own group (JVM "
                    + process.pid() + ", test JVM " + self + ")");
        }
        if (!process.isAlive()) throw new AssertionError("the app is not running; cannot send SIG" + name);
        if (name.equals("KILL")) cleanup.diedWithoutShutdownHooks(jvm[0]);
        kill(name, "--", "-" + jvm[1]);
    }

    private static void kill(String name, String... target) {
        List<String> cmd = new ArrayList<>(List.of("kill", "-s", name));
        cmd.addAll(Arrays.asList(target));
        try {
            Process kill = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run kill: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** JDK, app, arguments, JVM options and agent arguments, for messages. */
    @Override
    public String toString() {
        return label;
    }

    /** The command, stdout and stderr so far, for failure messages. */
    public String describe() {
        return "\ncommand: " + command + "\nstdout: " + String.join("\n  ", stdout.all())
                + "\nstderr: " + String.join("\n  ", stderr.all());
    }

    /** The numbers after the first word of LINE ("MEMBERS 12 13 14" gives [12, 13, 14]). */
    public static long[] numbers(String line) {
        String[] f = line.trim().split(" +");
        long[] out = new long[f.length - 1];
        for (int i = 1; i < f.length; i++) out[i - 1] = Long.parseLong(f[i]);
        return out;
    }

    static String shellQuote(List<String> words) {
        return words.stream().map(w -> "'" + w.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
    }
}
