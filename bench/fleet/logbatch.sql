-- pgbench baseline for one 5-line log batch: ClientLogStore.record's statement (unnest of arrays).
\set c random(1, 10000)
insert into client_logs (client_id, level, message, context, logged_at, request_id)
select 'FLEET-' || lpad(:c::text, 5, '0'), level, message, context, logged_at, request_id
from unnest(cast(array['info','warn','error','info','debug'] as text[]),
            cast(array['scan delivered to primary in 12 ms', '温度が高くなっています: 71℃',
                       'connection refused by genba-server:8501 (attempt 3)', 'スキャンを送信しました (18 ms)',
                       'outbox queue length 4'] as text[]),
            cast(array['{"dest":"primary","attempt":1}', '{"dest":"primary","attempt":2}', '{"dest":"primary","attempt":3}',
                       '{"dest":"primary","attempt":1}', '{"dest":"primary","attempt":4}'] as jsonb[]),
            array[clock_timestamp() - interval '35 s', clock_timestamp() - interval '28 s', clock_timestamp() - interval '21 s',
                  clock_timestamp() - interval '14 s', clock_timestamp() - interval '7 s'],
            cast(array[null, 'req-3f2a9c', null, null, null] as text[]))
     as input(level, message, context, logged_at, request_id)
on conflict do nothing;
