-- title: Permission probing: many different read APIs refused
-- severity: high
-- description: One principal refused (AccessDenied, UnauthorizedOperation, ...) on at least
--   `threshold` different List*, Describe* or Get* APIs (event source and name) within one hour
--   (sliding): what permission brute-forcers (enumerate-iam, Pacu's bruteforce module) and
--   stolen credentials of unknown reach produce, trying one read call after another to learn
--   what they may do. Narrower than unauthorized-calls-burst, which counts every refused call:
--   an application retrying one denied call a thousand times is not a finding here. Calls made
--   by AWS services on a principal's behalf are left out. One row per principal: the busiest
--   hour, its end, and the refused calls in it.
-- references: MITRE ATT&CK T1580, T1526, T1069.003
-- attack: T1580; T1526; T1069.003
-- param: threshold int 10 | different refused read APIs within an hour that make a burst
WITH denied AS (
  SELECT eventid, eventtime, eventsource, eventname, account, coalesce(useridentity.arn, useridentity.principalid, 'unknown') AS principal
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND regexp_like(eventname, '^(List|Describe|Get)')
    AND (errorcode LIKE 'AccessDenied%' OR errorcode LIKE '%UnauthorizedOperation' OR errorcode IN ('AuthorizationError', 'UnauthorizedException', 'Forbidden'))
    AND coalesce(useridentity.type, '') <> 'AWSService'
    AND useridentity.invokedby IS NULL
    AND NOT regexp_like(coalesce(sourceipaddress, ''), '\.amazonaws\.com$')
),
-- The different APIs refused by each principal in the hour ending at each of its calls,
-- (t - 1 hour, t]: a sliding window's distinct count (microsecond timestamps, so the frame starts
-- one microsecond after t - 1 hour). Its busiest hour comes first.
hourly AS (
  SELECT principal, eventtime AS window_end,
         count(DISTINCT concat(eventsource, ':', eventname)) OVER (PARTITION BY principal ORDER BY eventtime
           RANGE BETWEEN INTERVAL '59 minutes 59.999999 seconds' PRECEDING AND CURRENT ROW) AS apis
  FROM denied
),
peaks AS (
  SELECT principal, window_end, apis,
         row_number() OVER (PARTITION BY principal ORDER BY apis DESC, window_end) AS rn
  FROM hourly
  WHERE apis >= $threshold
)
SELECT p.principal, min(d.account) AS account, p.window_end, p.apis AS distinct_apis, count(*) AS refused,
       array_agg(d.eventid ORDER BY d.eventtime, d.eventid) AS eventids
FROM peaks p
JOIN denied d ON d.principal = p.principal
  AND d.eventtime > p.window_end - INTERVAL '1 hour' AND d.eventtime <= p.window_end
WHERE p.rn = 1
GROUP BY p.principal, p.window_end, p.apis
ORDER BY p.principal
