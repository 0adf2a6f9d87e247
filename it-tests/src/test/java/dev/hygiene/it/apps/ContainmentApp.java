package dev.hygiene.it.apps;

import dev.hygiene.it.Cgroups;
import dev.hygiene.it.Proc;

import java.io.BufferedReader;
import java.io.InputStreamReader;

/**
 * Starts a tree ({@code sh} with two {@code sleep}s) and reports what contains it: {@code GROUP
 * <leader>}, {@code MEMBERS ...}, {@code CGROUP <the leader's cgroup path>}, {@code MARKER <the
 * leader's PROCESS_HYGIENE_GROUP tokens, space-separated, or ->}; then {@code READY}, and at a
 * line on stdin {@code EXITING} and main returns (the tree held: terminated at shutdown).
 */
public final class ContainmentApp {

    static Process tree;

    public static void main(String[] args) throws Exception {
        Report.jvm();
        tree = Trees.start(Trees.TREE);
        Trees.awaitMembers(tree.pid(), 3);
        Report.line("CGROUP " + Cgroups.of(tree.pid()));
        Report.line("MARKER " + (Proc.markers(tree.pid()).isEmpty() ? "-" : String.join(" ", Proc.markers(tree.pid()))));
        Report.line("READY");
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        Report.line("EXITING");
    }
}
