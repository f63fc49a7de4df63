-- Every device key ever revoked, so none can be registered again (genba clients add --key-stdin),
-- also after its device was given a new key, which overwrites devices.key_hash.
create table revoked_device_keys (
    key_hash    bytea primary key,
    name        text not null,
    revoked_at  timestamptz not null default now()
);

insert into revoked_device_keys (key_hash, name, revoked_at)
select key_hash, name, revoked_at from devices where revoked_at is not null;
