package dev.hygiene.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@link SpawnBenchmark} in rounds, each round one JMH fork of every variant in turn (the
 * first variant rotates from round to round), so that the variants share the machine's noise:
 * <ul>
 *   <li>{@code plain}: {@link SpawnBenchmark#plain} in a JVM without an agent;</li>
 *   <li>{@code agent}: {@link SpawnBenchmark#plain} in a JVM with {@code -javaagent:AGENT};</li>
 *   <li>{@code setsid}: {@link SpawnBenchmark#setsid} in a JVM without an agent.</li>
 * </ul>
 * Prints each fork's score, then per variant the median over rounds, and the ratios to plain
 * computed round by round.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.hygiene.bench.Steady --agent JAR
 * [--jvm JAVA] [--rounds 3] [--warmup 3] [--iterations 5] [--time 1]}
 */
public final class Steady {

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

        String[] variants = {"plain", "agent", "setsid"};
        Map<String, List<Double>> scores = new LinkedHashMap<>();
        for (String v : variants) scores.put(v, new ArrayList<>());
        System.out.println("# steady state, " + jvm + ": " + rounds + " rounds x " + variants.length
                + " variants, 1 fork each, " + warmup + "x" + time + " s warm-up, " + iterations + "x" + time
                + " s measurement; us/op (lower is better)");
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < variants.length; i++) {
                String v = variants[(r + i) % variants.length];
                ChainedOptionsBuilder b = new OptionsBuilder()
                        .include(SpawnBenchmark.class.getName() + "\\." + (v.equals("setsid") ? "setsid" : "plain") + "$")
                        .forks(1)
                        .warmupIterations(warmup).warmupTime(TimeValue.seconds(time))
                        .measurementIterations(iterations).measurementTime(TimeValue.seconds(time))
                        .jvm(jvm)
                        .shouldFailOnError(true)
                        .verbosity(VerboseMode.SILENT);
                if (v.equals("agent")) b.jvmArgsAppend("-javaagent:" + agent);
                Collection<RunResult> results = new Runner(b.build()).run();
                RunResult result = results.iterator().next();
                double score = result.getPrimaryResult().getScore();
                double error = result.getPrimaryResult().getScoreError();
                scores.get(v).add(score);
                System.out.printf(java.util.Locale.ROOT, "round %d %-6s %8.1f us/op (+- %.1f)%n", r + 1, v, score, error);
            }
        }
        System.out.println();
        System.out.println("| variant | us/op, median of rounds [min..max] | ratio to plain, median of rounds [min..max] |");
        System.out.println("|---|---|---|");
        for (String v : variants) {
            List<Double> s = scores.get(v);
            List<Double> ratio = new ArrayList<>();
            for (int r = 0; r < s.size(); r++) ratio.add(s.get(r) / scores.get("plain").get(r));
            Stats st = new Stats(s);
            Stats rt = new Stats(ratio);
            System.out.println("| " + v + " | " + Stats.f("%.1f", st.median()) + " [" + Stats.f("%.1f", st.min()) + ".."
                    + Stats.f("%.1f", st.max()) + "] | " + Stats.f("%.3f", rt.median()) + "x [" + Stats.f("%.3f", rt.min())
                    + ".." + Stats.f("%.3f", rt.max()) + "] |");
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
