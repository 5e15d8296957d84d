-- title: Instance launches per day above the trailing baseline
-- severity: medium
-- description: Days of the period whose successful RunInstances count (per account) is more than
--   `factor` times the account's average per day over the look-back before the period, and at
--   least `min_launches`.
-- references: FinOps: compute anomalies; MITRE ATT&CK T1496
-- param: factor float 3 | how many times the baseline daily average makes a spike
-- param: min_launches int 5 | fewer launches in a day are never a spike
WITH launches AS (
  SELECT eventid, eventtime, account, date_trunc('day', eventtime) AS day
  FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $until
    AND eventsource = 'ec2.amazonaws.com' AND eventname = 'RunInstances' AND errorcode IS NULL
),
baseline AS (
  SELECT account, count(*) / (date_part('epoch', $from) - date_part('epoch', $baseline_from)) * 86400.0 AS per_day
  FROM launches WHERE eventtime < $from GROUP BY account
),
daily AS (
  SELECT account, day, count(*) AS launches, array_sort(array_agg(eventid)) AS eventids
  FROM launches WHERE eventtime >= $from GROUP BY account, day
)
SELECT d.account, d.day, d.launches, round(coalesce(b.per_day, 0), 2) AS baseline_per_day, d.eventids
FROM daily d LEFT JOIN baseline b ON d.account = b.account
WHERE d.launches >= $min_launches AND d.launches > $factor * coalesce(b.per_day, 0)
ORDER BY d.account, d.day
