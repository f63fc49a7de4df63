import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;

/**
 * The smallest program built from the agent's prescribed parts (ARCHITECTURE §3: a plain JDK,
 * {@code HttpURLConnection}, sqlite-jdbc in WAL, jackson-core streaming), with none of the agent's own
 * logic: no scheduler, no lambdas, no streams, no logging. bench/agent/floor.sh measures its
 * resident memory with the unit's JVM flags, to show how much of the agent's footprint the parts
 * themselves take.
 *
 * java -cp genba-agent.jar:. StackFloor MODE SCANS STATE_DIR
 *   MODE jvm        only the JVM (prints "ready" and sleeps)
 *        json-http  every scan encoded and parsed with jackson-core and POSTed with HttpURLConnection
 *                   to a loopback responder on a plain ServerSocket (the agent's intake is one too)
 *        sqlite     as json-http, and every scan first committed to a SQLite outbox (WAL,
 *                   synchronous=FULL, one transaction per scan), then marked delivered
 * Prints "ready" once the scans are through, then sleeps until killed.
 */
public final class StackFloor {
    private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + "Content-Length: 15\r\nConnection: close\r\n\r\n{\"status\":\"ok\"}").getBytes(StandardCharsets.US_ASCII);

    private StackFloor() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int scans = Integer.parseInt(args[1]);
        String stateDir = args[2];
        if (!mode.equals("jvm")) {
            ServerSocket responder = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread thread = new Thread(new Responder(responder), "responder");
            thread.setDaemon(true);
            thread.start();
            JsonFactory json = new JsonFactory();
            URL url = new URL("http://127.0.0.1:" + responder.getLocalPort() + "/api/v1/scans/batch");
            Outbox outbox = mode.equals("sqlite") ? new Outbox(stateDir + "/floor.db") : null;
            for (int i = 0; i < scans; i++) {
                byte[] body = encode(json, i);
                long id = outbox == null ? -1 : outbox.add(body);
                post(url, body);
                parse(json, body);
                if (outbox != null) {
                    outbox.delivered(id);
                }
            }
            if (outbox != null && outbox.pending() != 0) {
                throw new IllegalStateException("scans left in the outbox");
            }
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static byte[] encode(JsonFactory json, int i) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator generator = json.createGenerator(out)) {
            generator.writeStartObject();
            generator.writeStringField("scan_id", "0190f0c2-7a5e-7000-8000-" + twelveDigits(i));
            generator.writeStringField("device_id", "FLOOR-01");
            generator.writeStringField("scanned_at", "2026-11-24T10:15:03+09:00");
            generator.writeObjectFieldStart("payload");
            generator.writeStringField("tag_id", "TAG-" + i);
            generator.writeStringField("location", "SHELF-03");
            generator.writeEndObject();
            generator.writeEndObject();
        }
        return out.toByteArray();
    }

    /** Zero-padded without String.format, which would load the formatter, regex and locale classes. */
    private static String twelveDigits(int i) {
        String digits = Integer.toString(i);
        return "000000000000".substring(digits.length()) + digits;
    }

    private static void parse(JsonFactory json, byte[] body) throws IOException {
        try (JsonParser parser = json.createParser(body)) {
            int fields = 0;
            while (parser.nextToken() != null) {
                if (parser.currentName() != null) {
                    fields++;
                }
            }
            if (fields == 0) {
                throw new IllegalStateException("nothing parsed");
            }
        }
    }

    private static void post(URL url, byte[] body) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) url.openConnection();
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setConnectTimeout(5000);
        connection.setReadTimeout(5000);
        connection.setRequestProperty("Content-Type", "application/json");
        connection.setFixedLengthStreamingMode(body.length);
        try (OutputStream out = connection.getOutputStream()) {
            out.write(body);
        }
        if (connection.getResponseCode() != 200) {
            throw new IOException("responder answered " + connection.getResponseCode());
        }
        try (InputStream in = connection.getInputStream()) {
            in.readAllBytes();
        }
    }

    /** Answers every request with 200 and closes the connection. */
    private static final class Responder implements Runnable {
        private final ServerSocket socket;

        Responder(ServerSocket socket) {
            this.socket = socket;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            while (true) {
                try (Socket client = socket.accept()) {
                    InputStream in = client.getInputStream();
                    readRequest(in, buffer);
                    client.getOutputStream().write(RESPONSE);
                } catch (IOException e) {
                    // the client went away; take the next one
                }
            }
        }

        /** Reads the head and a Content-Length body: enough for HttpURLConnection's fixed-length POST. */
        private static void readRequest(InputStream in, byte[] buffer) throws IOException {
            int filled = 0;
            int headEnd = -1;
            while (headEnd < 0) {
                int n = in.read(buffer, filled, buffer.length - filled);
                if (n < 0) {
                    return;
                }
                filled += n;
                headEnd = indexOfBlankLine(buffer, filled);
            }
            String head = new String(buffer, 0, headEnd, StandardCharsets.US_ASCII).toLowerCase();
            int at = head.indexOf("content-length:");
            int length = 0;
            if (at >= 0) {
                int lineEnd = head.indexOf('\r', at);
                length = Integer.parseInt(head.substring(at + 15, lineEnd < 0 ? head.length() : lineEnd).trim());
            }
            int remaining = length - (filled - headEnd - 4);
            while (remaining > 0) {
                int n = in.read(buffer, 0, Math.min(buffer.length, remaining));
                if (n < 0) {
                    return;
                }
                remaining -= n;
            }
        }

        private static int indexOfBlankLine(byte[] buffer, int filled) {
            for (int i = 0; i + 3 < filled; i++) {
                if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n') {
                    return i;
                }
            }
            return -1;
        }
    }

    /** A one-table outbox with the agent's SQLite settings. */
    private static final class Outbox {
        private final Connection connection;
        private final PreparedStatement insert;
        private final PreparedStatement delivered;

        Outbox(String file) throws SQLException {
            SQLiteConfig config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
            config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
            config.setCacheSize(-1024);
            connection = config.createConnection("jdbc:sqlite:" + file);
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, body BLOB NOT NULL,"
                        + " delivered INTEGER NOT NULL DEFAULT 0)");
            }
            insert = connection.prepareStatement("INSERT INTO outbox (body) VALUES (?)");
            delivered = connection.prepareStatement("UPDATE outbox SET delivered = 1 WHERE id = ?");
        }

        long add(byte[] body) throws SQLException {
            connection.setAutoCommit(false);
            insert.setBytes(1, body);
            insert.executeUpdate();
            long id;
            try (Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT last_insert_rowid()")) {
                rows.next();
                id = rows.getLong(1);
            }
            connection.commit();
            connection.setAutoCommit(true);
            return id;
        }

        void delivered(long id) throws SQLException {
            delivered.setLong(1, id);
            delivered.executeUpdate();
        }

        long pending() throws SQLException {
            try (Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT count(*) FROM outbox WHERE delivered = 0")) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }
}
