-- Devices (handhelds, kiosks) and their keys. Keys are random; only their SHA-256 is kept.
create table devices (
    name        text primary key,
    key_hash    bytea not null unique,
    key_hint    text not null,
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz
);

-- Bearer tokens for admin API calls; same rule: only the hash is kept.
create table admin_tokens (
    id          bigserial primary key,
    name        text not null,
    token_hash  bytea not null unique,
    token_hint  text not null,
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz
);

-- Every scan exactly once, keyed by the device-chosen scan_id.
create table scans (
    scan_id      uuid primary key,
    device_id    text not null,
    tag_id       text not null,
    order_id     text not null,
    location     text not null,
    station      text,
    lot          text,
    scanned_at   timestamptz not null,
    received_at  timestamptz not null default now(),
    payload      jsonb not null
);
create index scans_received_at on scans (received_at);
create index scans_tag_order on scans (tag_id, order_id);

-- Where each part is now: the scan with the latest scanned_at (ties: the larger scan_id) wins.
create table part_locations (
    tag_id       text not null,
    order_id     text not null,
    location     text not null,
    station      text,
    lot          text,
    device_id    text not null,
    scan_id      uuid not null,
    scanned_at   timestamptz not null,
    updated_at   timestamptz not null default now(),
    primary key (tag_id, order_id)
);
create index part_locations_location on part_locations (location);
create index part_locations_station on part_locations (station);
create index part_locations_updated_at on part_locations (updated_at);

-- Latest health report per client, and every report kept for history.
create table client_status (
    client_id    text primary key,
    sampled_at   timestamptz not null,
    received_at  timestamptz not null,
    report       jsonb not null
);

create table client_status_history (
    client_id       text not null,
    sampled_at      timestamptz not null,
    received_at     timestamptz not null default now(),
    cpu_usage       real,
    memory_usage    real,
    disk_usage      real,
    temperature     real,
    uptime_seconds  bigint,
    report          jsonb not null,
    primary key (client_id, sampled_at)
);
create index client_status_history_received on client_status_history (received_at);

create table client_logs (
    id           bigserial primary key,
    client_id    text not null,
    level        text not null,
    message      text not null,
    context      jsonb,
    logged_at    timestamptz not null,
    request_id   text,
    received_at  timestamptz not null default now()
);
create index client_logs_client_time on client_logs (client_id, logged_at desc);
create index client_logs_time on client_logs (logged_at desc);

-- Desired agent configuration: scope '*' holds fleet-wide values, otherwise a device name.
-- version comes from one sequence so every change is ordered.
create sequence agent_config_version;
create table agent_settings (
    scope       text not null,
    key         text not null,
    value       jsonb,
    version     bigint not null,
    updated_at  timestamptz not null default now(),
    primary key (scope, key)
);
