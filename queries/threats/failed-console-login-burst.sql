-- title: Burst of failed console sign-ins
-- severity: high
-- description: More than `threshold` failed console sign-ins from one source IP, or for one
--   principal (the user name; the root user of each account; a role by its ARN), within any 5
--   minutes: a sliding window over the events themselves (each failure is counted with the
--   failures of the 5 minutes before it), not calendar buckets. One row per IP or principal: the
--   busiest window, its end, and the eventids in it.
-- references: CIS AWS Foundations 4.6; MITRE ATT&CK T1110, T1110.003
-- attack: T1110; T1110.003
-- param: threshold int 10 | failures within 5 minutes that are not yet a burst
WITH failures AS (
  SELECT eventid, eventtime, sourceipaddress,
         CASE WHEN useridentity.type = 'Root' THEN 'root of ' || coalesce(useridentity.accountid, useridentity.principalid, account)
              ELSE coalesce(useridentity.username, useridentity.arn, useridentity.principalid) END AS username
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventname = 'ConsoleLogin'
    AND (errormessage = 'Failed authentication' OR json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Failure')
),
keyed AS (
  SELECT 'source_ip' AS key_type, sourceipaddress AS key, eventid, eventtime FROM failures WHERE sourceipaddress IS NOT NULL
  UNION ALL
  SELECT 'user' AS key_type, username AS key, eventid, eventtime FROM failures WHERE username IS NOT NULL
),
windows AS (
  SELECT key_type, key, eventtime AS window_end,
         count(*) OVER (PARTITION BY key_type, key ORDER BY eventtime RANGE BETWEEN INTERVAL '5 minutes' PRECEDING AND CURRENT ROW) AS failures,
         array_agg(eventid) OVER (PARTITION BY key_type, key ORDER BY eventtime RANGE BETWEEN INTERVAL '5 minutes' PRECEDING AND CURRENT ROW) AS eventids
  FROM keyed
),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY key_type, key ORDER BY failures DESC, window_end) AS rn
  FROM windows WHERE failures > $threshold
)
SELECT key_type, key, window_end, failures, array_sort(eventids) AS eventids
FROM ranked WHERE rn = 1
ORDER BY key_type, key
