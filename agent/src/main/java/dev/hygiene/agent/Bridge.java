package dev.hygiene.agent;

import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ProcessBuilder.Redirect;
import java.util.Map;

/**
 * The bridge between the JDK and the agent: a class {@code java.lang.ProcessHygieneHook}, defined
 * in the bootstrap loader, package-private, with two static MethodHandle fields and two static
 * methods that call them. The instrumented ProcessImpl calls those methods; the handles point to
 * {@link Hooks} in the agent's loader. Only JDK types cross.
 */
final class Bridge {

    static final String NAME = "java/lang/ProcessHygieneHook";
    static final String START_DESC =
            "([Ljava/lang/String;Ljava/util/Map;Ljava/lang/String;[Ljava/lang/ProcessBuilder$Redirect;Z)Ljava/lang/Process;";
    static final String DESTROY_DESC = "(Ljava/lang/ProcessHandle;Z)Z";

    private static volatile boolean defined;

    private Bridge() {}

    /** Defines the bridge (once) in java.lang and points it at {@link Hooks}. */
    static synchronized void define() throws ReflectiveOperationException {
        if (defined) return;
        MethodHandles.Lookup javaLang = MethodHandles.privateLookupIn(Process.class, MethodHandles.lookup());
        Class<?> bridge = javaLang.defineClass(bytes());
        MethodHandles.Lookup own = MethodHandles.lookup();
        MethodHandle start = own.findStatic(Hooks.class, "start", MethodType.methodType(
                Process.class, String[].class, Map.class, String.class, Redirect[].class, boolean.class));
        MethodHandle destroy = own.findStatic(Hooks.class, "destroyProcess",
                MethodType.methodType(boolean.class, ProcessHandle.class, boolean.class));
        javaLang.findStaticVarHandle(bridge, "START", MethodHandle.class).setVolatile(start);
        javaLang.findStaticVarHandle(bridge, "DESTROY", MethodHandle.class).setVolatile(destroy);
        defined = true;
    }

    static byte[] bytes() {
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_FINAL | Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC, NAME, null,
                "java/lang/Object", null);
        String mh = "Ljava/lang/invoke/MethodHandle;";
        cw.visitField(Opcodes.ACC_STATIC | Opcodes.ACC_VOLATILE, "START", mh, null, null).visitEnd();
        cw.visitField(Opcodes.ACC_STATIC | Opcodes.ACC_VOLATILE, "DESTROY", mh, null, null).visitEnd();

        MethodVisitor start = cw.visitMethod(Opcodes.ACC_STATIC, "start", START_DESC, null,
                new String[] {"java/io/IOException"});
        start.visitCode();
        start.visitFieldInsn(Opcodes.GETSTATIC, NAME, "START", mh);
        start.visitVarInsn(Opcodes.ALOAD, 0);
        start.visitVarInsn(Opcodes.ALOAD, 1);
        start.visitVarInsn(Opcodes.ALOAD, 2);
        start.visitVarInsn(Opcodes.ALOAD, 3);
        start.visitVarInsn(Opcodes.ILOAD, 4);
        start.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/invoke/MethodHandle", "invokeExact", START_DESC, false);
        start.visitInsn(Opcodes.ARETURN);
        start.visitMaxs(6, 5);
        start.visitEnd();

        MethodVisitor destroy = cw.visitMethod(Opcodes.ACC_STATIC, "destroyProcess", DESTROY_DESC, null, null);
        destroy.visitCode();
        destroy.visitFieldInsn(Opcodes.GETSTATIC, NAME, "DESTROY", mh);
        destroy.visitVarInsn(Opcodes.ALOAD, 0);
        destroy.visitVarInsn(Opcodes.ILOAD, 1);
        destroy.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/invoke/MethodHandle", "invokeExact", DESTROY_DESC, false);
        destroy.visitInsn(Opcodes.IRETURN);
        destroy.visitMaxs(3, 2);
        destroy.visitEnd();

        cw.visitEnd();
        return cw.toByteArray();
    }
}
