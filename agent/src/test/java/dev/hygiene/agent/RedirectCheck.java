package dev.hygiene.agent;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.util.Printer;
import org.objectweb.asm.util.TraceClassVisitor;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks a redirected class against the original from the outside, with ASM reading both: what
 * {@link CallRedirect} promises, and nothing more, changed.
 * <ul>
 *   <li>bytes: the constant pool is the original one with six entries appended, the last a
 *       Methodref of the new owner, name and descriptor; everything after the pool (fields,
 *       methods, code, exception tables, stack maps, attributes) is byte for byte the original,
 *       except 3 bytes per redirected call: the call's opcode becomes invokestatic and its index
 *       the new Methodref (so no instruction changes length and nothing moves);</li>
 *   <li>instructions, as ASM prints both classes: the same lines, except that each redirected
 *       call, in the method named by the redirect, now names the new owner, name and
 *       descriptor.</li>
 * </ul>
 */
final class RedirectCheck {

    private RedirectCheck() {}

    /** Applies R to a copy of BEFORE, asserts the input was not modified, and returns the result. */
    static byte[] apply(CallRedirect r, byte[] before) {
        byte[] copy = before.clone();
        try {
            return r.apply(copy);
        } finally {
            assertArrayEquals(before, copy, "apply modified its input");
        }
    }

    /** Asserts that AFTER is BEFORE with exactly CALLS calls redirected by R. */
    static void assertRedirected(CallRedirect r, byte[] before, byte[] after, int calls) {
        InstructionOffsets.assertAsAsm(before, "the original class");
        assertEquals(calls, patchedCalls(r, before, after), "calls redirected, counted in the bytes");
        assertEquals(calls, changedLines(r, before, after), "calls redirected, counted in the instructions");
    }

    /** Checks the bytes; returns the number of 3-byte call patches after the constant pool. */
    private static int patchedCalls(CallRedirect r, byte[] before, byte[] after) {
        ClassReader b = new ClassReader(before), a = new ClassReader(after);
        int count = b.getItemCount();
        assertEquals(count + 6, a.getItemCount(), "constant pool entries: six appended");
        int added = a.header - b.header;
        assertEquals(before.length + added, after.length, "class file length: only the pool grew");

        // The pool: the original entries unchanged, then the new ones, ending with the Methodref.
        assertArrayEquals(Arrays.copyOfRange(before, 0, 8), Arrays.copyOfRange(after, 0, 8), "magic and version");
        assertArrayEquals(Arrays.copyOfRange(before, 10, b.header), Arrays.copyOfRange(after, 10, b.header),
                "the original constant pool entries");
        int newIndex = count + 5;
        assertEquals(r.newOwner + "." + r.newName + r.newDesc, methodref(a, newIndex), "the appended Methodref");

        // Everything after the pool: the original, but for the patched calls.
        int patches = 0;
        for (int i = 0, n = before.length - b.header; i < n; i++) {
            if (before[b.header + i] == after[a.header + i]) continue;
            int q = -1;
            for (int c = Math.max(0, i - 2); c <= i && c + 2 < n && q < 0; c++) {
                int at = b.header + c, to = a.header + c;
                if ((before[at] & 0xff) == r.opcode && (after[to] & 0xff) == CallRedirect.INVOKESTATIC
                        && u2(after, to + 1) == newIndex
                        && (r.owner + "." + r.name + r.desc).equals(methodref(b, u2(before, at + 1)))) {
                    q = c;
                }
            }
            if (q < 0) {
                fail("byte " + (b.header + i) + " of the original (after the constant pool) changed from "
                        + (before[b.header + i] & 0xff) + " to " + (after[a.header + i] & 0xff)
                        + ", and not as part of a redirected call");
            }
            patches++;
            i = q + 2;
        }
        return patches;
    }

    /** Compares ASM's printout of both classes; returns the number of redirected call lines. */
    private static int changedLines(CallRedirect r, byte[] before, byte[] after) {
        List<String> b = text(before), a = text(after);
        assertEquals(b.size(), a.size(), "lines of the printed class");
        String oldCall = "    " + Printer.OPCODES[r.opcode] + " " + r.owner + "." + r.name
                + (r.opcode == CallRedirect.GETSTATIC ? " : " : " ") + r.desc;
        String newCall = "    INVOKESTATIC " + r.newOwner + "." + r.newName + " " + r.newDesc;
        String method = "";
        int changed = 0;
        for (int i = 0; i < b.size(); i++) {
            String line = b.get(i);
            if (line.startsWith("  ") && !line.startsWith("   ") && !line.startsWith("  //") && !line.startsWith("  @")) {
                method = line;
            }
            if (line.equals(a.get(i))) continue;
            assertEquals(oldCall, line, "line " + i + " before (" + method.trim() + ")");
            assertEquals(newCall, a.get(i), "line " + i + " after (" + method.trim() + ")");
            assertTrue(method.contains(" " + r.inMethod + r.inDesc), "a call redirected outside "
                    + r.inMethod + r.inDesc + ": in " + method.trim());
            changed++;
        }
        return changed;
    }

    /** The class as ASM prints it (reading it all, so this also checks that it parses), by line. */
    static List<String> text(byte[] b) {
        StringWriter s = new StringWriter();
        new ClassReader(b).accept(new TraceClassVisitor(new PrintWriter(s)), 0);
        return new ArrayList<>(s.toString().lines().toList());
    }

    /** "owner.name desc" of the Methodref (or Fieldref) at INDEX, or what else is there. */
    private static String methodref(ClassReader r, int index) {
        int item = r.getItem(index);
        int tag = r.readByte(item - 1);
        if (tag != 10 && tag != 9) return "constant " + index + " has tag " + tag + ", not a Methodref or Fieldref";
        char[] buf = new char[r.getMaxStringLength()];
        int nat = r.getItem(r.readUnsignedShort(item + 2));
        return r.readClass(item, buf) + "." + r.readUTF8(nat, buf) + r.readUTF8(nat + 2, buf);
    }

    private static int u2(byte[] b, int p) {
        return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }
}
