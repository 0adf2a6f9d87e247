package dev.hygiene.demo;

import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The application of the demo, as plain as launchers are: it starts a CLI that starts a worker of
 * its own, and ends the session the usual way. It knows nothing of process groups.
 * <ul>
 *   <li>{@code destroy}: it kills the CLI with {@link Process#destroy()} and waits for it;</li>
 *   <li>{@code exit}: it just exits while the CLI still runs;</li>
 *   <li>{@code hang}: it waits until it is killed (the demo kills it with SIGKILL: no shutdown
 *       hook runs).</li>
 * </ul>
 * It prints what it started (stdout, one {@code key value} line each) for the demo to check.
 */
public final class Launcher {

    public static void main(String[] args) throws Exception {
        String how = args.length > 0 ? args[0] : "destroy";
        // The "CLI": a shell that starts a long-running worker and waits for it.
        Process cli = new ProcessBuilder("sh", "-c", "sleep 600 & wait")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (cli.descendants().count() == 0 && System.nanoTime() < deadline) Thread.sleep(5);
        System.out.println("cli " + cli.pid());
        System.out.println("workers " + cli.descendants().map(h -> Long.toString(h.pid()))
                .collect(Collectors.joining(",")));
        if (how.equals("destroy")) {
            cli.destroy();
            System.out.println("cli-exit " + cli.waitFor());
        }
        System.out.println("ready");
        System.out.flush();
        if (how.equals("hang")) Thread.sleep(Long.MAX_VALUE);
    }
}
