import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Stream;

/**
 * Load generator for bench/fleet: N simulated agents, each posting a status report every 60 s
 * (report k is due at start + k * 60 s / N, so the load is spread evenly), and on about 1 % of
 * reports a 5-line log batch as well. Each agent keeps its TCP connection from one report to the
 * next, as genba-agent does (it keeps an idle connection 75 s and the server closes one after 90 s);
 * FLEET_NEW_CONNECTIONS=1 opens a new connection per request instead, as agents before that did.
 * Latency is measured from the scheduled send time (open model: a stall delays every later
 * request, so p99 shows it).
 *
 * It also measures CPU itself, at the exact edges of the steady window (after the warm-up):
 * the server JVM (utime+stime of SERVER_PID) and the embedded PostgreSQL (the postmaster's own
 * and its reaped children's times, plus every live child's), from /proc, in clock ticks.
 *
 * java FleetLoad.java HOST PORT AGENTS WARMUP_S MEASURE_S SERVER_PID POSTMASTER_PID [LOG_PERCENT]
 * Agent i (1-based) is FLEET-%05d with key gk_fleetbench_%05d. Prints one JSON line, with the
 * server's resident memory at the end of the window (all agents' connections open).
 */
public final class FleetLoad {
    static final int WORKERS = 16;
    static final double TICKS = 100.0; // USER_HZ on Linux
    static final boolean NEW_CONNECTIONS = "1".equals(System.getenv("FLEET_NEW_CONNECTIONS"));
    /** Each agent's idle connection, taken by the worker that sends for it. */
    static AtomicReferenceArray<Socket> open;

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int agents = Integer.parseInt(args[2]);
        long warmupNs = Long.parseLong(args[3]) * 1_000_000_000L;
        long measureNs = Long.parseLong(args[4]) * 1_000_000_000L;
        long serverPid = Long.parseLong(args[5]);
        long postmasterPid = Long.parseLong(args[6]);
        double logPercent = args.length > 7 ? Double.parseDouble(args[7]) : 1.0;

        Fleet fleet = new Fleet(agents);
        open = new AtomicReferenceArray<>(agents);
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
        Stats reports = new Stats();
        Stats logs = new Stats();
        AtomicLong bodyBytes = new AtomicLong();
        long intervalNs = 60_000_000_000L / agents;
        long start = System.nanoTime();
        long windowStart = start + warmupNs;
        long windowEnd = windowStart + measureNs;
        Cpu cpuStart = null;
        List<String> minutes = new ArrayList<>();
        Cpu minuteMark = null;
        long nextMinute = windowStart + 60_000_000_000L;
        for (long k = 0; ; k++) {
            long due = start + k * intervalNs;
            if (cpuStart == null && due >= windowStart) {
                sleepUntil(windowStart);
                cpuStart = Cpu.read(serverPid, postmasterPid);
                minuteMark = cpuStart;
            }
            if (cpuStart != null && due >= nextMinute) {
                sleepUntil(nextMinute);
                Cpu now = Cpu.read(serverPid, postmasterPid);
                minutes.add(now.percentSince(minuteMark));
                System.err.printf("fleet: minute %d  %s  reports ok %d failed %d%n", minutes.size(),
                        minutes.get(minutes.size() - 1), reports.ok.get(), reports.failed.get());
                minuteMark = now;
                nextMinute += 60_000_000_000L;
            }
            if (due >= windowEnd) {
                break;
            }
            sleepUntil(due);
            int agent = (int) (k % agents);
            boolean measured = due >= windowStart;
            byte[] body = fleet.report(agent);
            bodyBytes.addAndGet(body.length);
            String key = Fleet.key(agent);
            workers.execute(() -> send(host, port, agent, "/api/clients/status", key, body, due, measured ? reports : null, reports));
            if (ThreadLocalRandom.current().nextDouble(100) < logPercent) {
                byte[] batch = fleet.logBatch(agent);
                workers.execute(() -> send(host, port, agent, "/api/clients/logs", key, batch, due, measured ? logs : null, logs));
            }
        }
        sleepUntil(windowEnd);
        Cpu cpuEnd = Cpu.read(serverPid, postmasterPid);
        long serverRssKb = rssKb(serverPid);
        int openConnections = 0;
        for (int i = 0; i < agents; i++) {
            openConnections += open.get(i) == null ? 0 : 1;
        }
        workers.shutdown();
        workers.awaitTermination(60, TimeUnit.SECONDS);
        double seconds = (cpuEnd.nanos - cpuStart.nanos) / 1e9;
        double generatorCpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
        double elapsedTotal = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "{\"agents\":%d,\"window_s\":%.1f,\"reports\":%d,\"reports_per_s\":%.1f,"
                        + "\"report_failed\":%d,\"report_p50_ms\":%.2f,\"report_p99_ms\":%.2f,\"report_max_ms\":%.2f,"
                        + "\"log_batches\":%d,\"log_failed\":%d,\"log_p50_ms\":%.2f,\"log_p99_ms\":%.2f,"
                        + "\"mean_report_bytes\":%.0f,\"server_cpu_pct\":%.2f,\"db_cpu_pct\":%.2f,"
                        + "\"server_user_pct\":%.2f,\"server_sys_pct\":%.2f,\"generator_cpu_pct\":%.2f,"
                        + "\"connections\":\"%s\",\"open_at_end\":%d,\"server_rss_mb\":%.1f,"
                        + "\"minutes\":\"%s\",\"first_error\":\"%s\"}%n",
                agents, seconds, reports.count(), reports.count() / seconds, reports.failed.get(),
                reports.percentile(0.50), reports.percentile(0.99), reports.percentile(1.0),
                logs.count(), logs.failed.get(), logs.percentile(0.50), logs.percentile(0.99),
                bodyBytes.get() / (double) Math.max(1, reports.ok.get() + reports.failed.get()),
                100 * (cpuEnd.server - cpuStart.server) / TICKS / seconds,
                100 * (cpuEnd.db - cpuStart.db) / TICKS / seconds,
                100 * (cpuEnd.serverUser - cpuStart.serverUser) / TICKS / seconds,
                100 * (cpuEnd.server - cpuEnd.serverUser - cpuStart.server + cpuStart.serverUser) / TICKS / seconds,
                100 * generatorCpu / elapsedTotal, NEW_CONNECTIONS ? "new per request" : "kept per agent",
                openConnections, serverRssKb / 1024.0, String.join(" | ", minutes),
                Stats.firstError == null ? "" : Stats.firstError.replace("\"", "'"));
    }

    /**
     * Sends one request on the agent's kept connection, or a new one. A kept connection the server
     * has closed fails before any answer; like the JDK client genba-agent uses, that request is
     * sent once more on a new connection.
     */
    private static void send(String host, int port, int agent, String path, String key, byte[] body, long due,
                             Stats measured, Stats counts) {
        Socket socket = NEW_CONNECTIONS ? null : open.getAndSet(agent, null);
        try {
            int status;
            if (socket == null) {
                socket = connect(host, port);
                status = post(socket, host, path, key, body);
            } else {
                try {
                    status = post(socket, host, path, key, body);
                } catch (IOException stale) {
                    socket.close();
                    socket = connect(host, port);
                    status = post(socket, host, path, key, body);
                }
            }
            long latency = System.nanoTime() - due;
            if (status == 200) {
                counts.ok.incrementAndGet();
                if (measured != null) {
                    measured.add(latency);
                }
            } else {
                counts.fail("HTTP " + status + " on " + path);
            }
            if (NEW_CONNECTIONS || !open.compareAndSet(agent, null, socket)) {
                socket.close();
            }
        } catch (IOException | RuntimeException e) {
            counts.fail(e + " on " + path);
            try {
                if (socket != null) {
                    socket.close();
                }
            } catch (IOException ignored) {
                // already failed; the failure is counted
            }
        }
    }

    private static Socket connect(String host, int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 10_000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        return socket;
    }

    private static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // reported as 0
        }
        return 0;
    }

    private static int post(Socket socket, String host, String path, String key, byte[] body) throws IOException {
        OutputStream out = socket.getOutputStream();
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n"
                 + (NEW_CONNECTIONS ? "Connection: close\r\n" : "") + "x-client-key: " + key + "\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] request = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        out.write(request);
        out.flush();
        InputStream in = new BufferedInputStream(socket.getInputStream(), 4096);
        String statusLine = readLine(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        int length = 0;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return status;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder(64);
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        if (c == -1 && line.length() == 0) {
            throw new IOException("connection closed");
        }
        return line.toString();
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long wait;
        while ((wait = deadline - System.nanoTime()) > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }

    /** Latencies of the requests due inside the steady window, and success/failure counts. */
    static final class Stats {
        static volatile String firstError;
        final AtomicLong ok = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        private long[] latencies = new long[1 << 16];
        private int n;

        synchronized void add(long latencyNs) {
            if (n == latencies.length) {
                latencies = Arrays.copyOf(latencies, n * 2);
            }
            latencies[n++] = latencyNs;
        }

        void fail(String what) {
            failed.incrementAndGet();
            if (firstError == null) {
                firstError = what;
            }
        }

        synchronized int count() {
            return n;
        }

        synchronized double percentile(double p) {
            if (n == 0) {
                return 0;
            }
            long[] sorted = Arrays.copyOf(latencies, n);
            Arrays.sort(sorted);
            return sorted[Math.min(n - 1, Math.max(0, (int) Math.ceil(p * n) - 1))] / 1e6;
        }
    }

    /** CPU ticks of the server JVM and of all PostgreSQL processes, read at one moment. */
    record Cpu(long nanos, long server, long serverUser, long db) {
        static Cpu read(long serverPid, long postmasterPid) {
            long db = 0;
            // Children first, the postmaster last: a child that exits in between is then counted
            // in neither reading rather than twice (its CPU moves to the postmaster's cutime).
            try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                for (Path proc : (Iterable<Path>) procs::iterator) {
                    String name = proc.getFileName().toString();
                    if (!name.chars().allMatch(Character::isDigit)) {
                        continue;
                    }
                    long[] fields = stat(proc);
                    if (fields != null && fields[1] == postmasterPid) {
                        db += fields[11] + fields[12];
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot list /proc", e);
            }
            long[] postmaster = stat(Path.of("/proc", Long.toString(postmasterPid)));
            long[] server = stat(Path.of("/proc", Long.toString(serverPid)));
            if (postmaster == null || server == null) {
                throw new IllegalStateException("server " + serverPid + " or postmaster " + postmasterPid + " is gone");
            }
            db += postmaster[11] + postmaster[12] + postmaster[13] + postmaster[14];
            return new Cpu(System.nanoTime(), server[11] + server[12], server[11], db);
        }

        /** Fields after the command name: [0]=state [1]=ppid ... [11]=utime [12]=stime [13]=cutime [14]=cstime. */
        static long[] stat(Path proc) {
            try {
                String text = Files.readString(proc.resolve("stat"));
                String[] parts = text.substring(text.lastIndexOf(')') + 2).split(" ");
                long[] fields = new long[15];
                for (int i = 1; i < 15; i++) {
                    fields[i] = Long.parseLong(parts[i]);
                }
                return fields;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        String percentSince(Cpu earlier) {
            double seconds = (nanos - earlier.nanos) / 1e9;
            return String.format(Locale.ROOT, "server %.1f%% db %.1f%%", 100 * (server - earlier.server) / TICKS / seconds,
                    100 * (db - earlier.db) / TICKS / seconds);
        }
    }

    /** The simulated agents' slowly drifting state and the bodies they send. */
    static final class Fleet {
        private static final String[] ROLES = {"handheld", "kiosk", "signage"};
        private static final String[][] LOG_LINES = {
                {"info", "scan delivered to primary in %d ms"},
                {"info", "スキャンを送信しました (%d ms)"},
                {"warn", "primary endpoint timed out after %d ms; retrying"},
                {"warn", "温度が高くなっています: %d℃"},
                {"error", "connection refused by genba-server:8501 (attempt %d)"},
                {"error", "サーバーへの接続に失敗しました (再試行 %d 回目)"},
                {"debug", "outbox queue length %d"},
        };
        private final double[] cpu;
        private final double[] memory;
        private final double[] disk;
        private final double[] temperature;
        private final Instant[] boot;
        private final boolean[] mirror;
        private final SplittableRandom random = new SplittableRandom(42);

        Fleet(int agents) {
            cpu = new double[agents];
            memory = new double[agents];
            disk = new double[agents];
            temperature = new double[agents];
            boot = new Instant[agents];
            mirror = new boolean[agents];
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            for (int i = 0; i < agents; i++) {
                cpu[i] = 2 + random.nextDouble(40);
                memory[i] = 25 + random.nextDouble(50);
                disk[i] = 15 + random.nextDouble(80);
                temperature[i] = 38 + random.nextDouble(30);
                boot[i] = now.minusSeconds(600 + random.nextInt(40 * 86400));
                mirror[i] = random.nextInt(3) > 0;
            }
        }

        static String name(int agent) {
            return String.format("FLEET-%05d", agent + 1);
        }

        static String key(int agent) {
            return String.format("gk_fleetbench_%05d", agent + 1);
        }

        /** Called from the scheduler thread only. */
        byte[] report(int i) {
            cpu[i] = clamp(cpu[i] + random.nextDouble(-8, 8), 0.5, 99.5);
            memory[i] = clamp(memory[i] + random.nextDouble(-2, 2), 10, 97);
            disk[i] = clamp(disk[i] + random.nextDouble(-0.01, 0.02), 5, 99.9);
            temperature[i] = clamp(temperature[i] + random.nextDouble(-1.5, 1.5), 30, 85);
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            long pending = random.nextInt(20) == 0 ? random.nextInt(1, 40) : 0;
            StringBuilder body = new StringBuilder(900);
            body.append("{\"client_id\":\"").append(name(i))
                    .append("\",\"hostname\":\"").append(ROLES[i % 3]).append('-').append(String.format("%05d", i + 1))
                    .append(".line").append(i % 12 + 1).append(".factory.local")
                    .append("\",\"ip_address\":\"10.").append(20 + i / 65000).append('.').append(i / 250 % 250).append('.')
                    .append(i % 250 + 2)
                    .append("\",\"cpu_usage\":").append(round(cpu[i]))
                    .append(",\"memory_usage\":").append(round(memory[i]))
                    .append(",\"disk_usage\":").append(round(disk[i]))
                    .append(",\"temperature\":").append(round(temperature[i]))
                    .append(",\"uptime_seconds\":").append(now.getEpochSecond() - boot[i].getEpochSecond())
                    .append(",\"last_boot\":\"").append(boot[i])
                    .append("\",\"sampled_at\":\"").append(now)
                    .append("\",\"agent_version\":\"0.1.").append(i % 10 == 0 ? 0 : 1)
                    .append("\",\"config_version\":").append(40 + i % 3)
                    .append(",\"logs_dropped\":0,\"outbox\":{");
            destination(body, "primary", pending, now);
            if (mirror[i]) {
                body.append(',');
                destination(body, "mirror", random.nextInt(50) == 0 ? random.nextInt(1, 200) : 0, now);
            }
            body.append("},\"latency_ms\":{");
            latency(body, "primary", 8 + random.nextDouble(30));
            if (mirror[i]) {
                body.append(',');
                latency(body, "mirror", 12 + random.nextDouble(60));
            }
            body.append("}}");
            return body.toString().getBytes(StandardCharsets.UTF_8);
        }

        private void destination(StringBuilder body, String name, long pending, Instant now) {
            body.append('"').append(name).append("\":{\"pending\":").append(pending);
            if (pending > 0) {
                body.append(",\"oldest_pending_s\":").append(random.nextInt(1, 600));
            }
            body.append(",\"dead_letters\":").append(random.nextInt(200) == 0 ? 1 : 0)
                    .append(",\"last_success_at\":\"").append(now.minusSeconds(random.nextInt(1, 90))).append("\"}");
        }

        private void latency(StringBuilder body, String name, double p50) {
            body.append('"').append(name).append("\":{\"avg\":").append(round(p50 * 1.2))
                    .append(",\"p50\":").append(round(p50))
                    .append(",\"p95\":").append(round(p50 * 2.5))
                    .append(",\"p99\":").append(round(p50 * 4))
                    .append(",\"max\":").append(round(p50 * 9))
                    .append(",\"samples\":").append(random.nextInt(20, 400)).append('}');
        }

        /** A 5-line log batch: what an agent with something to say ships in a minute. */
        byte[] logBatch(int i) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            StringBuilder body = new StringBuilder(1200).append("{\"client_id\":\"").append(name(i)).append("\",\"logs\":[");
            for (int line = 0; line < 5; line++) {
                String[] template = LOG_LINES[random.nextInt(LOG_LINES.length)];
                body.append(line == 0 ? "" : ",").append("{\"level\":\"").append(template[0])
                        .append("\",\"message\":\"").append(String.format(template[1], random.nextInt(1, 500)))
                        .append("\",\"context\":{\"dest\":\"primary\",\"attempt\":").append(random.nextInt(1, 5))
                        .append("},\"timestamp\":\"").append(now.minusMillis((5 - line) * 7_000L)).append('"');
                if (random.nextInt(4) == 0) {
                    body.append(",\"request_id\":\"req-").append(Long.toHexString(random.nextLong() >>> 16)).append('"');
                }
                body.append('}');
            }
            return body.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        }

        private static double clamp(double value, double low, double high) {
            return Math.max(low, Math.min(high, value));
        }

        private static double round(double value) {
            return Math.round(value * 10) / 10.0;
        }
    }
}
