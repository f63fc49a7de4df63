package dev.genba.server.web;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Line charts drawn as SVG on the server: no script, no library, nothing fetched. A gap longer
 * than three buckets (the client was off) breaks the line instead of drawing across it.
 */
public final class Charts {
    static final int WIDTH = 640;
    static final int HEIGHT = 170;
    static final int LEFT = 44;
    static final int RIGHT = 8;
    static final int TOP = 10;
    static final int BOTTOM = 24;

    private Charts() {
    }

    public record Tick(double position, String label, String anchor) {
    }

    /** Everything a template needs to draw one metric. */
    public record Chart(String key, String title, String unit, int width, int height, List<String> lines,
                        List<Tick> yTicks, List<Tick> xTicks, String latest, int points) {
        public int plotLeft() {
            return LEFT;
        }

        public int plotRight() {
            return width - RIGHT;
        }

        public int plotTop() {
            return TOP;
        }

        public int plotBottom() {
            return height - BOTTOM;
        }

        public boolean empty() {
            return points == 0;
        }
    }

    /**
     * A chart of {@code field} from the metrics points ({@code t} + values) between {@code from}
     * and {@code to}; {@code max} fixes the top of the scale (100 for percentages) or, when
     * null, is rounded up from the data.
     */
    public static Chart of(String key, String title, String unit, String field, List<Map<String, Object>> points,
                           Instant from, Instant to, Duration bucket, Double max, ZoneId zone) {
        double top = max != null ? max : niceCeiling(points.stream()
                .map(point -> point.get(field)).filter(Number.class::isInstance)
                .mapToDouble(value -> ((Number) value).doubleValue()).max().orElse(1));
        double span = Math.max(1, Duration.between(from, to).toMillis());
        int plotWidth = WIDTH - LEFT - RIGHT;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        Instant previous = null;
        Object last = null;
        int count = 0;
        for (Map<String, Object> point : points) {
            Object value = point.get(field);
            Instant t = (Instant) point.get("t");
            if (!(value instanceof Number number) || t == null) {
                continue;
            }
            if (previous != null && Duration.between(previous, t).compareTo(bucket.multipliedBy(3)) > 0 && line.length() > 0) {
                lines.add(line.toString().trim());
                line.setLength(0);
            }
            double x = LEFT + plotWidth * Duration.between(from, t).toMillis() / span;
            double y = TOP + plotHeight * (1 - Math.min(1, Math.max(0, number.doubleValue() / top)));
            line.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            previous = t;
            last = value;
            count++;
        }
        if (line.length() > 0) {
            lines.add(line.toString().trim());
        }
        List<Tick> yTicks = new ArrayList<>();
        for (int i = 0; i <= 4; i++) {
            double value = top * i / 4;
            yTicks.add(new Tick(TOP + plotHeight * (1 - i / 4.0), format(value), "end"));
        }
        boolean days = Duration.between(from, to).compareTo(Duration.ofDays(2)) > 0;
        DateTimeFormatter labels = DateTimeFormatter.ofPattern(days ? "MM/dd" : "HH:mm");
        List<Tick> xTicks = new ArrayList<>();
        int tickCount = days ? 7 : 6;
        for (int i = 0; i <= tickCount; i++) {
            Instant at = from.plusMillis((long) (span * i / tickCount));
            xTicks.add(new Tick(LEFT + plotWidth * (double) i / tickCount, labels.format(at.atZone(zone)),
                    i == 0 ? "start" : i == tickCount ? "end" : "middle"));
        }
        String latest = last == null ? "-" : format(((Number) last).doubleValue()) + unit;
        return new Chart(key, title, unit, WIDTH, HEIGHT, lines, yTicks, xTicks, latest, count);
    }

    static double niceCeiling(double value) {
        if (value <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String format(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.format(Locale.ROOT, "%.1f", value);
    }
}
