-- Log search for two-character words (most Japanese words: 温度, 停電, 故障): pg_trgm takes no
-- trigram from two characters, so such a search read every line. A GIN index over the message's
-- lower-cased character pairs narrows it instead; the ILIKE still decides.
create function genba_bigrams(text) returns text[] language sql immutable strict parallel safe as $$
    select coalesce(array_agg(distinct substr(lower($1), i, 2)), '{}') from generate_series(1, length($1) - 1) i
$$;
create index client_logs_message_bigrams on client_logs using gin (genba_bigrams(message));
