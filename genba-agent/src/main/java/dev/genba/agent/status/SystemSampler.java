package dev.genba.agent.status;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * Reads the Pi's health the way the seed's status agent did: CPU from two {@code /proc/stat}
 * samples 0.5 s apart, memory from {@code /proc/meminfo}, disk of {@code /} as {@code df} shows
 * it, temperature from {@code thermal_zone0} when present, the IP address of the default route's
 * interface ({@code /proc/net/route}). {@code root} is "/" except in tests.
 */
public final class SystemSampler {
    private static final long CPU_SAMPLE_GAP_MS = 500;

    private final Path root;

    public SystemSampler(Path root) {
        this.root = root;
    }

    public SystemSample sample() throws InterruptedException {
        long[] before = cpuTimes();
        Thread.sleep(CPU_SAMPLE_GAP_MS);
        long[] after = cpuTimes();
        return new SystemSample(cpuUsage(before, after), memoryUsage(), diskUsage(), temperature(), uptimeSeconds(),
                lastBoot(), hostname(), ipAddress());
    }

    /** {@code [busy, total]} jiffies from the first line of /proc/stat, or null. */
    private long[] cpuTimes() {
        try {
            String line = Files.readAllLines(root.resolve("proc/stat")).get(0);
            String[] fields = line.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(fields.length, 9); i++) {
                total += Long.parseLong(fields[i]);
            }
            long idle = Long.parseLong(fields[4]) + (fields.length > 5 ? Long.parseLong(fields[5]) : 0);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static Double cpuUsage(long[] before, long[] after) {
        if (before == null || after == null || after[1] <= before[1]) {
            return null;
        }
        return percent((double) (after[0] - before[0]) / (after[1] - before[1]));
    }

    private Double memoryUsage() {
        try {
            List<String> lines = Files.readAllLines(root.resolve("proc/meminfo"));
            Long total = meminfo(lines, "MemTotal:");
            Long available = meminfo(lines, "MemAvailable:");
            return total == null || available == null || total == 0 ? null : percent(1 - (double) available / total);
        } catch (IOException e) {
            return null;
        }
    }

    private static Long meminfo(List<String> lines, String key) {
        for (String line : lines) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
            }
        }
        return null;
    }

    private Double diskUsage() {
        try {
            FileStore store = Files.getFileStore(root);
            return diskUsage(store.getTotalSpace(), store.getUnallocatedSpace(), store.getUsableSpace());
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Use% as {@code df} computes it: the blocks reserved for root count neither as used nor as
     * available, so a full disk for the agent (nothing available) reads 100 %.
     */
    static Double diskUsage(long totalBytes, long freeBytes, long availableBytes) {
        long used = totalBytes - freeBytes;
        return used + availableBytes <= 0 ? null : percent((double) used / (used + availableBytes));
    }

    private Double temperature() {
        Path file = root.resolve("sys/class/thermal/thermal_zone0/temp");
        try {
            return Math.round(Long.parseLong(Files.readString(file).trim()) / 100.0) / 10.0;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    private Long uptimeSeconds() {
        try {
            return (long) Double.parseDouble(Files.readString(root.resolve("proc/uptime")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private Instant lastBoot() {
        try {
            for (String line : Files.readAllLines(root.resolve("proc/stat"))) {
                if (line.startsWith("btime ")) {
                    return Instant.ofEpochSecond(Long.parseLong(line.substring(6).trim()));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        return null;
    }

    private String hostname() {
        try {
            return Files.readString(root.resolve("proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException unknown) {
                return null;
            }
        }
    }

    /**
     * The IPv4 address of the default route's interface: the Pi's LAN address even when docker0,
     * wg0 or usb0 came up after wlan0 (the JDK lists the newest interface first). Without a default
     * route (an isolated network), the first IPv4 address of any interface that is up.
     */
    private String ipAddress() {
        List<String> defaultRoutes;
        try {
            defaultRoutes = defaultRouteInterfaces(Files.readAllLines(root.resolve("proc/net/route")));
        } catch (IOException | RuntimeException e) {
            defaultRoutes = List.of();
        }
        try {
            List<Interface> interfaces = new ArrayList<>();
            for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                List<String> addresses = new ArrayList<>();
                for (InetAddress address : Collections.list(network.getInetAddresses())) {
                    if (address instanceof Inet4Address) {
                        addresses.add(address.getHostAddress());
                    }
                }
                interfaces.add(new Interface(network.getName(), network.isUp() && !network.isLoopback(), addresses));
            }
            return ipAddress(defaultRoutes, interfaces);
        } catch (SocketException e) {
            return null;
        }
    }

    /** A network interface as the address choice sees it; {@code usable} is up and not loopback. */
    record Interface(String name, boolean usable, List<String> ipv4Addresses) {
    }

    static String ipAddress(List<String> defaultRouteInterfaces, List<Interface> interfaces) {
        for (String name : defaultRouteInterfaces) {
            for (Interface candidate : interfaces) {
                if (candidate.name().equals(name) && candidate.usable() && !candidate.ipv4Addresses().isEmpty()) {
                    return candidate.ipv4Addresses().get(0);
                }
            }
        }
        for (Interface candidate : interfaces) {
            if (candidate.usable() && !candidate.ipv4Addresses().isEmpty()) {
                return candidate.ipv4Addresses().get(0);
            }
        }
        return null;
    }

    /**
     * The interfaces of the IPv4 default routes in {@code /proc/net/route} (destination and mask 0;
     * not a VPN's 0.0.0.0/1 halves),
     * lowest metric first, as the kernel prefers them.
     */
    static List<String> defaultRouteInterfaces(List<String> routeLines) {
        record Route(String iface, long metric) {
        }
        List<Route> defaults = new ArrayList<>();
        for (String line : routeLines) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length > 7 && fields[1].equals("00000000") && fields[7].equals("00000000")) {
                defaults.add(new Route(fields[0], Long.parseLong(fields[6])));
            }
        }
        defaults.sort(Comparator.comparingLong(Route::metric));
        return defaults.stream().map(Route::iface).toList();
    }

    private static double percent(double fraction) {
        return Math.round(Math.max(0, Math.min(1, fraction)) * 1000) / 10.0;
    }
}
