package dev.hygiene.it.apps;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * What a child sees of its environment, against what the application gave it, in the ways an
 * application gives one: inherited (environment() untouched), with a variable added, with one
 * removed, cleared and built anew, and as an envp array ({@code Runtime.exec(cmd, envp)}). For
 * each, the child ({@code env -0}) reports its whole environment, and the app prints
 * {@code ENV <case> extra=<names> missing=<names> changed=<names> marker=<PROCESS_HYGIENE_GROUP or ->}
 * (names sorted, comma-separated, empty if none) and finally {@code END}.
 */
public final class EnvironmentApp {

    public static void main(String[] args) throws Exception {
        Report.jvm();
        Map<String, String> jvm = System.getenv();

        ProcessBuilder inherited = new ProcessBuilder("env", "-0");
        report("inherited", inherited.start(), jvm);

        ProcessBuilder added = new ProcessBuilder("env", "-0");
        added.environment().put("FOO", "bar baz");
        Map<String, String> withFoo = new LinkedHashMap<>(jvm);
        withFoo.put("FOO", "bar baz");
        report("added", added.start(), withFoo);

        ProcessBuilder removed = new ProcessBuilder("env", "-0");
        removed.environment().remove("HOME");
        Map<String, String> withoutHome = new LinkedHashMap<>(jvm);
        withoutHome.remove("HOME");
        report("removed", removed.start(), withoutHome);

        ProcessBuilder cleared = new ProcessBuilder("env", "-0");
        cleared.environment().clear();
        cleared.environment().put("ONLY", "this one");
        report("cleared", cleared.start(), Map.of("ONLY", "this one"));

        report("envp", Runtime.getRuntime().exec(new String[] {"env", "-0"}, new String[] {"A=1", "B=two words"}),
                Map.of("A", "1", "B", "two words"));
        Report.line("END");
    }

    private static void report(String name, Process p, Map<String, String> expected) throws IOException, InterruptedException {
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor();
        Map<String, String> seen = new LinkedHashMap<>();
        for (String entry : new String(out, StandardCharsets.UTF_8).split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) seen.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        TreeSet<String> extra = new TreeSet<>(seen.keySet());
        extra.removeAll(expected.keySet());
        TreeSet<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(seen.keySet());
        TreeSet<String> changed = new TreeSet<>();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            if (seen.containsKey(e.getKey()) && !seen.get(e.getKey()).equals(e.getValue())) changed.add(e.getKey());
        }
        Report.line("ENV " + name + " extra=" + String.join(",", extra) + " missing=" + String.join(",", missing)
                + " changed=" + String.join(",", changed) + " marker=" + seen.getOrDefault("PROCESS_HYGIENE_GROUP", "-"));
    }
}
