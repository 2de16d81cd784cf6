package io.pgmux.bench.load;

import java.io.PrintWriter;

/** The live progress line. On a terminal it is rewritten in place; elsewhere printed every 5 s. */
public interface Progress {

    Progress NONE = new Progress() {
        @Override
        public void update(String line) {
        }

        @Override
        public void end() {
        }
    };

    void update(String line);

    /** Ends the current line (the next update starts a new one). */
    void end();

    static Progress console(PrintWriter out, boolean terminal) {
        return new Progress() {
            private long lastPrinted;
            private int lastLength;
            private boolean open;

            @Override
            public synchronized void update(String line) {
                if (terminal) {
                    StringBuilder sb = new StringBuilder("\r").append(line);
                    for (int i = line.length(); i < lastLength; i++) {
                        sb.append(' ');
                    }
                    out.print(sb);
                    out.flush();
                    lastLength = line.length();
                    open = true;
                } else {
                    long now = System.nanoTime();
                    if (now - lastPrinted >= 5_000_000_000L) {
                        out.println(line);
                        out.flush();
                        lastPrinted = now;
                    }
                }
            }

            @Override
            public synchronized void end() {
                if (open) {
                    out.println();
                    out.flush();
                    open = false;
                    lastLength = 0;
                }
                lastPrinted = 0;
            }
        };
    }
}
