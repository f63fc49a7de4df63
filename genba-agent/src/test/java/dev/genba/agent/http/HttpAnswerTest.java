package dev.genba.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpAnswerTest {
    private static final String URL = "http://raspi-server.local:8501/api/clients/status";

    private static HttpAnswer answer(int status, String body) {
        return new HttpAnswer(status, body.getBytes(StandardCharsets.UTF_8), null, 3, null);
    }

    @Test
    void a_genba_error_is_described_by_its_message() {
        assertThat(answer(400, "{\"error\":\"invalid_field\",\"message\":\"cpu_usage must be 0-100\"}").describe(URL))
                .isEqualTo("HTTP 400 from " + URL + ": cpu_usage must be 0-100");
        assertThat(answer(502, "<html>Bad gateway</html>").describe(URL))
                .isEqualTo("HTTP 502 from " + URL + ": <html>Bad gateway</html>");
    }

    @Test
    void a_refused_key_says_what_to_check_even_when_the_answer_has_no_body() {
        assertThat(answer(401, "").describe(URL)).isEqualTo("HTTP 401 from " + URL + ": the server refused this"
                + " device's key; check client_id and client_key in the agent config against `genba clients list` on"
                + " the server");
    }

    @Test
    void an_empty_answer_does_not_end_in_a_dangling_colon() {
        assertThat(answer(500, "").describe(URL)).isEqualTo("HTTP 500 from " + URL + " (no explanation in the answer)");
    }
}
