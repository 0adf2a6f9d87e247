package dev.hygiene.agent;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Where each instruction of each method starts, found twice: by ASM, and by stepping through the
 * code with {@link CallRedirect#instructionLength}. A wrong length in CallRedirect's table can go
 * unnoticed by a redirect (an operand byte read as an opcode often falls back in step), but not
 * here.
 */
final class InstructionOffsets {

    private InstructionOffsets() {}

    /** Asserts that CallRedirect finds the instructions of every method of class B where ASM does. */
    static void assertAsAsm(byte[] b, String what) {
        assertEquals(asm(b), walked(b), "instruction offsets of each method of " + what + " (ASM's, then CallRedirect's)");
    }

    /** Method name and descriptor to the offsets of its instructions, as ASM reads them. */
    static Map<String, List<Integer>> asm(byte[] b) {
        Map<String, List<Integer>> methods = new LinkedHashMap<>();
        List<List<Integer>> current = new ArrayList<>(List.of(new ArrayList<>()));
        ClassReader r = new ClassReader(b) {
            @Override
            protected void readBytecodeInstructionOffset(int offset) {
                current.get(0).add(offset);
            }
        };
        r.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
                List<Integer> offsets = new ArrayList<>();
                current.set(0, offsets);
                methods.put(name + desc, offsets);
                return new MethodVisitor(Opcodes.ASM9) {};
            }
        }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return methods;
    }

    /** The same, stepping from each instruction to the next by CallRedirect's lengths. */
    static Map<String, List<Integer>> walked(byte[] b) {
        ClassReader r = new ClassReader(b);
        CallRedirect.Reader code = new CallRedirect.Reader(b);
        char[] buf = new char[r.getMaxStringLength()];
        Map<String, List<Integer>> methods = new LinkedHashMap<>();
        int p = r.header + 6;                                   // access, this, super
        p += 2 + 2 * r.readUnsignedShort(p);                    // interfaces
        int fields = r.readUnsignedShort(p);
        p += 2;
        for (int i = 0; i < fields; i++) p = skipAttributes(r, p + 6);
        int count = r.readUnsignedShort(p);
        p += 2;
        for (int i = 0; i < count; i++) {
            List<Integer> offsets = new ArrayList<>();
            methods.put(r.readUTF8(p + 2, buf) + r.readUTF8(p + 4, buf), offsets);
            int a = p + 8;
            for (int k = 0, attrs = r.readUnsignedShort(p + 6); k < attrs; k++) {
                if (r.readUTF8(a, buf).equals("Code")) {
                    int start = a + 14, length = r.readInt(a + 10);
                    for (int pc = 0; pc < length; pc += CallRedirect.instructionLength(code, start, pc, code.u1(start + pc))) {
                        offsets.add(pc);
                    }
                }
                a += 6 + r.readInt(a + 2);
            }
            p = a;
        }
        return methods;
    }

    /** Skips the attributes count and attributes at P. */
    private static int skipAttributes(ClassReader r, int p) {
        int n = r.readUnsignedShort(p);
        p += 2;
        for (int i = 0; i < n; i++) p += 6 + r.readInt(p + 2);
        return p;
    }
}
