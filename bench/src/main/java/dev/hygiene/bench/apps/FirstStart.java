package dev.hygiene.bench.apps;

/**
 * The first process start of a fresh JVM: times {@code new ProcessBuilder("/bin/true").start()}
 * and its {@code waitFor()}, and prints {@code first-start-ns N} and {@code first-wait-ns N}; then
 * {@code main-return NANOTIME} as main returns, for the time the JVM takes to exit after it.
 */
public final class FirstStart {

    private FirstStart() {}

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("/bin/true").start();
        long t1 = System.nanoTime();
        int rc = p.waitFor();
        long t2 = System.nanoTime();
        if (rc != 0) throw new IllegalStateException("/bin/true exited " + rc);
        System.out.println("first-start-ns " + (t1 - t0));
        System.out.println("first-wait-ns " + (t2 - t0));
        System.out.println("main-return " + System.nanoTime());
        System.out.flush();
    }
}
