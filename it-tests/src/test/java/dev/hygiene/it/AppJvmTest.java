package dev.hygiene.it;

import org.junit.jupiter.api.AfterEach;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Base of the tests that start app JVMs: each test gets a fresh {@link ProcessCleanup}, and
 * whatever it recorded is killed after it, pass or fail; then no cgroup of its JVMs may be left.
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
        List<String> left = cleanup.leftCgroups();
        assertEquals(List.of(), left, "cgroup directories the test's JVMs left behind (now removed)");
    }
}
