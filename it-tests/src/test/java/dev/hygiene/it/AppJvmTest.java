package dev.hygiene.it;

import org.junit.jupiter.api.AfterEach;

/**
 * Base of the tests that start app JVMs: each test gets a fresh {@link ProcessCleanup}, and
 * whatever it recorded is killed after it, pass or fail.
 */
public abstract class AppJvmTest {

    protected final ProcessCleanup cleanup = new ProcessCleanup();

    /** An app JVM with the agent (no agent arguments unless set), launched with setsid. */
    protected AppJvm.Builder app(Jdks.Jdk jdk, Class<?> main) {
        return AppJvm.builder(jdk, main, cleanup);
    }

    @AfterEach
    void killLeftovers() {
        cleanup.killAll();
    }
}
