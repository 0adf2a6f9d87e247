package dev.hygiene.core;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The helper protocol has one definition on each side, and they agree: every {@code #define} of
 * src/main/c/protocol.h (a string or a number) is a constant of {@link HelperProtocol} with the
 * same name and value, and HelperProtocol has no constant the header lacks.
 */
class HelperProtocolTest {

    static final Path HEADER = Path.of("src/main/c/protocol.h");
    static final Pattern DEFINE = Pattern.compile("^#define\\s+(\\w+)(?:\\s+(.*?))?\\s*$");

    @Test
    void everyDefineOfProtocolHIsTheJavaConstantOfTheSameName() throws Exception {
        Map<String, Object> c = new TreeMap<>();
        for (String line : Files.readAllLines(HEADER)) {
            Matcher m = DEFINE.matcher(line);
            if (!m.matches() || m.group(2) == null) continue; // the include guard has no value
            String v = m.group(2);
            if (v.startsWith("\"")) {
                assertFalse(v.length() < 2 || !v.endsWith("\"") || v.substring(1, v.length() - 1).contains("\\"),
                        "a plain string: " + line);
                c.put(m.group(1), v.substring(1, v.length() - 1));
            } else {
                c.put(m.group(1), Long.parseLong(v)); // a plain decimal number, or this fails
            }
        }
        assertFalse(c.isEmpty(), "no #define read from " + HEADER.toAbsolutePath());

        Map<String, Object> java = new TreeMap<>();
        for (Field f : HelperProtocol.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || !Modifier.isFinal(f.getModifiers())) continue;
            f.setAccessible(true);
            java.put(f.getName(), f.get(null));
        }
        assertEquals(c, java, "protocol.h (left) and HelperProtocol.java (right)");
    }
}
