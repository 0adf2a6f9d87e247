package dev.hygiene.bench;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@link SpawnBenchmark} in rounds, each round one JMH fork of every variant in turn (the
 * first variant rotates from round to round), so that the variants share the machine's noise:
 * <ul>
 *   <li>{@code plain}: {@link SpawnBenchmark#plain} in a JVM without an agent;</li>
 *   <li>{@code agent}: {@link SpawnBenchmark#plain} in a JVM with {@code -javaagent:AGENT} (its default
 *       containment: a cgroup per child where the JVM can create one, else a process group);</li>
 *   <li>{@code agent-group} and {@code agent-cgroup}: the same with {@code containment=group} and
 *       {@code containment=cgroup} (the latter fails where the JVM cannot create cgroups);</li>
 *   <li>{@code setsid}: {@link SpawnBenchmark#setsid} in a JVM without an agent.</li>
 * </ul>
 * Prints each fork's score, then per variant the median over rounds, and the ratios to plain
 * computed round by round.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.hygiene.bench.Steady --agent JAR
 * [--jvm JAVA] [--rounds 3] [--warmup 3] [--iterations 5] [--time 1] [--variants plain,agent-group,agent-cgroup,setsid]};
 * [--cpu no]: without it, where perf(1) works, JMH's perfnorm profiler also gives the CPU time per
 * operation (task-clock of the forked JVM and its children), which the machine's load disturbs less
 * than the time per operation. The diagnostic variants {@code plain-held} and {@code agent-held} run {@link SpawnBenchmark#held}.
 */
public final class Steady {

    /** Variant name -> {benchmark method, "none" or the agent's arguments ("" for none)}. */
    static final Map<String, String[]> VARIANTS = new LinkedHashMap<>();

    static {
        VARIANTS.put("plain", new String[] {"plain", "none"});
        VARIANTS.put("agent", new String[] {"plain", ""});
        VARIANTS.put("agent-group", new String[] {"plain", "containment=group"});
        VARIANTS.put("agent-cgroup", new String[] {"plain", "containment=cgroup"});
        VARIANTS.put("setsid", new String[] {"setsid", "none"});
        // Diagnostics: every Process kept reachable, so no Cleaner runs during the measurement.
        VARIANTS.put("plain-held", new String[] {"held", "none"});
        VARIANTS.put("agent-held", new String[] {"held", ""});
    }

    private Steady() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = options(args);
        Path agent = Path.of(opt.getOrDefault("agent", "agent/target/process-hygiene-agent.jar")).toAbsolutePath();
        if (!Files.isRegularFile(agent)) throw new IllegalArgumentException("no agent jar at " + agent);
        String jvm = opt.getOrDefault("jvm", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        int rounds = Integer.parseInt(opt.getOrDefault("rounds", "3"));
        int warmup = Integer.parseInt(opt.getOrDefault("warmup", "3"));
        int iterations = Integer.parseInt(opt.getOrDefault("iterations", "5"));
        int time = Integer.parseInt(opt.getOrDefault("time", "1"));

        String[] variants = opt.getOrDefault("variants", "plain,agent-group,agent-cgroup,setsid").split(",");
        for (String v : variants) {
            if (!VARIANTS.containsKey(v)) throw new IllegalArgumentException("unknown variant " + v + "; known: " + VARIANTS.keySet());
        }
        if (!Arrays.asList(variants).contains("plain")) throw new IllegalArgumentException("the variants must include plain");
        boolean cpu = !opt.getOrDefault("cpu", "auto").equals("no") && perfWorks();
        Map<String, List<Double>> scores = new LinkedHashMap<>();
        Map<String, List<Double>> cpuMs = new LinkedHashMap<>();
        Map<String, List<Double>> allocKb = new LinkedHashMap<>();
        for (String v : variants) {
            scores.put(v, new ArrayList<>());
            cpuMs.put(v, new ArrayList<>());
            allocKb.put(v, new ArrayList<>());
        }
        System.out.println("# steady state, " + jvm + ": " + rounds + " rounds x " + variants.length
                + " variants, 1 fork each, " + warmup + "x" + time + " s warm-up, " + iterations + "x" + time
                + " s measurement; us/op (lower is better)");
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < variants.length; i++) {
                String v = variants[(r + i) % variants.length];
                ChainedOptionsBuilder b = new OptionsBuilder()
                        .include(SpawnBenchmark.class.getName() + "\\." + VARIANTS.get(v)[0] + "$")
                        .forks(1)
                        .warmupIterations(warmup).warmupTime(TimeValue.seconds(time))
                        .measurementIterations(iterations).measurementTime(TimeValue.seconds(time))
                        .jvm(jvm)
                        .shouldFailOnError(true)
                        // System.gc() before each iteration, in every variant: what happens when a
                        // Process is garbage collected (the agent's Cleaner) is part of the steady
                        // state, and without it a short fork may see no GC at all.
                        .shouldDoGC(true)
                        .verbosity(VerboseMode.SILENT);
                // CPU time per operation: perf stat's task-clock of the forked JVM and its children.
                if (cpu) b.addProfiler("perfnorm", "events=task-clock");
                // Bytes allocated on the heap per operation, by all the fork's threads.
                b.addProfiler("gc");
                String agentArgs = VARIANTS.get(v)[1];
                if (!agentArgs.equals("none")) b.jvmArgsAppend("-javaagent:" + agent + (agentArgs.isEmpty() ? "" : "=" + agentArgs));
                Collection<RunResult> results = new Runner(b.build()).run();
                RunResult result = results.iterator().next();
                double score = result.getPrimaryResult().getScore();
                double error = result.getPrimaryResult().getScoreError();
                scores.get(v).add(score);
                Result<?> clock = result.getSecondaryResults().get("task-clock");
                double ms = clock == null ? Double.NaN : clock.getScore();
                cpuMs.get(v).add(ms);
                Result<?> alloc = result.getSecondaryResults().get("gc.alloc.rate.norm");
                double kb = alloc == null ? Double.NaN : alloc.getScore() / 1024;
                allocKb.get(v).add(kb);
                System.out.printf(java.util.Locale.ROOT, "round %d %-10s %8.1f us/op (+- %.1f)%s, heap %.0f KB/op%n", r + 1, v, score,
                        error, clock == null ? "" : String.format(java.util.Locale.ROOT, ", CPU %.3f ms/op", ms), kb);
            }
        }
        System.out.println();
        System.out.println("| variant | us/op, median of rounds [min..max] | ratio to plain, median of rounds [min..max] |"
                + (cpu ? " CPU ms/op (JVM + children), median | CPU ratio to plain |" : "") + " heap allocated KB/op, median |");
        System.out.println("|---|---|---|" + (cpu ? "---|---|" : "") + "---|");
        for (String v : variants) {
            List<Double> s = scores.get(v);
            List<Double> ratio = new ArrayList<>();
            for (int r = 0; r < s.size(); r++) ratio.add(s.get(r) / scores.get("plain").get(r));
            Stats st = new Stats(s);
            Stats rt = new Stats(ratio);
            System.out.println("| " + v + " | " + Stats.f("%.1f", st.median()) + " [" + Stats.f("%.1f", st.min()) + ".."
                    + Stats.f("%.1f", st.max()) + "] | " + Stats.f("%.3f", rt.median()) + "x [" + Stats.f("%.3f", rt.min())
                    + ".." + Stats.f("%.3f", rt.max()) + "] |" + (cpu ? cpuColumns(cpuMs.get(v), cpuMs.get("plain")) : "")
                    + " " + Stats.f("%.0f", new Stats(allocKb.get(v)).median()) + " |");
        }
    }

    private static String cpuColumns(List<Double> ms, List<Double> plain) {
        List<Double> ratio = new ArrayList<>();
        for (int r = 0; r < ms.size(); r++) ratio.add(ms.get(r) / plain.get(r));
        Stats rt = new Stats(ratio);
        return " " + Stats.f("%.3f", new Stats(ms).median()) + " | " + Stats.f("%.3f", rt.median()) + "x [" + Stats.f("%.3f", rt.min())
                + ".." + Stats.f("%.3f", rt.max()) + "] |";
    }

    /** True if perf(1) can count task-clock here (JMH's perfnorm profiler needs it). */
    static boolean perfWorks() {
        try {
            Process p = new ProcessBuilder("perf", "stat", "-e", "task-clock", "true").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) throw new IllegalArgumentException("unexpected argument " + args[i]);
            String key = args[i].substring(2);
            if (i + 1 < args.length && !args[i + 1].startsWith("--")) out.put(key, args[++i]);
            else out.put(key, "true");
        }
        return out;
    }
}
