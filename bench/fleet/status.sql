-- pgbench baseline for one status report: the two statements ClientStatusStore.record runs,
-- in one transaction, with a report of the size and shape the simulated agents send.
\set c random(1, 10000)
\set cpu random(1, 99)
\set mem random(20, 90)
BEGIN;
insert into client_status_history (client_id, sampled_at, received_at, cpu_usage, memory_usage, disk_usage, temperature, uptime_seconds, report)
values ('FLEET-' || lpad(:c::text, 5, '0'), clock_timestamp(), now(), :cpu, :mem, 61.4, 52.3, 1499441,
        cast('{"client_id":"FLEET-00001","hostname":"handheld-00001.line1.factory.local","ip_address":"10.20.0.2","cpu_usage":42.9,"memory_usage":33.3,"disk_usage":37.3,"temperature":47.8,"uptime_seconds":1499441,"last_boot":"2026-11-06T13:39:53Z","sampled_at":"2026-11-23T22:10:34.951Z","agent_version":"0.1.1","config_version":40,"logs_dropped":0,"outbox":{"primary":{"pending":0,"dead_letters":0,"last_success_at":"2026-11-23T22:09:54.951Z"},"mirror":{"pending":0,"dead_letters":0,"last_success_at":"2026-11-23T22:10:01.951Z"}},"latency_ms":{"primary":{"avg":23.5,"p50":19.6,"p95":49.0,"p99":78.4,"max":176.4,"samples":212},"mirror":{"avg":51.1,"p50":42.6,"p95":106.5,"p99":170.4,"max":383.4,"samples":305}}}' as jsonb))
on conflict (client_id, sampled_at) do nothing;
insert into client_status (client_id, sampled_at, received_at, report)
values ('FLEET-' || lpad(:c::text, 5, '0'), clock_timestamp(), now(),
        cast('{"client_id":"FLEET-00001","hostname":"handheld-00001.line1.factory.local","ip_address":"10.20.0.2","cpu_usage":42.9,"memory_usage":33.3,"disk_usage":37.3,"temperature":47.8,"uptime_seconds":1499441,"last_boot":"2026-11-06T13:39:53Z","sampled_at":"2026-11-23T22:10:34.951Z","agent_version":"0.1.1","config_version":40,"logs_dropped":0,"outbox":{"primary":{"pending":0,"dead_letters":0,"last_success_at":"2026-11-23T22:09:54.951Z"},"mirror":{"pending":0,"dead_letters":0,"last_success_at":"2026-11-23T22:10:01.951Z"}},"latency_ms":{"primary":{"avg":23.5,"p50":19.6,"p95":49.0,"p99":78.4,"max":176.4,"samples":212},"mirror":{"avg":51.1,"p50":42.6,"p95":106.5,"p99":170.4,"max":383.4,"samples":305}}}' as jsonb))
on conflict (client_id) do update
    set sampled_at = excluded.sampled_at, received_at = excluded.received_at, report = excluded.report
    where excluded.sampled_at >= client_status.sampled_at;
END;
