package dev.hygiene.agent;

import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What LookupHandshake refuses: any static initializer but one that ends in its one return, with
 * no exception handler (the agent then opens java.lang to itself). What it adds to the JDK's own
 * ProcessBuilder, and that the JVM verifies and runs it, is JdkProcessClassesTest's.
 */
class LookupHandshakeTest {

    @Test
    void noStaticInitializer() {
        assertRefused(cls(null), "no static initializer");
    }

    @Test
    void twoReturns() {
        assertRefused(cls(mv -> {
            Label other = new Label();
            mv.visitInsn(Opcodes.ICONST_0);
            mv.visitJumpInsn(Opcodes.IFEQ, other);
            mv.visitInsn(Opcodes.RETURN);
            mv.visitLabel(other);
            mv.visitInsn(Opcodes.RETURN);
        }), "the static initializer does not end in its one return");
    }

    @Test
    void endsInAThrow() {
        assertRefused(cls(mv -> {
            mv.visitInsn(Opcodes.ACONST_NULL);
            mv.visitInsn(Opcodes.ATHROW);
        }), "the static initializer does not end in its one return");
    }

    @Test
    void exceptionHandler() {
        assertRefused(cls(mv -> {
            Label from = new Label(), to = new Label(), handler = new Label(), end = new Label();
            mv.visitTryCatchBlock(from, to, handler, null);
            mv.visitLabel(from);
            mv.visitInsn(Opcodes.NOP);
            mv.visitLabel(to);
            mv.visitJumpInsn(Opcodes.GOTO, end);
            mv.visitLabel(handler);
            mv.visitInsn(Opcodes.POP);
            mv.visitLabel(end);
            mv.visitInsn(Opcodes.RETURN);
        }), "the static initializer has exception handlers");
    }

    private static void assertRefused(byte[] cls, String why) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LookupHandshake.apply(cls));
        assertEquals(why, e.getMessage());
    }

    /** A class syn.C with a static initializer of CLINIT's code, or none. */
    private static byte[] cls(java.util.function.Consumer<MethodVisitor> clinit) {
        ClassWriter w = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        w.visit(Opcodes.V17, Opcodes.ACC_FINAL, "syn/C", null, "java/lang/Object", null);
        if (clinit != null) {
            MethodVisitor mv = w.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
            mv.visitCode();
            clinit.accept(mv);
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }
        w.visitEnd();
        return w.toByteArray();
    }
}
