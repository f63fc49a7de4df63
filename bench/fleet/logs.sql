-- :n log lines (default run: 1,000,000) for FLEET-00001 .. FLEET-01000, spread over the last 29.5
-- days (inside the 30-day retention), the way agents ship them: about half English, half
-- Japanese; 5 % debug, 70 % info, 15 % warn, 10 % error; every fifth line has a request_id
-- shared with one other line; a few words are rare on purpose so searches for them are selective:
--   watchdog  1 line in 10,000 (English, rare)     停電  1 line in 10,000 (Japanese, rare)
--   connection  ~11 % of lines (English, common)  接続  ~9 % of lines      温度  ~5 % of lines
-- Deterministic (setseed), so every run searches the same data.
-- psql -v n=1000000 -f logs.sql
select setseed(0.42);

create temporary table templates (level text, weight int, message text);
insert into templates values
  ('debug', 3, 'heartbeat tick %s'),
  ('debug', 2, 'デバッグ: 送信キューの長さ %s'),
  ('info', 14, 'scan delivered to primary in %s ms'),
  ('info', 12, 'スキャンをサーバーに送信しました (%s ms)'),
  ('info', 8, 'status report sent, cpu %s %%'),
  ('info', 8, '設定をバージョン %s に更新しました'),
  ('info', 8, 'outbox drained: %s scans delivered to mirror'),
  ('info', 6, 'サーバーに接続しました (%s ms)'),
  ('info', 6, 'barcode reader ready on /dev/hidraw%s'),
  ('info', 4, 'connection to mirror restored after %s s'),
  ('info', 4, '温度センサーの値: %s℃'),
  ('warn', 4, 'connection to primary slow: %s ms'),
  ('warn', 4, '温度が高くなっています: %s℃'),
  ('warn', 3, '接続が不安定です (遅延 %s ms)'),
  ('warn', 2, 'disk usage above 85 %%: %s %% used on /var'),
  ('warn', 2, 'retrying delivery to mirror (attempt %s)'),
  ('error', 3, 'connection refused by genba-server:8501 (attempt %s)'),
  ('error', 3, 'サーバーへの接続に失敗しました (再試行 %s 回目)'),
  ('error', 2, 'barcode reader timeout after %s ms'),
  ('error', 1, 'バーコードリーダーが応答しません (%s ms)'),
  ('error', 1, 'outbox write failed: disk full (%s MB free)');

-- Cumulative weights, so a uniform random number picks a template with its weight.
create temporary table picks as
select level, message,
       (sum(weight) over (order by level, message) - weight)::float / sum(weight) over () as low,
       sum(weight) over (order by level, message)::float / sum(weight) over () as high
from templates;

insert into client_logs (client_id, level, message, context, logged_at, request_id, received_at)
select 'FLEET-' || lpad((1 + g % 1000)::text, 5, '0'),
       case when rare then 'error' else p.level end,
       case when g % 10000 = 17 then format('watchdog reset after kernel oops in spi driver (%s)', g)
            when g % 10000 = 4242 then format('停電から復旧しました: 前回の起動から %s 秒', g)
            else format(p.message, 10 + (g::bigint * 7919) % 90) end,
       case when g % 3 = 0 then jsonb_build_object('dest', case when g % 2 = 0 then 'primary' else 'mirror' end,
                                                   'attempt', g % 5 + 1) end,
       t,
       case when g % 5 = 0 then 'req-' || lpad(to_hex(g / 10), 8, '0') end,
       t + interval '2 seconds'
from (select g, random() as r, now() - random() * interval '29.5 days' as t,
             g % 10000 in (17, 4242) as rare
      from generate_series(1, :n) g) lines
join picks p on lines.r >= p.low and lines.r < p.high
on conflict do nothing;
