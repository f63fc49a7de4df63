-- The simulated fleet: FLEET-00001 .. FLEET-<n> with keys gk_fleetbench_00001 ..., stored the way
-- DeviceKeyStore stores them (SHA-256 of the key's UTF-8 bytes), in one statement instead of n
-- `genba clients add` runs. psql -v n=10000 -f devices.sql
insert into devices (name, key_hash, key_hint)
select 'FLEET-' || lpad(i::text, 5, '0'),
       sha256(convert_to('gk_fleetbench_' || lpad(i::text, 5, '0'), 'UTF8')),
       'gk_flee…'
from generate_series(1, :n) i
on conflict (name) do nothing;
