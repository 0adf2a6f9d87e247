package dev.hygiene.it.apps;

import dev.hygiene.it.Proc;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Started without the agent. Starts a tree ("before"), then waits on stdin: "go" starts another
 * ("after", meant to come after the test attached the agent), "exit" returns from main.
 * Prints {@code BEFORE <pid>}, {@code AFTER <pid> <pgrp read at once>}, {@code EXITING}.
 */
public final class AttachApp {

    public static void main(String[] args) throws Exception {
        Report.jvm();
        Process before = new ProcessBuilder("sh", "-c", "sleep 300 & sleep 300 & wait").start();
        Report.line("BEFORE " + before.pid());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.equals("go")) {
                Process after = new ProcessBuilder("sh", "-c", "sleep 300 & sleep 300 & wait").start();
                Proc.Stat s = Proc.stat(after.pid());
                Report.line("AFTER " + after.pid() + " " + (s == null ? -1 : s.pgrp));
            } else if (line.equals("exit")) {
                Report.line("EXITING");
                return;
            }
        }
    }
}
