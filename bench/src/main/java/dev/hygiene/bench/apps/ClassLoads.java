package dev.hygiene.bench.apps;

import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * What an application's own class loading costs: loads N classes of the JDK that a JVM does not
 * load by itself (from java.desktop, java.xml, java.sql, java.naming and jdk.compiler, in name
 * order, through the platform loader, without initialising them), after one process start
 * (argument {@code after-start}) or without any. Prints {@code load-ns N} for the loading alone.
 * With an agent's class transformer registered, the JVM hands each of them to it.
 *
 * <p>Args: {@code N [after-start]}.
 */
public final class ClassLoads {

    private ClassLoads() {}

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        if (args.length > 1 && args[1].equals("after-start")) {
            int rc = new ProcessBuilder("/bin/true").start().waitFor();
            if (rc != 0) throw new IllegalStateException("/bin/true exited " + rc);
        }
        List<String> names = new ArrayList<>();
        for (String module : new String[] {"java.desktop", "java.xml", "java.sql", "java.naming", "jdk.compiler"}) {
            ModuleReference ref = ModuleFinder.ofSystem().find(module).orElseThrow();
            try (ModuleReader r = ref.open()) {
                for (Iterator<String> it = r.list().iterator(); it.hasNext(); ) {
                    String s = it.next();
                    if (s.endsWith(".class") && !s.endsWith("module-info.class")) {
                        names.add(s.substring(0, s.length() - ".class".length()).replace('/', '.'));
                    }
                }
            }
        }
        Collections.sort(names);
        ClassLoader platform = ClassLoader.getPlatformClassLoader();
        long t0 = System.nanoTime();
        int loaded = 0;
        for (int i = 0; i < names.size() && loaded < n; i++) {
            try {
                Class.forName(names.get(i), false, platform);
                loaded++;
            } catch (ClassNotFoundException | LinkageError e) {
                // not loadable through the platform loader, or not alone: the next one
            }
        }
        long t1 = System.nanoTime();
        if (loaded < n) throw new IllegalStateException("only " + loaded + " classes loaded");
        System.out.println("load-ns " + (t1 - t0));
    }
}
