package io.pgmux.bench.sys;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The machine a result was measured on, for the report's header. */
public final class HostInfo {
    private HostInfo() {}

    public static Map<String, Object> describe() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("cpu_model", cpuModel());
        info.put("cpus", Runtime.getRuntime().availableProcessors());
        info.put("memory_gb", Math.round(memTotalKb() / 1024.0 / 1024.0 * 10) / 10.0);
        info.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        info.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        return info;
    }

    /** The 1-, 5- and 15-minute load averages ("0.52 0.61 0.70"): how busy the machine was. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** CPU seconds this JVM has used so far. */
    public static double ownCpuSeconds() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static long memTotalKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return 0;
    }
}
