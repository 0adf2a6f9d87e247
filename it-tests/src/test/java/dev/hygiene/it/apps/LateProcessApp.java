package dev.hygiene.it.apps;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;

/**
 * Touches no class of the JDK's process API until told to: prints {@code MAIN} on stderr and
 * {@code READY} on stdout, then obeys lines on stdin: {@code start} starts {@code sleep 300}
 * (held), prints {@code GROUP <pid>} and {@code STARTED}; {@code exit} returns from main.
 */
public final class LateProcessApp {

    /** Held until the end. */
    static final List<Process> CHILDREN = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        System.err.println("MAIN");
        System.err.flush();
        System.out.println("READY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("start")) {
                Process p = new ProcessBuilder("sleep", "300").start();
                CHILDREN.add(p);
                Report.line("GROUP " + p.pid());
                Report.line("STARTED");
            } else if (line.equals("exit")) {
                return;
            }
        }
    }
}
