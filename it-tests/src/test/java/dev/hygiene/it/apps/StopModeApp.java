package dev.hygiene.it.apps;

import java.io.BufferedReader;
import java.io.InputStreamReader;

/**
 * A leader with one worker, both noting in FILE what happens to them (one line each):
 * <ul>
 *   <li>{@code cooperative}: on SIGTERM the leader notes {@code leader got TERM}, tells its worker
 *       to stop (a line on the worker's stdin), waits for it and notes {@code leader saw worker
 *       exit <code>}, then exits 0; the worker, told to stop, notes {@code worker stopped by
 *       leader} and exits 0;</li>
 *   <li>{@code deaf}: the leader ignores SIGTERM.</li>
 * </ul>
 * In both, the worker notes {@code worker got <SIG>} for a SIGTERM, SIGINT or SIGHUP and exits 9.
 * (Perl: a shell cannot trap a signal that was ignored when it started.) Reports
 * {@code GROUP <leader> <worker>} once both run and the worker's handlers are set; then by MODE: {@code destroy} calls destroy(),
 * reports {@code EXIT <code>} and waits for a line on stdin; {@code hold} reports {@code READY} and
 * waits for a line on stdin (or for the test to kill the JVM).
 * Args: {@code MODE FILE cooperative|deaf}.
 */
public final class StopModeApp {

    static final String LEADER_AND_WORKER = String.join(" ",
            "my ($f, $kind) = @ARGV;",
            "sub note { open(my $o, '>>', $f) or die; print $o \"$_[0]\\n\"; close $o; }",
            "pipe(my $r, my $w) or die;",
            "pipe(my $set_r, my $set_w) or die;",
            "my $worker = fork(); die unless defined $worker;",
            "if ($worker == 0) {",
            "  close $w; close $set_r; open(STDIN, '<&', $r) or die;",
            "  for my $s (qw(TERM INT HUP)) { $SIG{$s} = sub { note(\"worker got $s\"); exit 9; }; }",
            "  syswrite($set_w, 'x') == 1 or die; close $set_w;",
            "  my $line = <STDIN>; note('worker stopped by leader'); exit 0;",
            "}",
            "close $r; close $set_w;",
            // Ready only once the worker's handlers are set: a SIGTERM before that would kill it
            // with the default action (seen as 'leader saw worker exit 0', no note of its own).
            "sysread($set_r, my $set, 1) == 1 or die; close $set_r;",
            "if ($kind eq 'deaf') { $SIG{TERM} = 'IGNORE'; }",
            "else { $SIG{TERM} = sub { note('leader got TERM'); print $w \"stop\\n\"; close $w; waitpid($worker, 0);",
            "  note('leader saw worker exit ' . ($? >> 8)); exit 0; }; }",
            "$| = 1; print \"ready $worker\\n\"; sleep 1 while 1;");

    public static void main(String[] args) throws Exception {
        Report.jvm();
        String mode = args[0];
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        Process p = new ProcessBuilder("perl", "-e", LEADER_AND_WORKER, args[1], args[2]).start();
        String ready = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
        if (ready == null || !ready.startsWith("ready ")) throw new IllegalStateException("the leader said " + ready);
        Report.line("GROUP " + p.pid() + " " + ready.substring("ready ".length()));
        if (mode.equals("destroy")) {
            p.destroy();
            Report.line("EXIT " + p.waitFor());
        } else {
            Report.line("READY");
        }
        stdin.readLine();
    }
}
