import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load generator for bench/agent: scanner apps posting to the agent's loopback intake
 * ({@code POST /scans}, payload only: the agent fills scan_id, device_id and scanned_at) over
 * keep-alive HTTP/1.1 connections, each waiting for its 202 before the next scan.
 *
 * java AgentLoad.java intake PORT CONCURRENCY SECONDS   one scan per request; prints scans/s and ack latency
 *                                                        (AGENTLOAD_SLOW_FILE: also each slow answer, with its time)
 * java AgentLoad.java fill PORT SCANS                    1000-scan requests until SCANS were acknowledged
 * Prints one JSON line.
 */
public final class AgentLoad {
    private static final long SLOW_NS = 50_000_000L;
    private static final long SLOW_LOG_NS = Long.parseLong(System.getenv().getOrDefault("AGENTLOAD_SLOW_MS", "50")) * 1_000_000L;

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        if (args[0].equals("fill")) {
            fill(port, Long.parseLong(args[2]));
        } else {
            intake(port, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        }
    }

    private static void intake(int port, int concurrency, int seconds) throws Exception {
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long[][] latencies = new long[concurrency][];
        int[] counts = new int[concurrency];
        String[] slow = new String[concurrency];
        AtomicLong errors = new AtomicLong();
        Thread[] threads = new Thread[concurrency];
        for (int t = 0; t < concurrency; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                StringBuilder slowLines = new StringBuilder();
                Connection connection = null;
                while (System.nanoTime() < end) {
                    try {
                        if (connection == null) {
                            connection = new Connection(port);
                        }
                        // The clock starts once the request is built: making it is the scanner app's work.
                        byte[] request = request(scan().getBytes(StandardCharsets.UTF_8));
                        long sent = System.nanoTime();
                        int status = exchange(connection, request);
                        long latency = System.nanoTime() - sent;
                        if (status != 202) {
                            errors.incrementAndGet();
                            continue;
                        }
                        if (n == mine.length) {
                            mine = Arrays.copyOf(mine, n * 2);
                        }
                        mine[n++] = latency;
                        if (latency > SLOW_LOG_NS) {
                            slowLines.append(String.format("%.3f %.3f %.2f %d %d%n", (sent + latency) / 1e6,
                                    (sent - start) / 1e9, latency / 1e6, id, n));
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet();
                        close(connection);
                        connection = null;
                    }
                }
                close(connection);
                latencies[id] = mine;
                counts[id] = n;
                slow[id] = slowLines.toString();
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int offset = 0;
        for (int t = 0; t < concurrency; t++) {
            System.arraycopy(latencies[t], 0, all, offset, counts[t]);
            offset += counts[t];
        }
        // The first answer on each connection comes while the agent (in `intake`-only runs, 0.3 s old)
        // and this JVM are both starting: counted apart so it is not taken for a steady-state stall.
        int firstOver50 = 0;
        for (int t = 0; t < concurrency; t++) {
            if (counts[t] > 0 && latencies[t][0] > SLOW_NS) {
                firstOver50++;
            }
        }
        Arrays.sort(all);
        writeSlowAnswers(slow);
        long over50 = Arrays.stream(all).filter(latency -> latency > SLOW_NS).count();
        System.out.printf("{\"mode\":\"intake\",\"concurrency\":%d,\"seconds\":%.1f,\"scans\":%d,\"scans_per_s\":%.0f,"
                        + "\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,\"over_50ms\":%d,\"over_50ms_first\":%d,"
                        + "\"errors\":%d}%n",
                concurrency, elapsed, total, total / elapsed, percentile(all, 0.50), percentile(all, 0.99),
                total == 0 ? 0 : all[total - 1] / 1e6, over50, firstOver50, errors.get());
    }

    /**
     * With AGENTLOAD_SLOW_FILE set, every answer over AGENTLOAD_SLOW_MS (default 50) as one line, in completion order:
     * ms of System.nanoTime() at the answer (CLOCK_MONOTONIC: the agent's {@code -Xlog:...:timenanos} and
     * {@code perf record -k mono} use the same clock), seconds since the start at the send, ms to the
     * answer, connection, request number on that connection.
     */
    private static void writeSlowAnswers(String[] slow) throws IOException {
        String file = System.getenv("AGENTLOAD_SLOW_FILE");
        if (file == null) {
            return;
        }
        List<String> lines = new ArrayList<>();
        for (String perConnection : slow) {
            perConnection.lines().forEach(lines::add);
        }
        lines.sort(Comparator.comparingDouble(line -> Double.parseDouble(line.substring(0, line.indexOf(' ')))));
        Files.write(Path.of(file), lines);
    }

    private static void fill(int port, long scans) throws Exception {
        long start = System.nanoTime();
        AtomicLong acknowledged = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                try (Connection connection = new Connection(port)) {
                    while (acknowledged.get() < scans) {
                        int size = (int) Math.min(1000, scans - acknowledged.get());
                        if (size <= 0) {
                            break;
                        }
                        StringBuilder body = new StringBuilder(size * 80).append("{\"scans\":[");
                        for (int i = 0; i < size; i++) {
                            body.append(i == 0 ? "" : ",").append(scan());
                        }
                        body.append("]}");
                        if (exchange(connection, request(body.toString().getBytes(StandardCharsets.UTF_8))) == 202) {
                            acknowledged.addAndGet(size);
                        } else {
                            errors.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        System.out.printf("{\"mode\":\"fill\",\"scans\":%d,\"seconds\":%.1f,\"errors\":%d}%n", acknowledged.get(),
                (System.nanoTime() - start) / 1e9, errors.get());
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    private static String scan() {
        int tag = ThreadLocalRandom.current().nextInt(100_000);
        return "{\"payload\":{\"tag_id\":\"T" + tag + "\",\"order_id\":\"\",\"location\":\"SHELF-" + (tag % 50)
                + "\",\"station\":\"A\",\"lot\":\"LOT-1\"}}";
    }

    private static void close(Connection connection) {
        if (connection != null) {
            connection.close();
        }
    }

    /** One keep-alive connection with a buffered reader, so a response costs a few syscalls. */
    private static final class Connection implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Connection(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 16384);
            out = socket.getOutputStream();
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static byte[] request(byte[] body) {
        String head = "POST /scans HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] request = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        return request;
    }

    /** Sends one request and reads its answer; returns the status. */
    private static int exchange(Connection connection, byte[] request) throws IOException {
        connection.out.write(request);
        connection.out.flush();
        String statusLine = readLine(connection.in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        int length = 0;
        for (String line = readLine(connection.in); !line.isEmpty(); line = readLine(connection.in)) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        connection.in.readNBytes(length);
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
}
