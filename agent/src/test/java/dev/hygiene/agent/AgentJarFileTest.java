package dev.hygiene.agent;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.URL;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Agent.jarFile: the agent jar from its code source's URL, with and without escapes. */
class AgentJarFileTest {

    @Test
    void aPlainPathAsItIs() throws Exception {
        assertEquals(new File("/opt/agents/process-hygiene-agent.jar"),
                Agent.jarFile(Path.of("/opt/agents/process-hygiene-agent.jar").toUri().toURL()));
        assertEquals(new File("/opt/agents/process-hygiene-agent.jar"),
                Agent.jarFile(new URL("file:/opt/agents/process-hygiene-agent.jar")));
    }

    @Test
    void escapesDecodedAsURIDoes() throws Exception {
        for (String p : new String[] {"/opt/my agents/a.jar", "/opt/100%/a.jar", "/opt/é/a.jar", "/opt/a#b/a.jar"}) {
            URL url = Path.of(p).toUri().toURL();
            assertEquals(new File(p), Agent.jarFile(url), url.toString());
        }
    }
}
