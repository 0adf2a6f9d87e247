package dev.hygiene.demo;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link Launcher} four times, without and with the agent, and shows which of the processes it
 * started are still alive afterwards. Then removes what the runs without the agent left behind.
 *
 * <p>Usage: {@code java -cp demo/target/classes dev.hygiene.demo.Demo [path/to/process-hygiene-agent.jar]}
 */
public final class Demo {

    private static final String GRACE = "2s";

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args.length > 0 ? args[0] : "agent/target/process-hygiene-agent.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            System.err.println("no agent jar at " + jar + ": build it first (mvn -B -DskipTests package)");
            System.exit(2);
        }
        System.out.println("A launcher starts a CLI (sh) that starts a worker (sleep 600), then ends the session.");
        System.out.println();
        List<Long> leftovers = new ArrayList<>();
        int orphansWith = 0;
        for (String how : new String[] {"destroy", "exit", "hang"}) {
            String what = how.equals("destroy") ? "launcher calls cli.destroy() and exits"
                    : how.equals("exit") ? "launcher exits, CLI still running"
                    : "launcher is killed with kill -9 (no shutdown hook runs), CLI still running";
            System.out.println("== " + what);
            List<Long> without = run(null, how);
            leftovers.addAll(without);
            List<Long> with = run(jar, how);
            orphansWith += with.size();
            leftovers.addAll(with);
            System.out.println();
        }
        for (long pid : leftovers) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        System.out.println("Removed the " + leftovers.size() + " leftover processes by pid.");
        System.exit(orphansWith == 0 ? 0 : 1);
    }

    /** Runs the launcher; prints and returns the pids it started that are still alive afterwards. */
    private static List<Long> run(Path agent, String how) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (agent != null) cmd.add("-javaagent:" + agent + "=grace=" + GRACE);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Launcher.class.getName());
        cmd.add(how);
        Process launcher = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(new File("/dev/null")).start();
        Map<String, String> said = new HashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                int sp = line.indexOf(' ');
                if (sp > 0) said.put(line.substring(0, sp), line.substring(sp + 1));
                if (line.equals("ready") && how.equals("hang")) {
                    launcher.toHandle().destroyForcibly(); // SIGKILL, without closing our end of its pipes
                    break;
                }
            }
        }
        launcher.waitFor();
        List<Long> started = new ArrayList<>();
        if (said.containsKey("cli")) started.add(Long.parseLong(said.get("cli")));
        for (String w : said.getOrDefault("workers", "").split(",")) if (!w.isBlank()) started.add(Long.parseLong(w.trim()));

        // With the agent, the launcher's JVM terminates what is left before it exits (or, killed,
        // its watchdog does, at once); give the processes a moment to go, then look.
        List<Long> alive = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(agent == null ? 500 : 3000);
        do {
            alive.clear();
            for (long pid : started) if (aliveInProc(pid)) alive.add(pid);
            if (alive.isEmpty()) break;
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);

        String label = agent == null ? "without the agent" : "with the agent   ";
        String exit = said.containsKey("cli-exit") ? ", cli exit " + said.get("cli-exit") : "";
        System.out.println("  " + label + ": started " + started.size() + " processes" + exit + "; still alive: "
                + (alive.isEmpty() ? "none" : alive.size()));
        for (long pid : alive) System.out.println("      " + describe(pid));
        return alive;
    }

    private static boolean aliveInProc(long pid) {
        Optional<String> stat = stat(pid);
        if (stat.isEmpty()) return false;
        String s = stat.get();
        char state = s.charAt(s.lastIndexOf(')') + 2);
        return state != 'Z' && state != 'X';
    }

    private static Optional<String> stat(long pid) {
        try {
            return Optional.of(Files.readString(Path.of("/proc/" + pid + "/stat")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String describe(long pid) {
        String s = stat(pid).orElse("");
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        String cmd = ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("?");
        return "pid " + pid + "  ppid " + f[1] + (f[1].equals("1") ? " (orphaned)" : "") + "  " + cmd;
    }
}
