package dev.hygiene.it.apps;

import dev.hygiene.it.Proc;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the JDK's process API through a fixed list of scenarios and prints one result line each
 * ({@code <scenario>: <result>}), made independent of pids and of the work directory (printed as
 * {@code $WORK}), so that a run with the agent and one without can be compared line by line.
 * Children that inherit stdout/stderr write into the app's own streams, which are compared too.
 *
 * <p>Apart from stdout, it writes one line per started child to GROUPS_FILE, read from /proc
 * immediately after the start returned: {@code <scenario> <pid> <pgrp|gone> <jvm pgrp> <blocking>},
 * where blocking children cannot have exited by then (they wait on their stdin).
 *
 * <p>Args: {@code WORK_DIR GROUPS_FILE}. The JVM's PATH may be
 * {@code WORK_DIR/shadow::/usr/local/bin:/usr/bin:/bin}: a directory with a non-executable
 * {@code cat} (to be skipped), and an empty entry (the child's working directory); or unset.
 */
public final class ParityApp {

    private static Path work;
    private static PrintWriter groups;
    private static long jvmGroup;

    public static void main(String[] args) throws Exception {
        work = Path.of(args[0]).toRealPath();
        groups = new PrintWriter(Files.newBufferedWriter(Path.of(args[1])), true);
        jvmGroup = Report.jvmGroup();
        prepare();

        commandLines();
        streams();
        redirects();
        environment();
        directories();
        exitCodes();
        pipelines();
        runtimeExec();
        errors();

        groups.close();
        Report.line("END");
    }

    // ---- the files the scenarios use ----

    private static void prepare() throws IOException {
        Files.createDirectories(work.resolve("bin"));
        Files.createDirectories(work.resolve("sub"));
        Files.createDirectories(work.resolve("shadow"));
        Files.writeString(work.resolve("shadow/cat"), "#!/bin/sh\necho not executable, must be skipped\n");
        executable(work.resolve("bin/mytool"), "#!/bin/sh\necho \"mytool ran with $*\"\n");
        executable(work.resolve("sub/hello.sh"), "#!/bin/sh\necho \"hello from $(pwd)\"\n");
        // No "#!": the JDK runs it with /bin/sh. It waits for a line so that it is still running
        // when its command line is read.
        executable(work.resolve("noshebang"), "read line\necho \"noshebang: \\$0=$0 args=$* line=$line\"\n");
        Files.writeString(work.resolve("notexec"), "#!/bin/sh\necho should not run\n");
        // Executable, but its interpreter does not exist: execve fails with ENOENT.
        executable(work.resolve("badinterpreter"), "#!/no/such/interpreter\necho should not run\n");
        Files.writeString(work.resolve("input.txt"), "line one\nline two\n");
    }

    private static void executable(Path p, String content) throws IOException {
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    // ---- scenarios ----

    private static void commandLines() throws Exception {
        cmdline("cmdline-by-name", new ProcessBuilder("cat", "-"));
        cmdline("cmdline-absolute", new ProcessBuilder("/bin/cat", "-u", "a b", "", "-"));
        cmdline("cmdline-relative-in-dir", new ProcessBuilder("../bin/mytool-wait").directory(work.resolve("sub").toFile()),
                "mytool-wait");
        cmdline("cmdline-script-without-shebang", new ProcessBuilder(work.resolve("noshebang").toString(), "x", "y"));
    }

    /** Reads /proc/PID/cmdline and ProcessHandle.info() immediately after the start, then lets the child finish. */
    private static void cmdline(String name, ProcessBuilder pb, String... needs) throws Exception {
        if (needs.length > 0) {
            // A program that waits for its stdin: a copy of cat under another name.
            Path copy = work.resolve("bin").resolve(needs[0]);
            if (!Files.exists(copy)) {
                Files.copy(Path.of("/bin/cat"), copy);
                Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        Process p = pb.start();
        record(name, p, true);
        String cmdline = Proc.cmdline(p.pid());
        ProcessHandle.Info info = p.info();
        String result = "cmdline=" + cmdline + " command=" + info.command() + " arguments="
                + info.arguments().map(List::of);
        result += " " + finish(p, "line\n");
        say(name, result);
    }

    private static void streams() throws Exception {
        say("stdout-and-stderr", run("stdout-and-stderr",
                new ProcessBuilder("sh", "-c", "echo out1; echo err1 >&2; printf 'no newline'; exit 3")));
        say("stdin-to-child", run("stdin-to-child", new ProcessBuilder("cat"), "typed in\nand more\n"));
        say("large-output", run("large-output", new ProcessBuilder("sh", "-c", "seq 1 20000 | tail -n 2; seq 1 20000 | wc -c")));
    }

    private static void redirects() throws Exception {
        File out = work.resolve("out.txt").toFile();
        File err = work.resolve("err.txt").toFile();
        say("redirect-to-files", run("redirect-to-files", new ProcessBuilder("sh", "-c", "echo to-file; echo to-err >&2")
                .redirectOutput(out).redirectError(err)) + " file=" + read(out) + " errfile=" + read(err));

        File log = work.resolve("append.txt").toFile();
        Files.writeString(log.toPath(), "first\n");
        String a1 = run("redirect-append", new ProcessBuilder("echo", "second").redirectOutput(Redirect.appendTo(log)));
        String a2 = run("redirect-append", new ProcessBuilder("echo", "third").redirectOutput(Redirect.appendTo(log)));
        say("redirect-append", a1 + " " + a2 + " file=" + read(log));

        say("redirect-input-from-file", run("redirect-input-from-file",
                new ProcessBuilder("cat").redirectInput(work.resolve("input.txt").toFile())));

        say("redirect-error-stream", run("redirect-error-stream",
                new ProcessBuilder("sh", "-c", "echo a; echo b >&2; echo c").redirectErrorStream(true)));

        say("redirect-discard", run("redirect-discard",
                new ProcessBuilder("sh", "-c", "echo gone; echo gone too >&2").redirectOutput(Redirect.DISCARD)
                        .redirectError(Redirect.DISCARD)));

        // Children writing straight into the app's own stdout and stderr.
        say("inherit-stdout", "begin");
        say("inherit-stdout", run("inherit-stdout",
                new ProcessBuilder("sh", "-c", "echo child wrote to the inherited stdout").redirectOutput(Redirect.INHERIT)));
        say("inherit-stderr", run("inherit-stderr",
                new ProcessBuilder("sh", "-c", "echo child wrote to the inherited stderr >&2").redirectError(Redirect.INHERIT)));
        System.err.flush();
        say("inherit-io", "begin");
        say("inherit-io", run("inherit-io",
                new ProcessBuilder("sh", "-c", "echo io-out; echo io-err >&2; exit 4").inheritIO()));
    }

    private static void environment() throws Exception {
        ProcessBuilder cleared = new ProcessBuilder("env");
        cleared.environment().clear();
        cleared.environment().put("ONLY", "this one");
        say("env-cleared", run("env-cleared", cleared));

        ProcessBuilder added = new ProcessBuilder("sh", "-c", "echo \"FOO=$FOO\"; echo \"HOME set: ${HOME:+yes}\"");
        added.environment().put("FOO", "bar baz");
        say("env-added", run("env-added", added));

        ProcessBuilder removed = new ProcessBuilder("sh", "-c", "echo \"HOME=${HOME-unset}\"");
        removed.environment().remove("HOME");
        say("env-removed", run("env-removed", removed));

        // The JDK finds the program in the JVM's PATH; the child then has the new PATH.
        ProcessBuilder path = new ProcessBuilder("sh", "-c", "echo \"PATH=$PATH\"; mytool from-sh");
        path.environment().put("PATH", work.resolve("bin").toString());
        say("env-path-changed", run("env-path-changed", path));

        // A program only in the child's PATH is not found.
        ProcessBuilder childOnly = new ProcessBuilder("mytool");
        childOnly.environment().put("PATH", work.resolve("bin").toString());
        say("env-path-program-only-in-child-path", run("env-path-program-only-in-child-path", childOnly));

        ProcessBuilder noPath = new ProcessBuilder("sh", "-c", "echo \"PATH=${PATH-unset}\"");
        noPath.environment().remove("PATH");
        say("env-path-removed", run("env-path-removed", noPath));
    }

    private static void directories() throws Exception {
        File sub = work.resolve("sub").toFile();
        say("directory", run("directory", new ProcessBuilder("pwd").directory(sub)));
        say("directory-relative-program", run("directory-relative-program", new ProcessBuilder("./hello.sh").directory(sub)));
        // The JVM's PATH has an empty entry: the child's working directory.
        say("path-empty-entry", run("path-empty-entry", new ProcessBuilder("hello.sh").directory(sub)));
        // With an environment given, the JDK searches itself (with ":/bin:/usr/bin" if the JVM has
        // no PATH); without one, it leaves the search to execvp ("/bin:/usr/bin").
        ProcessBuilder envGiven = new ProcessBuilder("hello.sh").directory(sub);
        envGiven.environment().put("GIVEN", "1");
        say("path-search-with-environment-given", run("path-search-with-environment-given", envGiven));
        say("directory-relative-dir", run("directory-relative-dir",
                new ProcessBuilder("pwd").directory(new File(work.toString() + "/sub/../bin"))));
    }

    private static void exitCodes() throws Exception {
        StringBuilder codes = new StringBuilder();
        for (String script : List.of("exit 0", "exit 1", "exit 42", "exit 255", "kill -TERM $$", "kill -KILL $$",
                "kill -INT $$", "kill -HUP $$")) {
            Process p = new ProcessBuilder("sh", "-c", script).start();
            record("exit-codes", p, false);
            codes.append(script.replace(' ', '_')).append('=').append(p.waitFor()).append(' ');
        }
        say("exit-codes", codes.toString().trim());

        Process p = new ProcessBuilder("sh", "-c", "exit 7").start();
        record("on-exit", p, false);
        Process same = p.onExit().get(30, TimeUnit.SECONDS);
        ProcessHandle handle = p.toHandle().onExit().get(30, TimeUnit.SECONDS);
        say("on-exit", "same=" + (same == p) + " exit=" + same.exitValue() + " alive=" + p.isAlive()
                + " handle-alive=" + handle.isAlive());

        Process waiting = new ProcessBuilder("cat").start();
        record("wait-for-timeout", waiting, true);
        boolean early = waiting.waitFor(50, TimeUnit.MILLISECONDS);
        boolean aliveBefore = waiting.isAlive();
        waiting.getOutputStream().close();
        say("wait-for-timeout", "exited-early=" + early + " alive=" + aliveBefore + " then-exit="
                + (waiting.waitFor(30, TimeUnit.SECONDS) ? waiting.exitValue() : "timeout"));

        Process destroyed = new ProcessBuilder("cat").start();
        record("destroy", destroyed, true);
        destroyed.destroy();
        say("destroy", "exit=" + destroyed.waitFor() + " alive=" + destroyed.isAlive());

        Process forced = new ProcessBuilder("cat").start();
        record("destroy-forcibly", forced, true);
        forced.destroyForcibly();
        say("destroy-forcibly", "exit=" + forced.waitFor() + " alive=" + forced.isAlive());
    }

    private static void pipelines() throws Exception {
        List<Process> ps = ProcessBuilder.startPipeline(List.of(
                new ProcessBuilder("cat"),
                new ProcessBuilder("sort"),
                new ProcessBuilder("tr", "a-z", "A-Z")));
        for (Process p : ps) record("pipeline", p, true);
        try (OutputStream in = ps.get(0).getOutputStream()) {
            in.write("banana\napple\ncherry\n".getBytes(StandardCharsets.UTF_8));
        }
        String out = text(ps.get(2).getInputStream());
        List<Integer> codes = new ArrayList<>();
        for (Process p : ps) codes.add(p.waitFor());
        say("pipeline", "out=" + out + " exits=" + codes);

        List<Process> failing = ProcessBuilder.startPipeline(List.of(
                new ProcessBuilder("sh", "-c", "echo first; echo oops >&2; exit 5"),
                new ProcessBuilder("cat").redirectErrorStream(true),
                new ProcessBuilder("wc", "-l").redirectOutput(work.resolve("count.txt").toFile())));
        for (Process p : failing) record("pipeline-failing-element", p, false);
        String err = text(failing.get(0).getErrorStream());
        codes.clear();
        for (Process p : failing) codes.add(p.waitFor());
        say("pipeline-failing-element", "err=" + err + " exits=" + codes + " count=" + read(work.resolve("count.txt").toFile()));
    }

    private static void runtimeExec() throws Exception {
        Process p = Runtime.getRuntime().exec("echo hello   world");
        record("runtime-exec-string", p, false);
        say("runtime-exec-string", finish(p, null));

        Process q = Runtime.getRuntime().exec(new String[] {"sh", "-c", "echo \"X=$X\"; pwd"}, new String[] {"X=1"},
                work.resolve("sub").toFile());
        record("runtime-exec-env-dir", q, false);
        say("runtime-exec-env-dir", finish(q, null));
    }

    private static void errors() {
        failure("error-missing-program", new ProcessBuilder("no-such-program-for-hygiene-tests"));
        failure("error-missing-absolute-program", new ProcessBuilder(work.resolve("no-such-file").toString()));
        failure("error-not-executable", new ProcessBuilder(work.resolve("notexec").toString()));
        failure("error-bad-interpreter", new ProcessBuilder(work.resolve("badinterpreter").toString()));
        failure("error-directory-as-program", new ProcessBuilder(work.resolve("sub").toString()));
        failure("error-missing-directory", new ProcessBuilder("true").directory(work.resolve("missing").toFile()));
        failure("error-directory-is-a-file", new ProcessBuilder("true").directory(work.resolve("notexec").toFile()));
        failure("error-empty-command", new ProcessBuilder(new ArrayList<>()));
        failure("error-empty-program-name", new ProcessBuilder(""));
        failure("error-nul-in-argument", new ProcessBuilder("echo", "a\0b"));
        try {
            List<Process> ps = ProcessBuilder.startPipeline(List.of(new ProcessBuilder("cat"),
                    new ProcessBuilder("no-such-program-for-hygiene-tests")));
            say("error-in-pipeline", "started " + ps.size());
        } catch (Exception e) {
            say("error-in-pipeline", describe(e));
        }
        try {
            Runtime.getRuntime().exec("");
            say("error-runtime-exec-empty", "started");
        } catch (Exception e) {
            say("error-runtime-exec-empty", describe(e));
        }
    }

    private static void failure(String name, ProcessBuilder pb) {
        try {
            Process p = pb.start();
            record(name, p, false);
            say(name, "started: " + finish(p, null));
        } catch (Exception e) {
            say(name, describe(e));
        }
    }

    // ---- helpers ----

    /** Starts PB, records its group, feeds INPUT (or nothing), and describes exit code, stdout and stderr. */
    private static String run(String name, ProcessBuilder pb, String... input) {
        try {
            Process p = pb.start();
            record(name, p, false);
            return finish(p, input.length == 0 ? null : input[0]);
        } catch (Exception e) {
            return describe(e);
        }
    }

    private static String finish(Process p, String input) throws Exception {
        try (OutputStream in = p.getOutputStream()) {
            if (input != null) in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> text(p.getErrorStream()));
        String out = text(p.getInputStream());
        int exit = p.waitFor();
        return "exit=" + exit + " out=" + out + " err=" + err.get(30, TimeUnit.SECONDS);
    }

    private static void record(String name, Process p, boolean blocking) {
        Proc.Stat s = Proc.stat(p.pid());
        // A child that is already exiting (zombie, or being reaped: the kernel then shows odd
        // group numbers such as -1) has no group worth comparing.
        boolean gone = s == null || !s.alive() || s.pgrp <= 0;
        groups.println(name + " " + p.pid() + " " + (gone ? "gone" : Long.toString(s.pgrp)) + " " + jvmGroup + " " + blocking);
    }

    private static String text(InputStream in) {
        try {
            return quote(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }

    private static String read(File f) throws IOException {
        return quote(Files.readString(f.toPath()));
    }

    private static String describe(Exception e) {
        return e.getClass().getName() + ": " + e.getMessage() + (e.getCause() == null ? "" : " cause: " + e.getCause());
    }

    private static String quote(String s) {
        return "[" + s.replace("\n", "\\n") + "]";
    }

    private static void say(String name, String result) {
        Report.line(name + ": " + result.replace(work.toString(), "$WORK"));
    }
}
