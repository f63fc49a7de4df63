import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load generator for bench/ingest: N keep-alive HTTP/1.1 connections posting scans to Genba as
 * fast as they are answered (or at a fixed total rate, Poisson arrivals like pgbench -R), recording each
 * request's latency.
 * Plain sockets so the generator costs as little CPU as pgbench does.
 *
 * java LoadGen.java HOST PORT KEY DEVICE single|batch CONCURRENCY SECONDS [BATCH_SIZE] [RATE_SCANS_PER_S]
 * Prints one JSON line: scans/s, requests/s, p50/p99 latency in ms, errors.
 * With LOADGEN_TRACE=FILE (and LOADGEN_SLOW_MS, default 20) every slower request is appended to FILE
 * as "wall-clock time it was due (ISO), latency ms", to line the tail up with the server's logs.
 */
public final class LoadGen {
    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String key = args[2];
        String device = args[3];
        boolean batch = args[4].equals("batch");
        int concurrency = Integer.parseInt(args[5]);
        int seconds = Integer.parseInt(args[6]);
        int batchSize = args.length > 7 ? Integer.parseInt(args[7]) : 100;
        double rate = args.length > 8 ? Double.parseDouble(args[8]) : 0;
        int scansPerRequest = batch ? batchSize : 1;

        // Like pgbench, which connects its clients before its clock starts: every connection is opened
        // and has sent one request (not counted) before the measured period, so a fresh JVM's first
        // requests (class loading, SecureRandom for the first UUID, connecting) are not the server's latency.
        long[] clock = new long[2];
        java.util.concurrent.CyclicBarrier ready = new java.util.concurrent.CyclicBarrier(concurrency, () -> {
            clock[0] = System.nanoTime();
            clock[1] = System.currentTimeMillis();
        });
        long[][] latencies = new long[concurrency][];
        int[] counts = new int[concurrency];
        AtomicLong errors = new AtomicLong();
        String traceFile = System.getenv("LOADGEN_TRACE");
        long slowNs = Long.parseLong(System.getenv().getOrDefault("LOADGEN_SLOW_MS", "20")) * 1_000_000L;
        java.util.Queue<String> slow = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Thread[] threads = new Thread[concurrency];
        for (int t = 0; t < concurrency; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                // With a target rate each connection sends on its own schedule (open model), its requests
                // due at exponentially distributed intervals (a Poisson process, as pgbench -R schedules).
                double intervalNs = rate > 0 ? 1e9 * concurrency * scansPerRequest / rate : 0;
                Connection socket = null;
                try {
                    socket = new Connection(host, port);
                    post(socket, host, batch ? "/api/v1/scans/batch" : "/api/v1/scans", key,
                            (batch ? batchBody(device, batchSize) : scan(device)).getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    socket = null;
                }
                try {
                    ready.await();
                    long start = clock[0];
                    long wallAtStart = clock[1];
                    long end = start + seconds * 1_000_000_000L;
                    long next = start;
                    while (System.nanoTime() < end) {
                        if (intervalNs > 0) {
                            next += (long) (-Math.log(1 - ThreadLocalRandom.current().nextDouble()) * intervalNs);
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                            }
                        }
                        if (socket == null) {
                            socket = new Connection(host, port);
                        }
                        byte[] body = (batch ? batchBody(device, batchSize) : scan(device)).getBytes(StandardCharsets.UTF_8);
                        String path = batch ? "/api/v1/scans/batch" : "/api/v1/scans";
                        long sent = intervalNs > 0 ? next : System.nanoTime();
                        int status;
                        try {
                            status = post(socket, host, path, key, body);
                        } catch (IOException e) {
                            socket.close();
                            socket = null;
                            errors.incrementAndGet();
                            continue;
                        }
                        long latency = System.nanoTime() - Math.min(sent, System.nanoTime());
                        if (status != 200) {
                            errors.incrementAndGet();
                            continue;
                        }
                        if (n == mine.length) {
                            mine = Arrays.copyOf(mine, n * 2);
                        }
                        mine[n++] = latency;
                        if (traceFile != null && latency > slowNs) {
                            slow.add(Instant.ofEpochMilli(wallAtStart + (sent - start) / 1_000_000) + " " + latency / 1_000_000);
                        }
                    }
                    if (socket != null) {
                        socket.close();
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                }
                latencies[id] = mine;
                counts[id] = n;
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double elapsed = (System.nanoTime() - clock[0]) / 1e9;
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int offset = 0;
        for (int t = 0; t < concurrency; t++) {
            System.arraycopy(latencies[t], 0, all, offset, counts[t]);
            offset += counts[t];
        }
        Arrays.sort(all);
        if (traceFile != null && !slow.isEmpty()) {
            java.nio.file.Files.write(java.nio.file.Path.of(traceFile), slow.stream().sorted().toList(),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        System.out.printf("{\"mode\":\"%s\",\"concurrency\":%d,\"seconds\":%.1f,\"requests\":%d,\"scans_per_s\":%.0f,"
                        + "\"requests_per_s\":%.0f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"errors\":%d}%n",
                batch ? "batch" + batchSize : "single", concurrency, elapsed, total, total * (double) scansPerRequest / elapsed,
                total / elapsed, percentile(all, 0.50), percentile(all, 0.99), errors.get());
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    private static String scan(String device) {
        int tag = ThreadLocalRandom.current().nextInt(100_000);
        return "{\"scan_id\":\"" + UUID.randomUUID() + "\",\"device_id\":\"" + device + "\",\"scanned_at\":\""
                + Instant.now() + "\",\"payload\":{\"tag_id\":\"T" + tag + "\",\"order_id\":\"\",\"location\":\"SHELF-"
                + (tag % 50) + "\",\"station\":\"A\",\"lot\":\"LOT-1\"}}";
    }

    private static String batchBody(String device, int size) {
        StringBuilder body = new StringBuilder(size * 200).append("{\"scans\":[");
        for (int i = 0; i < size; i++) {
            body.append(i == 0 ? "" : ",").append(scan(device));
        }
        return body.append("]}").toString();
    }

    /** One keep-alive connection with a buffered reader, so a response costs a few syscalls, not one per byte. */
    private static final class Connection implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Connection(String host, int port) throws IOException {
            socket = new Socket(host, port);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 16384);
            out = socket.getOutputStream();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static int post(Connection socket, String host, String path, String key, byte[] body) throws IOException {
        OutputStream out = socket.out;
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nx-client-key: "
                + key + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] request = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        out.write(request);
        out.flush();
        InputStream in = socket.in;
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
}
