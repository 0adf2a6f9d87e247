package dev.hygiene.it.apps;

import dev.hygiene.it.Proc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Starts a child, then removes the agent's helper directory (under the helper-dir given as
 * argument), as a cleaner of /tmp would, then starts two more. Prints {@code ISOLATED <n> <bool>}
 * for each child, read at once after start().
 */
public final class VanishingHelperApp {

    public static void main(String[] args) throws Exception {
        Report.jvm();
        report(1, new ProcessBuilder("sh", "-c", "sleep 300 & wait").start());
        List<Path> dirs;
        try (Stream<Path> s = Files.list(Path.of(args[0]))) {
            dirs = s.collect(Collectors.toList());
        }
        for (Path d : dirs) {
            try (Stream<Path> s = Files.list(d)) {
                for (Path f : s.collect(Collectors.toList())) Files.delete(f);
            }
            Files.delete(d);
        }
        Report.line("REMOVED " + dirs.size());
        report(2, new ProcessBuilder("sh", "-c", "sleep 300 & wait").start());
        report(3, new ProcessBuilder("sh", "-c", "sleep 300 & wait").start());
    }

    private static void report(int n, Process p) {
        Proc.Stat s = Proc.stat(p.pid());
        Report.line("ISOLATED " + n + " " + (s != null && s.pgrp == p.pid()));
    }
}
