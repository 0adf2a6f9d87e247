package dev.hygiene.agent;

import dev.hygiene.core.Config;
import dev.hygiene.core.Log;
import dev.hygiene.core.ProcessHygiene;

import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Installs the agent, in its own class loader: reads the configuration, opens java.lang to this
 * loader alone (to define the bridge and call the JDK's own start), and registers the transformer
 * of {@code java.lang.ProcessImpl}. Nothing else happens before the application's first process:
 * ProcessImpl is not loaded before premain, and the helper is extracted on the first start.
 */
public final class Installation {

    private Installation() {}

    public static void install(String args, Instrumentation inst, boolean attached) throws Exception {
        String os = System.getProperty("os.name", "");
        if (!os.equals("Linux")) {
            Config.load(args); // its warnings, and the log level for the next line
            Log.warn("process groups are supported on Linux only; on " + os + " the agent does nothing");
            return;
        }
        // The transformer goes first: on JDK 25 even System.getenv (reading the configuration) loads
        // ProcessImpl. Until Hooks.hygiene is set, the hooks let every start through unchanged.
        Module self = Installation.class.getModule();
        inst.redefineModule(Object.class.getModule(), Set.of(), Map.of(),
                Map.of("java.lang", Set.of(self)), Set.of(), Map.of());
        ProcessImplTransformer transformer = new ProcessImplTransformer();
        inst.addTransformer(transformer, true);

        Config config = Config.load(args);
        Path jar = Path.of(Installation.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Hooks.hygiene = new ProcessHygiene(config, jar.getParent());
        if (attached) {
            for (Class<?> c : inst.getAllLoadedClasses()) {
                if (c.getName().equals(ProcessImplTransformer.TARGET_NAME)) inst.retransformClasses(c);
            }
        }
        Log.debug("installed (" + config + ")");
    }
}
