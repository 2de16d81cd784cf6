package io.pgmux.proxy.cli;

/** The process-wide calls the daemon makes, behind an interface so tests can play the JVM. */
interface Jvm {
    void addShutdownHook(Thread hook);

    /** Returns false if the JVM is already shutting down (the hook is running or about to). */
    boolean removeShutdownHook(Thread hook);

    /** Ends the process with {@code status} without running the remaining shutdown hooks. */
    void halt(int status);

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
    };
}
