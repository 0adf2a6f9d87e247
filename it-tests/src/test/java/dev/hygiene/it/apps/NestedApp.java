package dev.hygiene.it.apps;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Nested JVMs, each with the agent from JAVA_TOOL_OPTIONS (which the inner JVM inherits).
 *
 * <p>{@code outer INNER_STDERR WITNESS_LOG}: reports {@code JVM ...}, starts the inner JVM (this
 * class, {@code inner WITNESS_LOG}) with its stderr appended to INNER_STDERR, reports
 * {@code INNER_JVM <pid>} and relays each stdout line of the inner JVM as {@code INNER <line>}.
 * Then it reads commands on stdin: {@code inner-exit} closes the inner JVM's stdin (on which it
 * ends) and reports {@code INNER_EXIT <exit code>} once it has exited; {@code quit} reports
 * {@code EXITING} and returns from main. It holds the inner JVM's Process until the end.
 *
 * <p>{@code inner WITNESS_LOG}: reports {@code JVM ...} and {@code MARKER <its PROCESS_HYGIENE_GROUP>},
 * starts a tree ({@code sh} with two {@link #WITNESS} members, reported as {@code GROUP} and
 * {@code MEMBERS}), reports {@code READY}, and returns from main (reporting {@code EXITING}) at the
 * end of its stdin.
 */
public final class NestedApp {

    /**
     * A perl program (perl-base is essential in Debian) that appends {@code <pid> READY} to the
     * file ARGV[0] once it handles SIGTERM, then {@code <pid> TERM from <sender pid> parent
     * <sender's parent pid, or gone>} for every SIGTERM it gets (the sender from siginfo), and
     * exits about 300 ms after the first one: long enough for a second SIGTERM from anyone else
     * to be seen. One line, so that the agent's log lines that show the command stay one line each.
     */
    static final String WITNESS = String.join(" ",
            "use POSIX;",
            "my $log = $ARGV[0]; my $term = 0;",
            "sub note { open(my $f, '>>', $log) or die; print $f \"$$ $_[0]\\n\"; close $f; }",
            "sub parent { my $p = shift; open(my $s, '<', \"/proc/$p/stat\") or return 'gone';",
            "  my $l = <$s>; close $s; $l =~ s/.*\\) //; my @f = split / /, $l; return $f[1]; }",
            "POSIX::sigaction(SIGTERM, POSIX::SigAction->new(sub { my ($sig, $info) = @_;",
            "  my $from = $info->{pid}; note(\"TERM from $from parent \" . parent($from)); $term++; },",
            "  POSIX::SigSet->new, POSIX::SA_SIGINFO)) or die \"sigaction: $!\";",
            "note('READY');",
            "while (!$term) { sleep 1; }",
            "for (1 .. 30) { select(undef, undef, undef, 0.01); }",
            "exit 0;");

    /** Held until the end: neither the inner JVM nor the tree is ever dropped. */
    static final List<Process> HELD = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        if (args[0].equals("outer")) outer(args[1], args[2]);
        else if (args[0].equals("inner")) inner(args[1]);
        else throw new IllegalArgumentException(args[0]);
    }

    static void outer(String innerStderr, String witnessLog) throws Exception {
        Report.jvm();
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process inner = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), NestedApp.class.getName(), "inner", witnessLog)
                .redirectError(Redirect.appendTo(new File(innerStderr)))
                .start();
        HELD.add(inner);
        Report.line("INNER_JVM " + inner.pid());
        Thread relay = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(inner.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) Report.line("INNER " + line);
            } catch (IOException e) {
                // the inner JVM is gone
            }
        }, "relay");
        relay.setDaemon(true);
        relay.start();

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String command;
        while ((command = in.readLine()) != null) {
            if (command.equals("inner-exit")) {
                inner.getOutputStream().close();
                int code = inner.waitFor();
                relay.join(5000);
                Report.line("INNER_EXIT " + code);
            } else if (command.equals("quit")) {
                Report.line("EXITING");
                return;
            }
        }
        Thread.sleep(Long.MAX_VALUE);
    }

    static void inner(String witnessLog) throws Exception {
        Report.jvm();
        Report.line("MARKER " + System.getenv("PROCESS_HYGIENE_GROUP"));
        String w = "'" + WITNESS.replace("'", "'\\''") + "'";
        String log = "'" + witnessLog.replace("'", "'\\''") + "'";
        Process tree = Trees.start("perl -e " + w + " " + log + " & perl -e " + w + " " + log + " & wait");
        HELD.add(tree);
        Trees.awaitMembers(tree.pid(), 3);
        Report.line("READY");
        while (System.in.read() != -1) {
            // until the outer JVM closes our stdin, or is gone
        }
        Report.line("EXITING");
    }
}
