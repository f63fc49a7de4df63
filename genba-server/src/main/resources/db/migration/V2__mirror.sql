-- Mirror verification (C3). One row of state, one row per comparison run, one per difference.
create table mirror_state (
    id            int primary key default 1 check (id = 1),
    enabled       boolean not null default false,
    endpoint      text,
    changed_at    timestamptz not null default now(),
    changed_by    text
);
insert into mirror_state (id) values (1);

create table mirror_runs (
    id           bigserial primary key,
    started_at   timestamptz not null,
    finished_at  timestamptz not null,
    local_date   date not null,
    mode         text not null,
    scheduled    boolean not null,
    status       text not null check (status in ('OK', 'NG', 'ERROR')),
    rows_compared bigint not null default 0,
    diffs        int not null default 0,
    diff_rows    int not null default 0,
    chunks       int not null default 0,
    skipped      int not null default 0,
    errors       jsonb not null default '[]',
    time_s       double precision not null,
    ok_streak    int not null
);
create index mirror_runs_scheduled on mirror_runs (scheduled, started_at);

create table mirror_diffs (
    run_id          bigint not null references mirror_runs (id) on delete cascade,
    key             jsonb not null,
    kind            text not null,
    primary_values  jsonb,
    mirror_values   jsonb,
    columns         jsonb not null default '[]',
    detected_at     timestamptz not null
);
create index mirror_diffs_run on mirror_diffs (run_id);

-- Log rotations asked for by `genba mirror rotate` and done by the running server.
create table mirror_rotations (
    id            bigserial primary key,
    requested_at  timestamptz not null default now(),
    done_at       timestamptz,
    archived      jsonb
);
