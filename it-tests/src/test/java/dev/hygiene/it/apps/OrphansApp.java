package dev.hygiene.it.apps;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;

/**
 * A CLI that exits by itself and leaves its worker behind, while the application keeps its
 * Process (a session object held in a field): the case of {@code orphans=terminate}.
 * <ul>
 *   <li>{@code MEMBERS <pgid> <pid>:<starttime>...}: the leader and its two workers, all running;</li>
 *   <li>then, after the test's word ({@code go}) on stdin, the leader is told to exit (a line on its
 *       stdin) and {@code EXIT <code>} reports what waitFor() returned;</li>
 *   <li>{@code HELD <pid>} after the test's next word: the Process is still held; then it exits.</li>
 * </ul>
 */
public final class OrphansApp {

    /** Held for the JVM's life: the application has not let go of it. */
    static Process session;

    public static void main(String[] args) throws Exception {
        Report.jvm();
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        session = new ProcessBuilder("sh", "-c", "sleep 300 & sleep 300 & read line; exit 0").start();
        Trees.awaitGroup(session.pid(), 3);
        stdin.readLine(); // go
        OutputStream toLeader = session.getOutputStream();
        toLeader.write('\n');
        toLeader.flush();
        Report.line("EXIT " + session.waitFor());
        stdin.readLine(); // the test has looked
        Report.line("HELD " + session.pid());
    }
}
