package dev.hygiene.bench;

import dev.hygiene.bench.apps.ClassLoads;
import dev.hygiene.bench.apps.Escalate;
import dev.hygiene.bench.apps.FirstStart;
import dev.hygiene.bench.apps.Hello;
import dev.hygiene.bench.apps.Memory;
import dev.hygiene.bench.apps.Shutdown;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * Whole-JVM figures: start-up, first process start, the application's class loading, exit with N live groups, memory with 100 live
 * groups, escalation accuracy, and the agent jar's size. Every measured JVM is a child of this
 * one, started under {@code /usr/bin/setsid} so that it leads a session of its own; afterwards
 * every process left in that session is killed, by pid (without the agent the children outlive
 * their JVM). The variants of a figure are interleaved run by run, the first variant rotating
 * from round to round, and deltas are taken between the runs of one round.
 *
 * <p>Usage: {@code java -cp bench/target/classes dev.hygiene.bench.WholeJvm --agent JAR
 * --noop JAR [--apps JAR] [--java JAVA] [--quick] [--only start,first,classes,shutdown,memory,escalation,size] [--baseline JAR]}:
 * {@code --baseline} adds a variant "baseline" with another agent jar (an earlier build), measured
 * in the same rounds as "agent". {@code --apps} is the measured JVMs' class path (default
 * bench/target/process-hygiene-bench-apps.jar: the applications without the no-op agent's class,
 * which must come from its own jar, as any agent's does).
 */
public final class WholeJvm {

    private static final long OWN_PID = ProcessHandle.current().pid();
    private static final Proc.Stat OWN = Proc.stat(OWN_PID);

    private final String java;
    private final String classes;
    private final Path agent;
    private final Path noop;
    /** Another agent jar measured side by side ("baseline"), or null. */
    private Path baseline;
    private final boolean quick;
    private final Path stderrLog;
    private int runsWithStderr;
    private int totalRuns;

    private WholeJvm(String java, String classes, Path agent, Path noop, boolean quick, Path stderrLog) {
        this.java = java;
        this.classes = classes;
        this.agent = agent;
        this.noop = noop;
        this.quick = quick;
        this.stderrLog = stderrLog;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = Steady.options(args);
        Path agent = Path.of(opt.getOrDefault("agent", "agent/target/process-hygiene-agent.jar")).toAbsolutePath();
        Path noop = Path.of(opt.getOrDefault("noop", "bench/target/process-hygiene-bench-noop-agent.jar")).toAbsolutePath();
        for (Path p : List.of(agent, noop)) if (!Files.isRegularFile(p)) throw new IllegalArgumentException("no jar at " + p);
        if (!Files.isExecutable(Path.of("/usr/bin/setsid"))) throw new IllegalStateException("needs /usr/bin/setsid (util-linux)");
        String java = opt.getOrDefault("java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The measured JVMs' class path: the applications alone, in their own jar (see bench/pom.xml).
        Path apps = Path.of(opt.getOrDefault("apps", "bench/target/process-hygiene-bench-apps.jar")).toAbsolutePath();
        if (!Files.isRegularFile(apps)) throw new IllegalArgumentException("no jar at " + apps);
        String classes = apps.toString();
        boolean quick = opt.containsKey("quick");
        Set<String> only = new HashSet<>(Arrays.asList(
                opt.getOrDefault("only", "start,first,classes,shutdown,memory,escalation,size").split(",")));
        Path log = Path.of(opt.getOrDefault("stderr-log", "bench/target/whole-jvm-stderr.log")).toAbsolutePath();
        Files.createDirectories(log.getParent());
        Files.deleteIfExists(log);

        WholeJvm w = new WholeJvm(java, classes, agent, noop, quick, log);
        if (opt.containsKey("baseline")) {
            w.baseline = Path.of(opt.get("baseline")).toAbsolutePath();
            if (!Files.isRegularFile(w.baseline)) throw new IllegalArgumentException("no jar at " + w.baseline);
        }
        System.out.println("# whole-JVM figures, " + jdk(java) + " (" + java + ")" + (quick ? ", quick mode" : ""));
        System.out.println("agent " + agent + "; no-op agent " + noop + (w.baseline == null ? "" : "; baseline " + w.baseline));
        System.out.println("values: median [p25..p75] over runs; deltas: median [p25..p75] of the differences within a round");
        long t0 = System.nanoTime();
        if (only.contains("size")) w.size();
        if (only.contains("start")) timed("start", w::start);
        if (only.contains("first")) timed("first", w::first);
        if (only.contains("classes")) timed("classes", w::classes);
        if (only.contains("shutdown")) timed("shutdown", w::shutdown);
        if (only.contains("memory")) timed("memory", w::memory);
        if (only.contains("escalation")) timed("escalation", w::escalation);
        System.out.println();
        System.out.printf("%d JVM runs in %.0f s; %d wrote to stderr%s%n", w.totalRuns, (System.nanoTime() - t0) / 1e9,
                w.runsWithStderr, w.runsWithStderr == 0 ? "" : " (see " + log + ")");
    }

    interface Section {
        void run() throws Exception;
    }

    private static void timed(String name, Section s) throws Exception {
        long t0 = System.nanoTime();
        s.run();
        System.out.printf("(%s: %.0f s, load average %s)%n", name, (System.nanoTime() - t0) / 1e9,
                loadAverage());
    }

    /** The 1, 5 and 15 minute load averages. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** "17.0.15" from the JDK's release file, or the path. */
    static String jdk(String java) {
        try {
            Path home = Path.of(java).toRealPath().getParent().getParent();
            for (String line : Files.readAllLines(home.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) return "JDK " + line.substring(13).replace("\"", "");
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return java;
    }

    // ---------------------------------------------------------------------------------------------
    // The figures

    private void size() throws IOException {
        System.out.println();
        System.out.println("## agent jar size");
        System.out.printf("%s: %d bytes (%.0f KB)%n", agent.getFileName(), Files.size(agent), Files.size(agent) / 1024.0);
    }

    private void start() throws Exception {
        int rounds = quick ? 10 : 30;
        Map<String, List<String>> variants = variants(true, "");
        Map<String, List<Run>> runs = rounds(variants, rounds, 2, (n, v) -> run(v, Hello.class.getName()));
        section("hello-world JVM start, wall (ms)", runs, r -> r.wallMs(), "%.1f", "noop", "none");
        runs = rounds(variants, rounds, 2, (n, v) -> run(v, Hello.class.getName(), "environment"));
        section("hello world that first reads its environment and its own ProcessHandle, wall (ms)", runs,
                r -> r.wallMs(), "%.1f", "noop", "none");
    }

    private void first() throws Exception {
        int rounds = quick ? 8 : 20;
        Map<String, List<Run>> runs = rounds(variants(true, ""), rounds, 1, (n, v) -> run(v, FirstStart.class.getName()));
        section("first ProcessBuilder.start() of /bin/true in a fresh JVM, in the JVM (ms)", runs,
                r -> r.num("first-start-ns") / 1e6, "%.1f", "noop", "none");
        section("first start() + waitFor() of /bin/true in a fresh JVM, in the JVM (ms)", runs,
                r -> r.num("first-wait-ns") / 1e6, "%.1f", "noop", "none");
        section("whole JVM whose main does that first start + waitFor, wall (ms)", runs,
                r -> r.wallMs(), "%.1f", "noop", "none");
        section("that JVM's exit: main returning -> JVM gone (ms)", runs,
                r -> (r.gone - r.num("main-return")) / 1e6, "%.1f", "noop", "none");
    }

    /** 5000 classes loaded by the application, after its first process start and without one. */
    private void classes() throws Exception {
        int rounds = quick ? 4 : 10;
        for (boolean afterStart : new boolean[] {true, false}) {
            Map<String, List<Run>> runs = rounds(variants(true, ""), rounds, 1, (n, v) -> afterStart
                    ? run(v, ClassLoads.class.getName(), "5000", "after-start") : run(v, ClassLoads.class.getName(), "5000"));
            section("5000 classes of the JDK loaded by the application, " + (afterStart ? "after its first process start" : "in a JVM that starts no process")
                    + ": the loading alone (ms)", runs, r -> r.num("load-ns") / 1e6, "%.1f", "noop", "none");
        }
    }

    private void shutdown() throws Exception {
        // {N, rounds, pipes}: the JDK's default pipes for N = 10, 100, 1000; N = 1000 again with the
        // children's streams on /dev/null, which shows what the pipes cost (see BENCHMARKS.md).
        int[][] plan = quick
                ? new int[][] {{10, 3, 1}, {100, 3, 1}, {1000, 2, 1}, {1000, 2, 0}}
                : new int[][] {{10, 8, 1}, {100, 8, 1}, {1000, 3, 1}, {1000, 3, 0}};
        for (int[] p : plan) {
            int n = p[0];
            boolean pipes = p[2] == 1;
            Map<String, List<String>> variants = variants(false, "");
            variants.put("by-hand", List.of());
            Map<String, List<Run>> runs = rounds(variants, p[1], 0, (v, jvmArgs) -> {
                List<String> args = new ArrayList<>(List.of(Integer.toString(n)));
                if (v.equals("by-hand")) args.add("by-hand");
                if (!pipes) args.add("no-pipes");
                return run(jvmArgs, Shutdown.class.getName(), args.toArray(new String[0]));
            });
            section("JVM exit with N = " + n + " live groups (sh + sleep, honour SIGTERM), "
                            + (pipes ? "the JDK's default pipes" : "children's streams on /dev/null (no pipes)")
                            + ": main returning -> JVM gone (ms)",
                    runs, r -> (r.gone - r.num("main-return")) / 1e6, "%.1f", "none", null);
            System.out.print("  processes left in the session once the JVM was gone (the harness killed them):");
            for (Map.Entry<String, List<Run>> e : runs.entrySet()) {
                System.out.print(" " + e.getKey() + " " + new Stats(e.getValue().stream().mapToDouble(r -> r.leftovers).toArray()).show("%.0f"));
            }
            System.out.println();
        }
    }

    private void memory() throws Exception {
        int rounds = quick ? 3 : 5;
        Map<String, List<String>> variants = variants(true, "");
        // A diagnostic: no agent, but the platform MBean server started as the agent's MBean does.
        variants.put("none+jmx", List.of());
        Map<String, List<Run>> runs = rounds(variants, rounds, 0, (name, jvmArgs) -> name.equals("none+jmx")
                ? run(jvmArgs, Memory.class.getName(), "100", "jmx") : run(jvmArgs, Memory.class.getName(), "100"));
        section("memory with 100 live groups: JVM RSS (MB)", runs, r -> r.num("rss-kb") / 1024, "%.1f", "none", null);
        section("memory with 100 live groups: heap used after System.gc() (MB)", runs,
                r -> r.num("heap-used-kb") / 1024, "%.2f", "none", null);
        section("memory with 100 live groups: Thread.activeCount()", runs, r -> r.num("threads"), "%.0f", "none", null);
    }

    private void escalation() throws Exception {
        int jvms = quick ? 1 : 2;
        int reps = quick ? 5 : 8;
        List<Double> ms = new ArrayList<>();
        int survived = 0;
        List<String> args = List.of("-javaagent:" + agent + "=grace=1s");
        for (int j = 0; j < jvms; j++) {
            Run r = run(args, Escalate.class.getName(), Integer.toString(reps));
            for (String line : r.lines) {
                if (line.startsWith("escalation-ns ")) ms.add(Long.parseLong(line.substring(14)) / 1e6);
                if (line.equals("term-survived true")) survived++;
            }
        }
        Stats s = new Stats(ms);
        double maxDev = Math.max(Math.abs(s.max() - 1000), Math.abs(s.min() - 1000));
        System.out.println();
        System.out.println("## escalation accuracy, grace=1s, a group of 3 that ignores SIGTERM: destroy() -> group empty (ms)");
        System.out.printf("%d repetitions in %d JVMs: median %.1f ms (deviation %+.1f), p25 %.1f, p75 %.1f, min %.1f, max %.1f;"
                        + " max |deviation from 1000 ms| %.1f ms; members alive 900 ms after destroy(): %d of %d%n",
                s.n(), jvms, s.median(), s.median() - 1000, s.q(0.25), s.q(0.75), s.min(), s.max(), maxDev, survived, s.n());
        System.out.println("  all: " + ms.stream().map(v -> Stats.f("%.1f", v)).reduce((a, b) -> a + " " + b).orElse(""));
    }

    // ---------------------------------------------------------------------------------------------
    // Variants, rounds, and the table of one figure

    private Map<String, List<String>> variants(boolean withNoop, String agentArgs) {
        Map<String, List<String>> v = new LinkedHashMap<>();
        v.put("none", List.of());
        if (withNoop) v.put("noop", List.of("-javaagent:" + noop));
        v.put("agent", List.of("-javaagent:" + agent + agentArgs));
        if (baseline != null) v.put("baseline", List.of("-javaagent:" + baseline + agentArgs));
        return v;
    }

    interface Body {
        Run run(String variant, List<String> jvmArgs) throws Exception;
    }

    /** WARMUP rounds (discarded), then ROUNDS rounds of every variant, the first rotating. */
    private Map<String, List<Run>> rounds(Map<String, List<String>> variants, int rounds, int warmup, Body body)
            throws Exception {
        List<String> names = new ArrayList<>(variants.keySet());
        Map<String, List<Run>> out = new LinkedHashMap<>();
        for (String n : names) out.put(n, new ArrayList<>());
        for (int r = -warmup; r < rounds; r++) {
            for (int i = 0; i < names.size(); i++) {
                String n = names.get(Math.floorMod(r + i, names.size()));
                Run run = body.run(n, variants.get(n));
                if (r >= 0) out.get(n).add(run);
            }
        }
        return out;
    }

    /** Prints one figure: per variant the value, and the within-round difference to REF (and REF2). */
    private static void section(String title, Map<String, List<Run>> runs, ToDoubleFunction<Run> value, String fmt,
                                String ref, String ref2) {
        System.out.println();
        System.out.println("## " + title);
        System.out.println("| variant | runs | value | delta vs " + ref + (ref2 == null ? "" : " | delta vs " + ref2) + " | ratio vs " + ref + " |");
        System.out.println("|---|---|---|---|" + (ref2 == null ? "" : "---|") + "---|");
        for (Map.Entry<String, List<Run>> e : runs.entrySet()) {
            List<Run> rs = e.getValue();
            double[] v = rs.stream().mapToDouble(value).toArray();
            StringBuilder row = new StringBuilder("| " + e.getKey() + " | " + v.length + " | " + new Stats(v).show(fmt) + " | ");
            row.append(delta(runs.get(ref), rs, value, fmt, false)).append(" | ");
            if (ref2 != null) row.append(delta(runs.get(ref2), rs, value, fmt, false)).append(" | ");
            row.append(delta(runs.get(ref), rs, value, "%.3f", true)).append(" |");
            System.out.println(row);
        }
    }

    private static String delta(List<Run> ref, List<Run> rs, ToDoubleFunction<Run> value, String fmt, boolean ratio) {
        if (ref == rs) return "-";
        double[] d = new double[Math.min(ref.size(), rs.size())];
        for (int i = 0; i < d.length; i++) {
            double a = value.applyAsDouble(rs.get(i));
            double b = value.applyAsDouble(ref.get(i));
            d[i] = ratio ? a / b : a - b;
        }
        String s = new Stats(d).show(fmt);
        return ratio ? s.replaceFirst(" ", "x ") : (s.startsWith("-") ? s : "+" + s);
    }

    // ---------------------------------------------------------------------------------------------
    // One JVM run

    static final class Run {
        long pid;
        long t0;
        /** System.nanoTime() once waitFor() returned: the JVM's process is gone. */
        long gone;
        int exit;
        final List<String> lines = new ArrayList<>();
        int leftovers;

        double wallMs() {
            return (gone - t0) / 1e6;
        }

        double num(String key) {
            for (String l : lines) if (l.startsWith(key + " ")) return Double.parseDouble(l.substring(key.length() + 1));
            throw new IllegalStateException("no '" + key + "' in the output of pid " + pid + ": " + lines);
        }
    }

    private Run run(List<String> jvmArgs, String main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("/usr/bin/setsid");
        cmd.add(java);
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(classes);
        cmd.add(main);
        cmd.addAll(Arrays.asList(args));
        File err = File.createTempFile("hygiene-bench-", ".err");
        Run r = new Run();
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(new File("/dev/null")).redirectError(err);
            r.t0 = System.nanoTime();
            Process p = pb.start();
            r.pid = p.pid();
            try {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) r.lines.add(line);
                }
                r.exit = p.waitFor();
                r.gone = System.nanoTime();
            } finally {
                r.leftovers = killSession(r.pid);
            }
            totalRuns++;
            String stderr = Files.readString(err.toPath());
            if (!stderr.isEmpty()) {
                runsWithStderr++;
                Files.writeString(stderrLog, "== " + String.join(" ", cmd) + "\n" + stderr,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            if (r.exit != 0) throw new IllegalStateException("exit " + r.exit + " of " + cmd + ": " + stderr);
            return r;
        } finally {
            Files.deleteIfExists(err.toPath());
        }
    }

    /**
     * Kills, by pid, every live process of session SID (a session this harness created with
     * setsid for one JVM); returns how many there were. Never this JVM, its group or session, pid 1.
     */
    static int killSession(long sid) throws InterruptedException {
        if (sid <= 1 || sid == OWN_PID || (OWN != null && (sid == OWN.session || sid == OWN.pgrp))) {
            throw new IllegalArgumentException("refusing to clean up session " + sid);
        }
        Set<Long> killed = new HashSet<>();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            int alive = 0;
            for (Proc.Stat s : Proc.all()) {
                if (s.session != sid || !s.alive() || s.pid <= 1 || s.pid == OWN_PID) continue;
                alive++;
                killed.add(s.pid);
                ProcessHandle.of(s.pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            if (alive == 0) return killed.size();
            if (System.nanoTime() > deadline) throw new IllegalStateException(alive + " processes of session " + sid + " survive SIGKILL");
            Thread.sleep(10);
        }
    }
}
