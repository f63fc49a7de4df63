package dev.genba.server.mirror.compare;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** Keys in the engine's order: canonical text as UTF-8 bytes, column by column. */
final class KeyOrder {
    static final Comparator<byte[]> BYTES = Arrays::compareUnsigned;

    static final Comparator<List<String>> KEYS = (left, right) -> {
        for (int i = 0; i < left.size(); i++) {
            int order = BYTES.compare(bytes(left.get(i)), bytes(right.get(i)));
            if (order != 0) {
                return order;
            }
        }
        return 0;
    };

    private KeyOrder() {
    }

    private static byte[] bytes(String value) {
        return value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
    }
}
