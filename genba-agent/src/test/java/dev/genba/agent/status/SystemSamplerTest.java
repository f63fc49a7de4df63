package dev.genba.agent.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemSamplerTest {
    @TempDir
    Path root;

    private void write(String file, String content) throws Exception {
        Path path = root.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, content);
    }

    @Test
    void reads_memory_temperature_uptime_and_boot_time_from_proc_and_sys() throws Exception {
        write("proc/stat", "cpu  100 0 100 800 0 0 0 0 0 0\nbtime 1795461618\n");
        write("proc/meminfo", "MemTotal:         500000 kB\nMemFree:  100000 kB\nMemAvailable:     125000 kB\n");
        write("proc/uptime", "3600.52 7000.10\n");
        write("proc/sys/kernel/hostname", "handheld-01\n");
        write("sys/class/thermal/thermal_zone0/temp", "48312\n");

        SystemSample sample = new SystemSampler(root).sample(null);

        assertThat(sample.memoryUsage()).isEqualTo(75.0);
        assertThat(sample.temperature()).isEqualTo(48.3);
        assertThat(sample.uptimeSeconds()).isEqualTo(3600);
        assertThat(sample.lastBoot()).isEqualTo(Instant.ofEpochSecond(1795461618));
        assertThat(sample.hostname()).isEqualTo("handheld-01");
    }

    @Test
    void cpu_usage_is_the_busy_share_between_two_samples() {
        assertThat(SystemSampler.cpuUsage(new long[] {200, 1000}, new long[] {250, 1100})).isEqualTo(50.0);
        assertThat(SystemSampler.cpuUsage(new long[] {200, 1000}, new long[] {200, 1000})).isNull();
        assertThat(SystemSampler.cpuUsage(null, new long[] {200, 1000})).isNull();
    }

    @Test
    void a_pi_without_a_thermal_zone_reports_no_temperature() throws Exception {
        write("proc/stat", "cpu  1 0 1 8 0 0 0 0 0 0\n");

        assertThat(new SystemSampler(root).sample(null).temperature()).isNull();
    }

    @Test
    void a_sensor_reading_what_no_pi_can_be_is_left_out_so_the_server_still_takes_the_report() throws Exception {
        write("proc/stat", "cpu  1 0 1 8 0 0 0 0 0 0\n");
        for (String broken : List.of("-274000", "2147483647", "150100")) {
            write("sys/class/thermal/thermal_zone0/temp", broken + "\n");
            assertThat(new SystemSampler(root).sample(null).temperature()).as(broken).isNull();
        }
        write("sys/class/thermal/thermal_zone0/temp", "-20000\n");
        assertThat(new SystemSampler(root).sample(null).temperature()).isEqualTo(-20.0);
        write("sys/class/thermal/thermal_zone0/temp", "150000\n");
        assertThat(new SystemSampler(root).sample(null).temperature()).isEqualTo(150.0);
    }

    /** /proc/net/route of a Pi on Wi-Fi with Docker and WireGuard up (Destination, Gateway and Mask in hex). */
    private static final String ROUTES = """
            Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
            wlan0\t00000000\t010AA8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
            docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
            wg0\t0000080A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
            wlan0\t000AA8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0
            """;

    /** As the JDK lists them on Linux: the interface created last first. */
    private static final List<SystemSampler.Interface> INTERFACES = List.of(
            new SystemSampler.Interface("docker0", true, List.of("172.17.0.1")),
            new SystemSampler.Interface("wg0", true, List.of("10.8.0.2")),
            new SystemSampler.Interface("wlan0", true, List.of("192.168.10.21")),
            new SystemSampler.Interface("lo", false, List.of("127.0.0.1")));

    @Test
    void the_ip_address_is_the_default_route_s_interface_s_even_when_newer_interfaces_are_listed_first() {
        List<String> defaultRoutes = SystemSampler.routeInterfaces(ROUTES.lines().toList(), null);

        assertThat(defaultRoutes).containsExactly("wlan0");
        assertThat(SystemSampler.ipAddress(defaultRoutes, INTERFACES)).isEqualTo("192.168.10.21");
    }

    @Test
    void of_two_default_routes_the_one_with_the_lowest_metric_wins() {
        String routes = ROUTES + "eth0\t00000000\t010AA8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n";

        assertThat(SystemSampler.routeInterfaces(routes.lines().toList(), null)).containsExactly("eth0", "wlan0");
    }

    @Test
    void a_vpn_s_two_half_routes_are_not_taken_for_the_default_route() {
        // OpenVPN's redirect-gateway def1: 0.0.0.0/1 and 128.0.0.0/1 through tun0, metric 0
        String routes = ROUTES + "tun0\t00000000\t0100080A\t0003\t0\t0\t0\t00000080\t0\t0\t0\n"
                + "tun0\t00000080\t0100080A\t0003\t0\t0\t0\t00000080\t0\t0\t0\n";

        assertThat(SystemSampler.routeInterfaces(routes.lines().toList(), null)).containsExactly("wlan0");
    }

    @Test
    void the_interface_the_route_to_the_server_leaves_by_gives_the_address_even_beside_a_default_route()
            throws Exception {
        // The server is on the factory's wired LAN (eth0, 10.20.0.0/16); the default route is the Wi-Fi.
        String routes = ROUTES + "eth0\t0000140A\t00000000\t0001\t0\t0\t100\t0000FFFF\t0\t0\t0\n";
        List<SystemSampler.Interface> interfaces = new ArrayList<>(INTERFACES);
        interfaces.add(new SystemSampler.Interface("eth0", true, List.of("10.20.3.7")));

        List<String> toServer = SystemSampler.routeInterfaces(routes.lines().toList(), ipv4("10.20.1.5"));

        assertThat(toServer).containsExactly("eth0", "wlan0");
        assertThat(SystemSampler.ipAddress(toServer, interfaces)).isEqualTo("10.20.3.7");
        assertThat(SystemSampler.routeInterfaces(routes.lines().toList(), ipv4("192.168.10.5")))
                .containsExactly("wlan0");
        assertThat(SystemSampler.routeInterfaces(routes.lines().toList(), ipv4("8.8.8.8"))).containsExactly("wlan0");
    }

    @Test
    void on_a_closed_lan_without_a_default_route_the_route_to_the_server_still_decides() throws Exception {
        List<String> closedLan = ROUTES.lines().filter(line -> !line.matches("\\S+\t00000000\t.*")).toList();

        List<String> toServer = SystemSampler.routeInterfaces(closedLan, ipv4("192.168.10.2"));

        assertThat(toServer).containsExactly("wlan0");
        assertThat(SystemSampler.ipAddress(toServer, INTERFACES)).isEqualTo("192.168.10.21");
    }

    @Test
    void of_two_routes_to_the_server_the_more_specific_one_wins_over_a_lower_metric() throws Exception {
        String routes = ROUTES + "eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n";

        assertThat(SystemSampler.routeInterfaces(routes.lines().toList(), ipv4("192.168.10.2")))
                .containsExactly("wlan0", "eth0");
        assertThat(SystemSampler.routeInterfaces(routes.lines().toList(), ipv4("192.168.99.2")))
                .containsExactly("eth0", "wlan0");
    }

    private static Inet4Address ipv4(String literal) throws Exception {
        return (Inet4Address) InetAddress.getByName(literal);
    }

    @Test
    void without_a_usable_default_route_the_first_interface_that_is_up_gives_the_ip_address() {
        List<String> closedLan = ROUTES.lines().filter(line -> !line.contains("\t00000000\t")).toList();

        assertThat(SystemSampler.routeInterfaces(closedLan, null)).isEmpty();
        assertThat(SystemSampler.ipAddress(List.of(), INTERFACES)).isEqualTo("172.17.0.1");
        assertThat(SystemSampler.ipAddress(List.of("wlan0"), List.of(
                new SystemSampler.Interface("docker0", true, List.of("172.17.0.1")),
                new SystemSampler.Interface("wlan0", false, List.of("192.168.10.21"))))).isEqualTo("172.17.0.1");
        assertThat(SystemSampler.ipAddress(List.of(), List.of(INTERFACES.get(3)))).isNull();
    }

    @Test
    void on_this_machine_the_address_follows_the_route_table_under_the_sampler_s_root() throws Exception {
        // The interface the JDK lists last: the one the old "first interface" rule would not pick.
        NetworkInterface last = null;
        for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (network.isUp() && !network.isLoopback()
                    && Collections.list(network.getInetAddresses()).stream().anyMatch(Inet4Address.class::isInstance)) {
                last = network;
            }
        }
        assumeTrue(last != null, "this machine has no IPv4 interface besides loopback");
        String expected = Collections.list(last.getInetAddresses()).stream()
                .filter(Inet4Address.class::isInstance).findFirst().orElseThrow().getHostAddress();
        write("proc/stat", "cpu  1 0 1 8 0 0 0 0 0 0\n");
        write("proc/net/route", ROUTES.replace("wlan0", last.getName()));

        assertThat(new SystemSampler(root).sample(null).ipAddress()).isEqualTo(expected);
    }

    @Test
    void disk_usage_agrees_with_df_the_blocks_reserved_for_root_count_as_neither_used_nor_available() {
        // df / on a 32 GB card: 30358348 1K-blocks, 6089864 used, 22970608 available, Use% 21%
        long total = 30_358_348L * 1024;
        long free = (30_358_348L - 6_089_864L) * 1024;
        long available = 22_970_608L * 1024;

        assertThat(SystemSampler.diskUsage(total, free, available)).isEqualTo(21.0);
        assertThat(SystemSampler.diskUsage(total, free - available, 0)).as("full for the agent").isEqualTo(100.0);
        assertThat(SystemSampler.diskUsage(0, 0, 0)).as("a file system without blocks").isNull();
    }
}
