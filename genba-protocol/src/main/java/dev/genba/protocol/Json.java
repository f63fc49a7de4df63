package dev.genba.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Strict JSON for the wire: parses into plain {@code Map}/{@code List}/{@code String}/
 * {@code Long}/{@code BigDecimal}/{@code Boolean}/{@code null} values and writes them back.
 *
 * <p>Strict means: duplicate keys, invalid UTF-8, trailing content, deep nesting and huge
 * numbers are errors, reported as {@link ProtocolException} with a plain message.
 */
public final class Json {
    private static final int MAX_DEPTH = 32;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxNumberLength(64)
                    .maxStringLength(4 * 1024 * 1024)
                    .build())
            .build();

    private Json() {
    }

    /** Parses one JSON document; anything after it other than whitespace is an error. */
    public static Object parse(byte[] utf8) {
        try (JsonParser parser = FACTORY.createParser(utf8)) {
            return parseDocument(parser);
        } catch (IOException e) {
            throw syntaxError(e);
        }
    }

    public static Object parse(String text) {
        return parse(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Object parseDocument(JsonParser parser) throws IOException {
        JsonToken first = parser.nextToken();
        if (first == null) {
            throw ProtocolException.invalidJson("request body is empty; a JSON document is required");
        }
        Object value = readValue(parser, first);
        if (parser.nextToken() != null) {
            throw ProtocolException.invalidJson("unexpected content after the JSON document");
        }
        return value;
    }

    private static Object readValue(JsonParser parser, JsonToken token) throws IOException {
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> object = new LinkedHashMap<>();
                for (JsonToken next = parser.nextToken(); next != JsonToken.END_OBJECT; next = parser.nextToken()) {
                    String name = parser.currentName();
                    object.put(name, readValue(parser, parser.nextToken()));
                }
                return object;
            }
            case START_ARRAY -> {
                List<Object> array = new ArrayList<>();
                for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
                    array.add(readValue(parser, next));
                }
                return array;
            }
            case VALUE_STRING -> {
                return parser.getText();
            }
            case VALUE_NUMBER_INT -> {
                if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    return new BigDecimal(parser.getBigIntegerValue());
                }
                return parser.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return parser.getDecimalValue();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw ProtocolException.invalidJson("unexpected JSON token " + token);
        }
    }

    private static ProtocolException syntaxError(IOException e) {
        if (e instanceof StreamConstraintsException) {
            return ProtocolException.invalidJson("JSON document is too large or too deeply nested: "
                    + firstLine(e.getMessage()));
        }
        if (e instanceof JsonParseException parseError) {
            String message = firstLine(parseError.getOriginalMessage());
            var location = parseError.getLocation();
            if (location != null && location.getByteOffset() >= 0) {
                message += " (at byte " + location.getByteOffset() + ")";
            } else if (location != null && location.getCharOffset() >= 0) {
                message += " (at character " + location.getCharOffset() + ")";
            }
            return ProtocolException.invalidJson("body is not valid JSON: " + message);
        }
        return ProtocolException.invalidJson("body could not be read as JSON: " + firstLine(e.getMessage()));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }

    /** Writes a value tree (maps, lists, strings, numbers, booleans, nulls, instants, UUIDs). */
    public static String write(Object value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            writeValue(generator, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    public static byte[] writeBytes(Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        writeTo(out, value);
        return out.toByteArray();
    }

    public static void writeTo(OutputStream out, Object value) {
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            writeValue(generator, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeValue(JsonGenerator generator, Object value) throws IOException {
        if (value == null) {
            generator.writeNull();
        } else if (value instanceof String text) {
            generator.writeString(text);
        } else if (value instanceof Map<?, ?> map) {
            generator.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                generator.writeFieldName(String.valueOf(entry.getKey()));
                writeValue(generator, entry.getValue());
            }
            generator.writeEndObject();
        } else if (value instanceof Iterable<?> items) {
            generator.writeStartArray();
            for (Object item : items) {
                writeValue(generator, item);
            }
            generator.writeEndArray();
        } else if (value instanceof Boolean bool) {
            generator.writeBoolean(bool);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            generator.writeNumber(((Number) value).longValue());
        } else if (value instanceof BigDecimal decimal) {
            generator.writeNumber(decimal);
        } else if (value instanceof BigInteger integer) {
            generator.writeNumber(integer);
        } else if (value instanceof Double || value instanceof Float) {
            double number = ((Number) value).doubleValue();
            if (Double.isFinite(number)) {
                generator.writeNumber(number);
            } else {
                generator.writeNull();
            }
        } else if (value instanceof Instant || value instanceof UUID) {
            generator.writeString(value.toString());
        } else {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
        }
    }
}
