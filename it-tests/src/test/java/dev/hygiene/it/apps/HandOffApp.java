package dev.hygiene.it.apps;

import java.io.File;
import java.lang.ProcessBuilder.Redirect;
import java.util.ArrayList;
import java.util.List;

/**
 * Many groups at exit, so that the agent hands them to its watchdog (see Termination): N plain
 * groups ({@code sleep 300}), and two that show what the watchdog does with
 * them, each reported as {@code COUNTING <pgid>} and {@code LEADER_FIRST <pgid>}:
 * <ul>
 *   <li>counting: a shell that appends a line {@code T} to DIR/terms for each SIGTERM it gets and
 *       otherwise ignores it (only SIGKILL ends it);</li>
 *   <li>leader-first (its command line holds {@code lf-rule}, which the test's rule makes
 *       {@code stop=leader-first}): a leader that appends {@code L} to DIR/order on SIGTERM and then
 *       waits for the file DIR/go before it exits, and a worker in its group that appends {@code W}
 *       on SIGTERM and exits.</li>
 * </ul>
 * All with their streams on /dev/null (see {@link #start}).
 * Args: {@code N DIR ENDING}: ENDING {@code return} (main returns once all run) or
 * {@code held} (a shutdown hook of the application holds the JVM's exit for 2.5 s). Prints
 * {@code EXITING} just before main returns.
 */
public final class HandOffApp {

    static final List<Process> HELD = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        Report.jvm();
        int n = Integer.parseInt(args[0]);
        String dir = args[1];
        String ending = args[2];
        Process counting = start("trap 'echo T >> " + dir + "/terms' TERM; while :; do sleep 0.1; done");
        HELD.add(counting);
        Report.line("COUNTING " + counting.pid());
        Process lf = start(": lf-rule; trap 'echo L >> " + dir + "/order; while [ ! -e " + dir + "/go ]; do sleep 0.05; done;"
                + " exit 0' TERM; sh -c \"trap 'echo W >> " + dir + "/order; exit 0' TERM; while :; do sleep 0.1; done\" &"
                + " while :; do sleep 0.1; done");
        HELD.add(lf);
        Report.line("LEADER_FIRST " + lf.pid());
        for (int i = 0; i < n; i++) HELD.add(start("exec sleep 300"));
        // Both traps are set once their shells run their loops (a sleep child each; two for lf).
        Trees.awaitMembers(counting.pid(), 2);
        Trees.awaitMembers(lf.pid(), 4);
        if (ending.equals("held")) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> Trees.sleepMillis(2500)));
        }
        Report.line("EXITING");
    }

    /**
     * {@code sh -c SCRIPT} with its streams on /dev/null, reported as {@code GROUP <pid>}. Not the
     * JDK's pipes: these children are stopped once the JVM has exited, and a write to a pipe
     * nobody reads any more kills the writer (SIGPIPE), as dash's own "Terminated" after a child
     * killed by SIGTERM would.
     */
    private static Process start(String script) throws java.io.IOException {
        Process p = new ProcessBuilder("sh", "-c", script).redirectInput(Redirect.from(new File("/dev/null")))
                .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD).start();
        Report.line("GROUP " + p.pid());
        return p;
    }
}
