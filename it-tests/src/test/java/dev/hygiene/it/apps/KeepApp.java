package dev.hygiene.it.apps;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts two process trees (a child with two grandchildren each): first one the agent is to keep,
 * then an ordinary one. Args: {@code HOW ENDING}. HOW is {@code pattern} (the kept child's command
 * line ends in the word {@code keep-this-one}, its {@code $0}, for the test's keep pattern to
 * find) or {@code env} (the kept child has {@code HYGIENE_KEEP=1} in its environment()). Reports
 * {@code KEPT_MEMBERS <leader> <pid>:<start>...} for the kept tree and {@code GROUP},
 * {@code MEMBERS} for the other, then {@code READY}, and waits for a line on stdin before it ends
 * as ENDING says: {@code return} (prints {@code EXITING}, main returns) or {@code wait} (sleeps,
 * for SIGKILL from the test).
 */
public final class KeepApp {

    /** What the keep pattern is to find in the kept child's command line. */
    public static final String WORD = "keep-this-one";

    /** Held until the end. */
    static final List<Process> TREES = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        Report.jvm();
        ProcessBuilder kept;
        switch (args[0]) {
            case "pattern":
                kept = new ProcessBuilder("sh", "-c", Trees.TREE, WORD);
                break;
            case "env":
                kept = new ProcessBuilder("sh", "-c", Trees.TREE);
                kept.environment().put("HYGIENE_KEEP", "1");
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
        Process k = kept.start();
        TREES.add(k);
        Trees.awaitMembers("KEPT_MEMBERS", k.pid(), 3);
        Process ordinary = Trees.start(Trees.TREE);
        TREES.add(ordinary);
        Trees.awaitMembers(ordinary.pid(), 3);
        Report.line("READY");
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        switch (args[1]) {
            case "return":
                Report.line("EXITING");
                return;
            case "wait":
                Thread.sleep(Long.MAX_VALUE);
                return;
            default:
                throw new IllegalArgumentException(args[1]);
        }
    }
}
