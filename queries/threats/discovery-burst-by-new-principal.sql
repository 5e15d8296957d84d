-- title: Discovery burst by a principal never seen before
-- severity: medium
-- description: A principal (an IAM user, or a role whatever its session names) that made no call
--   at all in the look-back before the period (--lookback, 30 days by default) calling at least
--   `threshold` different List*, Describe* or Get* management APIs within one hour (sliding),
--   refused calls included: the enumeration that follows the theft of new credentials, or a
--   freshly created backdoor principal looking around. Calls made by AWS services on a
--   principal's behalf are left out, and so are accounts the look-back holds nothing of. One row
--   per principal: the busiest hour, its end, and the calls in it.
-- references: MITRE ATT&CK T1580, T1526, T1087.004
-- attack: T1580; T1526; T1087.004
-- param: threshold int 20 | different read APIs (event source and name) within an hour that make a burst
WITH reads AS (
  SELECT eventid, eventtime, eventsource, eventname, account,
         coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn, useridentity.principalid) AS principal
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND regexp_like(eventname, '^(List|Describe|Get)')
    AND coalesce(eventcategory, 'Management') = 'Management'
    AND coalesce(useridentity.type, '') <> 'AWSService'
    AND useridentity.invokedby IS NULL
    AND NOT regexp_like(coalesce(sourceipaddress, ''), '\.amazonaws\.com$')
),
seen AS (
  SELECT DISTINCT account, coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn, useridentity.principalid) AS principal
  FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $from
),
new_reads AS (
  SELECT r.* FROM reads r
  LEFT JOIN seen s ON r.principal = s.principal
  WHERE r.principal IS NOT NULL AND s.principal IS NULL
    AND r.account IN (SELECT account FROM seen)
),
-- The different APIs called by each principal in the hour ending at each of its calls,
-- (t - 1 hour, t]: a sliding window's distinct count (microsecond timestamps, so the frame starts
-- one microsecond after t - 1 hour). Its busiest hour comes first.
hourly AS (
  SELECT principal, eventtime AS window_end,
         count(DISTINCT concat(eventsource, ':', eventname)) OVER (PARTITION BY principal ORDER BY eventtime
           RANGE BETWEEN INTERVAL '59 minutes 59.999999 seconds' PRECEDING AND CURRENT ROW) AS apis
  FROM new_reads
),
peaks AS (
  SELECT principal, window_end, apis,
         row_number() OVER (PARTITION BY principal ORDER BY apis DESC, window_end) AS rn
  FROM hourly
  WHERE apis >= $threshold
)
SELECT p.principal, min(n.account) AS account, p.window_end, p.apis AS distinct_apis, count(*) AS calls,
       array_agg(n.eventid ORDER BY n.eventtime, n.eventid) AS eventids
FROM peaks p
JOIN new_reads n ON n.principal = p.principal
  AND n.eventtime > p.window_end - INTERVAL '1 hour' AND n.eventtime <= p.window_end
WHERE p.rn = 1
GROUP BY p.principal, p.window_end, p.apis
ORDER BY p.principal
