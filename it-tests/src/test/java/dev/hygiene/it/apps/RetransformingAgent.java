package dev.hygiene.it.apps;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.nio.charset.StandardCharsets;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;

/**
 * Another agent, as an APM agent would be: it retransforms ProcessBuilder and ProcessImpl when
 * asked ({@link #retransform}), long after they loaded, and changes them (as far as the JVM knows:
 * it returns a copy of the bytes it is given, so each class is redefined from them). Its jar (made
 * by RetransformTest) holds only a manifest; the class comes from the apps' class path.
 */
public final class RetransformingAgent implements ClassFileTransformer {

    private static volatile Instrumentation inst;
    private static final List<String> SEEN = new ArrayList<>();

    public static void premain(String args, Instrumentation i) {
        i.addTransformer(new RetransformingAgent(), true);
        inst = i;
    }

    /**
     * Retransforms both classes; for each, its name and whether the bytes the JVM gave this agent
     * call the process-hygiene bridge.
     */
    static List<String> retransform() throws Exception {
        inst.retransformClasses(ProcessBuilder.class, Class.forName("java.lang.ProcessImpl"));
        synchronized (SEEN) {
            return new ArrayList<>(SEEN);
        }
    }

    @Override
    public byte[] transform(ClassLoader loader, String name, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
        if (redefined == null || !(name.equals("java/lang/ProcessBuilder") || name.equals("java/lang/ProcessImpl"))) {
            return null;
        }
        synchronized (SEEN) {
            SEEN.add(name + " bridge=" + contains(bytes, "java/lang/ProcessHygieneHook"));
        }
        return bytes.clone();
    }

    private static boolean contains(byte[] bytes, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + t.length <= bytes.length; i++) {
            for (int k = 0; k < t.length; k++) {
                if (bytes[i + k] != t[k]) continue outer;
            }
            return true;
        }
        return false;
    }
}
