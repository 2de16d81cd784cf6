package io.pgmux.proxy.cli;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Proxy;

/** The process-wide calls the daemon makes, behind an interface so tests can play the JVM. */
interface Jvm {
    void addShutdownHook(Thread hook);

    /** Returns false if the JVM is already shutting down (the hook is running or about to). */
    boolean removeShutdownHook(Thread hook);

    /** Ends the process with {@code status} without running the remaining shutdown hooks. */
    void halt(int status);

    /** What became of a request to run an action on SIGHUP. */
    enum Hangup {
        /** The action runs on every SIGHUP. */
        CAUGHT,
        /** The process was started with SIGHUP ignored (nohup does that); the JVM keeps ignoring it. */
        IGNORED,
        /** This JVM cannot catch signals. */
        UNSUPPORTED
    }

    /** Runs {@code action} on every SIGHUP, if it can. */
    Hangup onHangup(Runnable action);

    /**
     * Whether an OutOfMemoryError ends the process (-XX:+ExitOnOutOfMemoryError, or
     * -XX:+CrashOnOutOfMemoryError); false when the JVM cannot tell.
     */
    boolean exitsOnOutOfMemoryError();

    Jvm RUNTIME = new Jvm() {
        @Override
        public void addShutdownHook(Thread hook) {
            Runtime.getRuntime().addShutdownHook(hook);
        }

        @Override
        public boolean removeShutdownHook(Thread hook) {
            try {
                return Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                return false;
            }
        }

        @Override
        public void halt(int status) {
            Runtime.getRuntime().halt(status);
        }

        /** Through {@code sun.misc.Signal} (module jdk.unsupported), found by reflection so that its absence is no error. */
        @Override
        public Hangup onHangup(Runnable action) {
            try {
                Class<?> signalClass = Class.forName("sun.misc.Signal");
                Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
                Object signal = signalClass.getConstructor(String.class).newInstance("HUP");
                Object handler = Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass},
                        (proxy, method, args) -> {
                            switch (method.getName()) {
                                case "handle" -> action.run();
                                case "hashCode" -> {
                                    return System.identityHashCode(proxy);
                                }
                                case "equals" -> {
                                    return proxy == args[0];
                                }
                                case "toString" -> {
                                    return "pgmux SIGHUP handler";
                                }
                                default -> {
                                }
                            }
                            return null;
                        });
                Object previous = signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
                // Under an ignored SIGHUP the JVM answers "it was ignored" and installs nothing.
                return previous == handlerClass.getField("SIG_IGN").get(null) ? Hangup.IGNORED : Hangup.CAUGHT;
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return Hangup.UNSUPPORTED;
            }
        }

        /** Asked of HotSpot's diagnostic bean (module jdk.management, in every JDK and JRE image of HotSpot). */
        @Override
        public boolean exitsOnOutOfMemoryError() {
            try {
                HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
                return hotSpot != null && (isOn(hotSpot, "ExitOnOutOfMemoryError") || isOn(hotSpot, "CrashOnOutOfMemoryError"));
            } catch (RuntimeException | LinkageError e) {
                return false;
            }
        }

        private static boolean isOn(HotSpotDiagnosticMXBean hotSpot, String option) {
            return Boolean.parseBoolean(hotSpot.getVMOption(option).getValue());
        }
    };
}
