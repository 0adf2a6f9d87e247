package dev.hygiene.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The steady-state cost of one {@code ProcessBuilder.start} + {@code waitFor} of {@code /bin/true}.
 *
 * <p>{@link #plain} is the figure: run in a JVM without an agent it is the JDK's own cost, run in a
 * JVM with {@code -javaagent:process-hygiene-agent.jar} (given by {@link Steady} as
 * {@code jvmArgsAppend}) it is the agent's. {@link #setsid} is the hand-made alternative, a
 * {@code setsid(1)} wrapper in a JVM without the agent.
 *
 * <p>Each operation closes the three pipes the JDK made, as a careful application does.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SpawnBenchmark {

    private static final String[] TRUE = {"/bin/true"};
    private static final String[] SETSID_TRUE = {"/usr/bin/setsid", "/bin/true"};

    @Benchmark
    public int plain() throws IOException, InterruptedException {
        return run(TRUE);
    }

    @Benchmark
    public int setsid() throws IOException, InterruptedException {
        return run(SETSID_TRUE);
    }

    /** Every Process stays reachable for the whole fork: nothing the JDK or an agent does when a
     *  Process is garbage collected happens during the measurement (a diagnostic, not a figure). */
    @Benchmark
    public int held(Held held) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(TRUE).start();
        held.processes.add(p);
        return finish(p, TRUE);
    }

    @State(Scope.Benchmark)
    public static class Held {
        final List<Process> processes = new ArrayList<>();
    }

    static int run(String[] cmd) throws IOException, InterruptedException {
        return finish(new ProcessBuilder(cmd).start(), cmd);
    }

    private static int finish(Process p, String[] cmd) throws IOException, InterruptedException {
        int rc = p.waitFor();
        p.getOutputStream().close();
        p.getInputStream().close();
        p.getErrorStream().close();
        if (rc != 0) throw new IllegalStateException(String.join(" ", cmd) + " exited " + rc);
        return rc;
    }
}
