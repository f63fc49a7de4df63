-- An agent that retries a log batch (its answer was lost) must not store the lines twice.
create unique index client_logs_once on client_logs (client_id, logged_at, md5(level || ':' || message || ':' || coalesce(request_id, '')));
create index client_status_history_sampled on client_status_history (sampled_at);
