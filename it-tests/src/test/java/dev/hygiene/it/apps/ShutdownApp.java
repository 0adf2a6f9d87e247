package dev.hygiene.it.apps;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts two process trees (a child with two grandchildren each), reports them
 * ({@code GROUP}, {@code MEMBERS}), then ends the JVM in one of the ways a JVM ends.
 *
 * <p>Args: {@code ENDING KIND}: ENDING is {@code return} (main returns), {@code exit3}
 * (System.exit(3)), {@code throw} (uncaught exception), {@code wait} (prints {@code READY} and
 * waits forever, for a signal from the test) or {@code halt} (prints {@code READY}, waits for a
 * line on stdin, then {@code Runtime.getRuntime().halt(0)}: no shutdown hook runs) or {@code line}
 * (prints {@code READY}, waits for a line on stdin, then main returns); KIND is
 * {@code tree}, {@code ignore-term} (the trees ignore SIGTERM), {@code mixed} (the first tree
 * goes on SIGTERM, the second ignores it) or {@code leader-exits} (each child exits at once,
 * leaving its two children behind in its group, while the app still holds its Process). Prints
 * {@code EXITING} just before it ends.
 */
public final class ShutdownApp {

    /** Held until the end: the trees must not be dropped. */
    static final List<Process> TREES = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        Report.jvm();
        String ending = args[0];
        for (int i = 0; i < 2; i++) {
            switch (args[1]) {
                case "tree":
                    TREES.add(Trees.start(Trees.TREE));
                    Trees.awaitMembers(TREES.get(i).pid(), 3);
                    break;
                case "ignore-term":
                    TREES.add(Trees.start(Trees.TREE_IGNORING_TERM));
                    Trees.awaitMembers(TREES.get(i).pid(), 3);
                    break;
                case "mixed":
                    TREES.add(Trees.start(i == 0 ? Trees.TREE : Trees.TREE_IGNORING_TERM));
                    Trees.awaitMembers(TREES.get(i).pid(), 3);
                    break;
                case "leader-exits":
                    TREES.add(Trees.start(Trees.LEADER_EXITS));
                    Report.line("LEADER_EXIT " + TREES.get(i).waitFor());
                    Trees.awaitGroup(TREES.get(i).pid(), 2);
                    break;
                default:
                    throw new IllegalArgumentException(args[1]);
            }
        }
        switch (ending) {
            case "return":
                Report.line("EXITING");
                return;
            case "exit3":
                Report.line("EXITING");
                System.exit(3);
                break;
            case "throw":
                Report.line("EXITING");
                throw new IllegalStateException("uncaught, on purpose");
            case "wait":
                Report.line("READY");
                Thread.sleep(Long.MAX_VALUE);
                break;
            case "line":
                Report.line("READY");
                new BufferedReader(new InputStreamReader(System.in)).readLine();
                Report.line("EXITING");
                return;
            case "halt":
                Report.line("READY");
                new BufferedReader(new InputStreamReader(System.in)).readLine();
                Report.line("EXITING");
                Runtime.getRuntime().halt(0);
                break;
            default:
                throw new IllegalArgumentException(ending);
        }
    }
}
