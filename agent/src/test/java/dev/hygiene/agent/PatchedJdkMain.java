package dev.hygiene.agent;

import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Run by JdkProcessClassesTest in a JVM whose java.base has the redirected ProcessBuilder and
 * ProcessImpl patched in: sets the bridge's hooks to counters that let the JDK do its own work
 * (they return null), starts {@code cat} (which ends at the latest when this JVM does, at the end
 * of its input), destroys it, and prints how often each hook ran and cat's exit code.
 *
 * <p>With the argument {@code patched} the bridge is patched into java.base too, and its hooks are
 * set by reflection. With {@code handshake} ProcessBuilder has LookupHandshake's handshake and the
 * bridge is not there: this stands in for the agent's transformer behind Agent.apply, gives
 * ProcessBuilder the bridge's class file for its lookup, sets the hooks of the bridge it hands
 * back (with the bridge's own request), and prints what it was handed.
 */
public final class PatchedJdkMain {

    public static void main(String[] args) throws Exception {
        AtomicInteger starts = new AtomicInteger(), destroys = new AtomicInteger();
        Function<Object[], Object> start = a -> {
            starts.incrementAndGet();
            return null;
        };
        Function<Object[], Object> destroy = a -> {
            destroys.incrementAndGet();
            return null;
        };
        List<String> handed = new ArrayList<>();
        if (args[0].equals("patched")) {
            Class<?> bridge = Class.forName("java.lang.ProcessHygieneHook");
            hook(bridge, "start", start);
            hook(bridge, "destroy", destroy);
        } else {
            byte[] bridge;
            try (InputStream in = PatchedJdkMain.class.getClassLoader().getResourceAsStream(Bridge.RESOURCE)) {
                bridge = in.readAllBytes();
            }
            Function<Object, Object> transformer = o -> {
                if (o instanceof MethodHandles.Lookup) {
                    MethodHandles.Lookup l = (MethodHandles.Lookup) o;
                    handed.add("lookup " + l.lookupClass().getName() + (l.hasFullPrivilegeAccess() ? " full" : " limited"));
                    return bridge;
                }
                handed.add(o.getClass().getName() + (o.getClass().getClassLoader() == null ? " (bootstrap)" : ""));
                if (o instanceof Function) {
                    @SuppressWarnings("unchecked")
                    Function<Object[], Object> f = (Function<Object[], Object>) o;
                    return f.apply(new Object[] {"hooks", start, destroy});
                }
                return null;
            };
            Agent.installed = new Object[] {null, null, null, null, null, null, transformer};
        }
        Process cat = new ProcessBuilder("cat").start();
        cat.destroy();
        int exit = cat.waitFor();
        System.out.println("handed=" + handed + " starts=" + starts + " destroys=" + destroys + " exit=" + exit);
    }

    private static void hook(Class<?> bridge, String name, Function<Object[], Object> hook) throws ReflectiveOperationException {
        Field f = bridge.getDeclaredField(name);
        f.setAccessible(true);
        f.set(null, hook);
    }
}
