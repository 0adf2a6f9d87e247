package dev.hygiene.agent;

import dev.hygiene.core.Log;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;

/**
 * Instruments {@code java.lang.ProcessImpl} (same shape on JDK 17 and 25) in two places, adding no
 * field and no method, so that the same transformation also works as a retransformation:
 * <ul>
 *   <li>{@code static Process start(String[], Map, String, Redirect[], boolean)}, which
 *       ProcessBuilder.start, startPipeline and Runtime.exec all reach: on entry
 *       <pre>  Process p = ProcessHygieneHook.start(args...); if (p != null) return p;</pre>
 *       the hook returns null for the agent's own starts, which then run the original body;</li>
 *   <li>{@code private void destroy(boolean)}: its call
 *       {@code processHandle.destroyProcess(force)} becomes
 *       {@code ProcessHygieneHook.destroyProcess(processHandle, force)}, so that the JDK's own
 *       checks (only a child that has not exited) and stream closing stay as they are.</li>
 * </ul>
 */
final class ProcessImplTransformer implements ClassFileTransformer {

    static final String TARGET = "java/lang/ProcessImpl";
    static final String TARGET_NAME = "java.lang.ProcessImpl";

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                            byte[] bytes) {
        if (loader != null || !TARGET.equals(className)) return null;
        try {
            Bridge.define();
            byte[] out = instrument(bytes);
            Log.debug("instrumented " + TARGET_NAME);
            return out;
        } catch (Throwable t) {
            Log.error("cannot instrument " + TARGET_NAME + " (" + t + "); processes start as without the agent");
            return null;
        }
    }

    static byte[] instrument(byte[] bytes) {
        ClassReader reader = new ClassReader(bytes);
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        int[] found = new int[2];
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, desc, sig, exceptions);
                if (name.equals("start") && desc.equals(Bridge.START_DESC) && (access & Opcodes.ACC_STATIC) != 0) {
                    found[0]++;
                    return new StartEntry(mv);
                }
                if (name.equals("destroy") && desc.equals("(Z)V")) {
                    return new DestroyCall(mv, found);
                }
                return mv;
            }
        }, 0);
        if (found[0] != 1) throw new IllegalStateException("ProcessImpl.start" + Bridge.START_DESC + " not found");
        if (found[1] != 1) throw new IllegalStateException("ProcessImpl.destroy(boolean) calls destroyProcess "
                + found[1] + " times, expected once");
        return writer.toByteArray();
    }

    /** On entry: if the hook returns a Process, return it. */
    private static final class StartEntry extends MethodVisitor {
        StartEntry(MethodVisitor mv) {
            super(Opcodes.ASM9, mv);
        }

        @Override
        public void visitCode() {
            super.visitCode();
            for (int i = 0; i < 4; i++) super.visitVarInsn(Opcodes.ALOAD, i);
            super.visitVarInsn(Opcodes.ILOAD, 4);
            super.visitMethodInsn(Opcodes.INVOKESTATIC, Bridge.NAME, "start", Bridge.START_DESC, false);
            super.visitInsn(Opcodes.DUP);
            Label plain = new Label();
            super.visitJumpInsn(Opcodes.IFNULL, plain);
            super.visitInsn(Opcodes.ARETURN);
            super.visitLabel(plain);
            super.visitFrame(Opcodes.F_SAME1, 0, null, 1, new Object[] {"java/lang/Process"});
            super.visitInsn(Opcodes.POP);
        }
    }

    /** Redirects the one call of ProcessHandleImpl.destroyProcess(boolean) to the hook. */
    private static final class DestroyCall extends MethodVisitor {
        private final int[] found;

        DestroyCall(MethodVisitor mv, int[] found) {
            super(Opcodes.ASM9, mv);
            this.found = found;
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String desc, boolean itf) {
            if (opcode == Opcodes.INVOKEVIRTUAL && owner.equals("java/lang/ProcessHandleImpl")
                    && name.equals("destroyProcess") && desc.equals("(Z)Z")) {
                found[1]++;
                super.visitMethodInsn(Opcodes.INVOKESTATIC, Bridge.NAME, "destroyProcess", Bridge.DESTROY_DESC, false);
                return;
            }
            super.visitMethodInsn(opcode, owner, name, desc, itf);
        }
    }
}
