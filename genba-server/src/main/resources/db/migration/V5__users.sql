-- People who log in to the admin pages. Passwords only as slow salted hashes.
create table users (
    name           text primary key,
    role           text not null check (role in ('admin', 'viewer')),
    password_hash  text,
    created_at     timestamptz not null default now(),
    password_set_at timestamptz
);
