package dev.hygiene.bench.apps;

/**
 * Hello world: the start-up figure. With the argument {@code environment} it first reads its
 * environment and its own {@link ProcessHandle}, as most programs do (a logging library, for its
 * pid), which loads process classes of the JDK (on JDK 25 {@code System.getenv} loads
 * {@code ProcessImpl}) without any process started.
 */
public final class Hello {

    private Hello() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("environment")) {
            String home = System.getenv("HOME");
            long pid = ProcessHandle.current().pid();
            System.out.println("hello, world (HOME " + (home == null ? "unset" : "set") + ", pid " + pid + ")");
            return;
        }
        System.out.println("hello, world");
    }
}
