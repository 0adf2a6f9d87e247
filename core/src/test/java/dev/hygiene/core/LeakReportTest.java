package dev.hygiene.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeakReportTest {

    @TempDir
    Path tmp;

    @Test
    void appendsOneJsonLinePerGroup() throws Exception {
        Path file = tmp.resolve("report.jsonl");
        assertTrue(Config.defaults().withReport(file).reportWanted());
        LeakReport r = new LeakReport(file);
        ProcessGroup g = new ProcessGroup(1234, 99, Containment.GROUP, null, "sh -c \"echo\\tx\"", "1.2.3",
                "com.example.Launcher.run(Launcher.java:42)", Config.defaults().defaultPolicy());
        r.group(g, Ending.SHUTDOWN, new Escalation.Result(true, false, false, 0, 3, 312_400_000L, 0));
        ProcessGroup c = new ProcessGroup(1234, 99, Containment.CGROUP, "/sys/fs/cgroup/process-hygiene-1-2/c1",
                "sh -c \"echo\\tx\"", null, "com.example.Launcher.run(Launcher.java:42)", Config.defaults().defaultPolicy());
        r.group(c, Ending.DROPPED, new Escalation.Result(true, true, false, 2, 1, 4096, 0));
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).matches("\\{\"time\":\"[0-9T:-]+Z\",\"reason\":\"shutdown\",\"pid\":1234,"
                + "\"command\":\"sh -c \\\\\"echo\\\\\\\\tx\\\\\"\",\"alive_ms\":[0-9]+,\"signal\":\"SIGTERM\",\"escapees\":0,"
                + "\"containment\":\"group\",\"members\":3,\"rss_bytes\":312400000,\"started_at\":\"com.example.Launcher.run\\(Launcher.java:42\\)\"}"), lines.get(0));
        assertTrue(lines.get(1).contains("\"reason\":\"dropped\"") && lines.get(1).contains("\"signal\":\"SIGKILL\"")
                && lines.get(1).contains("\"escapees\":2") && lines.get(1).contains("\"containment\":\"cgroup\"")
                && lines.get(1).contains("\"members\":1,\"rss_bytes\":4096"), lines.get(1));
    }

    @Test
    void quotesControlCharacters() {
        assertEquals("\"a\\u0001b\\\\c\\\"d\"", LeakReport.quote("a\u0001b\\c\"d"));
    }
}
