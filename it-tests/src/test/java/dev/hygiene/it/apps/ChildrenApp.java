package dev.hygiene.it.apps;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What an application sees of its own processes, as the JDK's TreeTest and PipelineLeaksFD look
 * at it. Prints its {@code JVM} line, then obeys lines on stdin:
 * <ul>
 * <li>{@code start N}: starts N children {@code sh -c 'sleep 60 & wait'}, alternately with the
 * JDK's default pipes and with stdin from /dev/null and stdout and stderr DISCARD; reports
 * {@code GROUP <pid>} and {@code MEMBERS<batch> <pid> <pid>:<start>...} for each (batch counts the
 * starts from 1), then {@code SEEN started<batch> ...};</li>
 * <li>{@code destroy}: destroys every child started so far and waits for each, then until the JVM
 * has no child at all (no helper run of the agent either), and reports {@code SEEN destroyed ...};</li>
 * <li>{@code exit}: returns from main.</li>
 * </ul>
 * A {@code SEEN} line is {@code SEEN <what> children=<pids> descendants=<pids> pipes=<n>}: the pids
 * (sorted, comma-separated) of ProcessHandle.current().children() and descendants(), and the
 * number of the JVM's descriptors that are pipes (/proc/self/fd links reading {@code pipe:[...]}).
 */
public final class ChildrenApp {

    static final List<Process> CHILDREN = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        Report.jvm();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        int batch = 0;
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith("start ")) {
                batch++;
                int n = Integer.parseInt(line.substring(6).trim());
                List<Process> started = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    ProcessBuilder pb = new ProcessBuilder("sh", "-c", "sleep 60 & wait");
                    if (i % 2 == 1) {
                        pb.redirectInput(Redirect.from(new File("/dev/null")))
                                .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD);
                    }
                    Process p = pb.start();
                    started.add(p);
                    CHILDREN.add(p);
                    Report.line("GROUP " + p.pid());
                }
                for (Process p : started) Trees.awaitMembers("MEMBERS" + batch, p.pid(), 2);
                seen("started" + batch);
            } else if (line.equals("destroy")) {
                for (Process p : CHILDREN) p.destroy();
                for (Process p : CHILDREN) p.waitFor();
                CHILDREN.clear();
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (ProcessHandle.current().children().findAny().isPresent() && System.nanoTime() < deadline) {
                    Trees.sleepMillis(5);
                }
                seen("destroyed");
            } else if (line.equals("exit")) {
                return;
            }
        }
    }

    private static void seen(String what) throws IOException {
        Report.line("SEEN " + what + " children=" + pids(ProcessHandle.current().children().collect(Collectors.toList()))
                + " descendants=" + pids(ProcessHandle.current().descendants().collect(Collectors.toList()))
                + " pipes=" + pipes());
    }

    private static String pids(List<ProcessHandle> handles) {
        return handles.stream().map(ProcessHandle::pid).sorted().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static int pipes() throws IOException {
        int n = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("pipe:")) n++;
                } catch (IOException e) {
                    // closed meanwhile (the directory stream's own descriptor, say)
                }
            }
        }
        return n;
    }
}
