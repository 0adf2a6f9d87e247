package dev.hygiene.it.apps;

import java.io.BufferedReader;
import java.io.InputStreamReader;

/**
 * Starts a child that notes the stop signal it gets in FILE (one line: TERM, INT or HUP) and
 * exits with 4, 3 or 5 for it. Reports {@code GROUP <pid>} once the child runs its traps, then by MODE:
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

    /**
     * Notes SIGTERM, SIGINT or SIGHUP in FILE and exits with 4, 3 or 5. In Perl, not sh: a shell
     * cannot trap a signal that was ignored when it started (POSIX), and a CI job started in the
     * background, or under nohup, hands its processes SIGINT or SIGHUP ignored.
     */
    static final String NOTES_SIGNALS = "my $f = shift; my %code = (TERM => 4, INT => 3, HUP => 5);"
            + " for my $s (keys %code) { $SIG{$s} = sub { open(my $o, '>>', $f) or die; print $o \"$s\\n\"; close $o;"
            + " exit $code{$s}; }; } $| = 1; print \"ready\\n\"; sleep 1 while 1;";

    public static void main(String[] args) throws Exception {
        Report.jvm();
        String mode = args[0];
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        Process p = new ProcessBuilder("perl", "-e", NOTES_SIGNALS, args[1]).start();
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
