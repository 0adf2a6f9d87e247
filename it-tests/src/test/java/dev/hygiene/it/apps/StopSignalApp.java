package dev.hygiene.it.apps;

import java.io.BufferedReader;
import java.io.InputStreamReader;

/**
 * Starts a child that notes every stop signal it gets in FILE (one line: TERM, INT or HUP) and
 * exits with 4, 3 or 5 for them; its foreground {@code sleep}s are in its group and die of the
 * same signal. Reports {@code GROUP <pid>} once the child runs its traps, then by MODE:
 * <ul>
 *   <li>{@code destroy}: calls {@code Process.destroy()} and reports {@code EXIT <code>}, then waits
 *       for a line on stdin and exits;</li>
 *   <li>{@code exit}: reports {@code READY}, waits for a line on stdin and returns from main (the
 *       shutdown hook ends the child);</li>
 *   <li>{@code hold}: reports {@code READY} and waits (the test kills the JVM).</li>
 * </ul>
 * Args: {@code MODE FILE}.
 */
public final class StopSignalApp {

    static final String NOTES_SIGNALS = "trap 'echo TERM >> \"$1\"; exit 4' TERM; trap 'echo INT >> \"$1\"; exit 3' INT; "
            + "trap 'echo HUP >> \"$1\"; exit 5' HUP; echo ready; while :; do sleep 0.1; done";

    public static void main(String[] args) throws Exception {
        Report.jvm();
        String mode = args[0];
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        Process p = new ProcessBuilder("sh", "-c", NOTES_SIGNALS, "sh", args[1]).start();
        String ready = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
        if (!"ready".equals(ready)) throw new IllegalStateException("the child said " + ready);
        Report.line("GROUP " + p.pid());
        switch (mode) {
            case "destroy":
                p.destroy();
                Report.line("EXIT " + p.waitFor());
                stdin.readLine();
                break;
            case "exit":
                Report.line("READY");
                stdin.readLine();
                break;
            case "hold":
                Report.line("READY");
                stdin.readLine();
                break;
            default:
                throw new IllegalArgumentException(mode);
        }
    }
}
