package dev.hygiene.it.apps;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Starts, ARGS[0] times, a script whose interpreter does not exist (the exec fails with ENOENT
 * after the child was created: {@code FAILED <the exception's message>} each time), then one
 * {@code sleep} that runs ({@code CHILD <pid>}); then {@code READY}, and at a line on stdin
 * {@code EXITING} and main returns (the sleep held: terminated at shutdown).
 */
public final class FailedStartApp {

    static Process child;

    public static void main(String[] args) throws Exception {
        Report.jvm();
        Path dir = Files.createTempDirectory("failed-start");
        Path script = dir.resolve("bad-interpreter");
        Files.writeString(script, "#!/no/such/interpreter\necho should not run\n");
        if (!script.toFile().setExecutable(true)) throw new IOException("cannot make " + script + " executable");
        for (int i = 0, n = Integer.parseInt(args[0]); i < n; i++) {
            try {
                Process p = new ProcessBuilder(script.toString()).start();
                Report.line("STARTED " + p.pid());
            } catch (IOException e) {
                Report.line("FAILED " + e.getMessage());
            }
        }
        Files.delete(script);
        Files.delete(dir);
        child = new ProcessBuilder("sleep", "60").start();
        Report.line("CHILD " + child.pid());
        Report.line("READY");
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        Report.line("EXITING");
    }
}
