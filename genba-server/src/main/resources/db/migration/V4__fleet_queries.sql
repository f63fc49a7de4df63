-- Log search by any substring, Japanese included: trigram index (pg_trgm is a trusted extension).
create extension if not exists pg_trgm;
create index client_logs_message_trgm on client_logs using gin (message gin_trgm_ops);
create index client_logs_request_id on client_logs (request_id) where request_id is not null;
create index client_logs_level_time on client_logs (level, logged_at desc);
