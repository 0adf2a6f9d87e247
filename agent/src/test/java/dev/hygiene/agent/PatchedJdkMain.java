package dev.hygiene.agent;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Run by JdkProcessClassesTest in a JVM whose java.base has the redirected ProcessBuilder and
 * ProcessImpl and the bridge patched in: sets the bridge's hooks to counters that let the JDK do
 * its own work (they return null), starts {@code cat} (which ends at the latest when this JVM does,
 * at the end of its input), destroys it, and prints how often each hook ran and cat's exit code.
 */
public final class PatchedJdkMain {

    public static void main(String[] args) throws Exception {
        AtomicInteger starts = new AtomicInteger(), destroys = new AtomicInteger();
        Class<?> bridge = Class.forName("java.lang.ProcessHygieneHook");
        hook(bridge, "start", a -> {
            starts.incrementAndGet();
            return null;
        });
        hook(bridge, "destroy", a -> {
            destroys.incrementAndGet();
            return null;
        });
        Process cat = new ProcessBuilder("cat").start();
        cat.destroy();
        int exit = cat.waitFor();
        System.out.println("starts=" + starts + " destroys=" + destroys + " exit=" + exit);
    }

    private static void hook(Class<?> bridge, String name, Function<Object[], Object> hook) throws ReflectiveOperationException {
        Field f = bridge.getDeclaredField(name);
        f.setAccessible(true);
        f.set(null, hook);
    }
}
