package dev.genba.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MessagesTest {
    @Test
    void japanese_and_english_have_the_same_words() {
        assertThat(Messages.of("ja").keys()).isNotEmpty().isEqualTo(Messages.of("en").keys());
    }

    @Test
    void the_browser_s_preference_chooses_the_language_and_an_explicit_choice_wins() {
        assertThat(Messages.choose(null, "en-US,en;q=0.9")).isEqualTo("en");
        assertThat(Messages.choose(null, "fr-FR, ja;q=0.8, en;q=0.5")).isEqualTo("ja");
        assertThat(Messages.choose(null, "en;q=0.3, ja;q=0.9")).isEqualTo("ja");
        assertThat(Messages.choose(null, "de")).as("neither offered: Japanese, the factory's language").isEqualTo("ja");
        assertThat(Messages.choose(null, ";;;garbage")).isEqualTo("ja");
        assertThat(Messages.choose("en", "ja")).isEqualTo("en");
        assertThat(Messages.choose("xx", "en")).isEqualTo("en");
    }

    @Test
    void arguments_fill_the_sentence() {
        assertThat(Messages.of("en").get("login.throttled", 30)).isEqualTo("Too many failed attempts. Wait 30 seconds and try again.");
        assertThat(Messages.of("ja").get("time.minutes_ago", 3)).isEqualTo("3分前");
        assertThat(Messages.of("en").get("no.such.key")).isEqualTo("no.such.key");
    }
}
