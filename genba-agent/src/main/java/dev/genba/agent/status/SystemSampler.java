package dev.genba.agent.status;

import dev.genba.protocol.ClientStatusReport;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    /** {@code serverHost} (of {@code server_url}) decides which interface's address is reported; may be null. */
    public SystemSample sample(String serverHost) throws InterruptedException {
        long[] before = cpuTimes();
        Thread.sleep(CPU_SAMPLE_GAP_MS);
        long[] after = cpuTimes();
        return new SystemSample(cpuUsage(before, after), memoryUsage(), diskUsage(), temperature(), uptimeSeconds(),
                lastBoot(), hostname(), ipAddress(serverHost));
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

    /**
     * Null when there is no sensor, and when it reads what no Pi can be (a failing sensor or driver
     * gives values such as -274 or 2147483 °C): the server refuses a report with such a temperature
     * as a whole, and the Pi would turn red on the fleet page while it works.
     */
    private Double temperature() {
        Path file = root.resolve("sys/class/thermal/thermal_zone0/temp");
        try {
            double celsius = Math.round(Long.parseLong(Files.readString(file).trim()) / 100.0) / 10.0;
            return celsius < ClientStatusReport.MIN_TEMPERATURE || celsius > ClientStatusReport.MAX_TEMPERATURE
                    ? null : celsius;
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
     * The IPv4 address of the interface the kernel would send to the server by: the address the
     * server and the fleet page see, even on a closed LAN without a default route, and even when
     * docker0, wg0 or usb0 came up after wlan0 (the JDK lists the newest interface first). Without a
     * route to the server (its name does not resolve, or it is this machine), the default route's
     * interface, and without one, the first IPv4 address of any interface that is up.
     */
    private String ipAddress(String serverHost) {
        List<String> routes;
        try {
            routes = routeInterfaces(Files.readAllLines(root.resolve("proc/net/route")), serverAddress(serverHost));
        } catch (IOException | RuntimeException e) {
            routes = List.of();
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
            return ipAddress(routes, interfaces);
        } catch (SocketException e) {
            return null;
        }
    }

    /** The server's IPv4 address, or null when it has none that routes off this machine (or does not resolve). */
    private static Inet4Address serverAddress(String serverHost) {
        if (serverHost == null || serverHost.isEmpty()) {
            return null;
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(serverHost)) {
                if (address instanceof Inet4Address ipv4 && !ipv4.isLoopbackAddress()) {
                    return ipv4;
                }
            }
        } catch (IOException e) {
            // no name service on this LAN right now: fall back on the default route
        }
        return null;
    }

    /** A network interface as the address choice sees it; {@code usable} is up and not loopback. */
    record Interface(String name, boolean usable, List<String> ipv4Addresses) {
    }

    static String ipAddress(List<String> routeInterfaces, List<Interface> interfaces) {
        for (String name : routeInterfaces) {
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
     * The interfaces of the IPv4 routes in {@code /proc/net/route} that lead to {@code target}, most
     * specific first and then lowest metric, as the kernel chooses among them. The default routes
     * (destination and mask 0; not a VPN's 0.0.0.0/1 halves) lead everywhere, and are all there is
     * when {@code target} is null. Destination and mask are hex in the machine's byte order.
     */
    static List<String> routeInterfaces(List<String> routeLines, Inet4Address target) {
        record Route(String iface, int prefix, long metric) {
        }
        int to = target == null ? 0 : ByteBuffer.wrap(target.getAddress()).getInt();
        List<Route> matching = new ArrayList<>();
        for (String line : routeLines) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length <= 7 || !fields[1].matches("[0-9A-Fa-f]{8}") || !fields[7].matches("[0-9A-Fa-f]{8}")) {
                continue; // the heading, or a line this parser does not know
            }
            int destination = networkOrder(fields[1]);
            int mask = networkOrder(fields[7]);
            boolean isDefault = destination == 0 && mask == 0;
            if (isDefault || (target != null && (to & mask) == destination)) {
                matching.add(new Route(fields[0], Integer.bitCount(mask), Long.parseLong(fields[6])));
            }
        }
        matching.sort(Comparator.comparingInt(Route::prefix).reversed().thenComparingLong(Route::metric));
        return matching.stream().map(Route::iface).distinct().toList();
    }

    /** An address or mask of /proc/net/route (the kernel's bytes printed as one native-order int) in network order. */
    private static int networkOrder(String hex) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(Integer.parseUnsignedInt(hex, 16))
                .order(ByteOrder.BIG_ENDIAN).getInt(0);
    }

    private static double percent(double fraction) {
        return Math.round(Math.max(0, Math.min(1, fraction)) * 1000) / 10.0;
    }
}
