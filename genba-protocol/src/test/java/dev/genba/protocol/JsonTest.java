package dev.genba.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parses_objects_arrays_and_scalars_into_plain_java_values() {
        Object parsed = Json.parse("{\"a\": [1, 2.5, \"x\", true, null], \"b\": {\"c\": \"日本語\"}}");

        assertThat(parsed).isEqualTo(Map.of("a", java.util.Arrays.asList(1L, new BigDecimal("2.5"), "x", true, null),
                "b", Map.of("c", "日本語")));
    }

    @Test
    void writes_what_it_parses_back_to_the_same_value() {
        String text = "{\"scan\":{\"id\":\"x\",\"n\":3,\"f\":1.25,\"list\":[true,null],\"ja\":\"棚-03\"}}";
        assertThat(Json.write(Json.parse(text))).isEqualTo(text);
    }

    @Test
    void refuses_duplicate_keys() {
        assertThatThrownBy(() -> Json.parse("{\"a\": 1, \"a\": 2}"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("Duplicate field 'a'");
    }

    @Test
    void refuses_invalid_utf8() {
        byte[] bytes = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        assertThatThrownBy(() -> Json.parse(bytes)).isInstanceOf(ProtocolException.class)
                .hasMessageStartingWith("body is not valid JSON");
    }

    @Test
    void refuses_trailing_content_empty_input_and_deep_nesting() {
        assertThatThrownBy(() -> Json.parse("{} {}")).hasMessageContaining("after the JSON document");
        assertThatThrownBy(() -> Json.parse(new byte[0])).hasMessageContaining("empty");
        assertThatThrownBy(() -> Json.parse("[".repeat(100) + "]".repeat(100))).hasMessageContaining("too deeply nested");
    }

    @Test
    void error_messages_never_echo_more_than_a_short_excerpt() {
        String huge = "{\"a\": " + "x".repeat(10_000) + "}";
        assertThatThrownBy(() -> Json.parse(huge.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProtocolException.class)
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(400));
    }

    @Test
    void keeps_the_order_of_object_keys() {
        Map<?, ?> parsed = (Map<?, ?>) Json.parse("{\"z\": 1, \"a\": 2, \"m\": 3}");
        assertThat(List.<Object>copyOf(parsed.keySet())).containsExactly("z", "a", "m");
    }
}
