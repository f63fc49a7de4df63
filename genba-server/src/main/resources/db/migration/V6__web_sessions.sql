-- Login sessions of the admin pages. The cookie holds a random token; only its SHA-256 is stored.
create table web_sessions (
    token_hash    text primary key,
    user_name     text not null references users (name) on delete cascade,
    csrf_token    text not null,
    created_at    timestamptz not null default now(),
    last_seen_at  timestamptz not null default now(),
    expires_at    timestamptz not null
);
create index web_sessions_user on web_sessions (user_name);
create index web_sessions_expires on web_sessions (expires_at);

-- The client list counts each client's errors of the last 24 hours.
create index client_logs_client_level_time on client_logs (client_id, level, logged_at desc);
