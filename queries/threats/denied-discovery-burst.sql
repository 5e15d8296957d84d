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
-- Each refusal keeps its API "in the window" until the API's next refusal or an hour later,
-- whichever comes first: the APIs refused in the hour ending at t are the spans covering t.
spans AS (
  SELECT principal, eventtime AS span_start,
         least(eventtime + INTERVAL '1 hour',
               coalesce(lead(eventtime) OVER (PARTITION BY principal, eventsource, eventname ORDER BY eventtime, eventid),
                        eventtime + INTERVAL '1 hour')) AS span_end
  FROM denied
),
edges AS (
  SELECT principal, span_start AS at, 1 AS delta FROM spans
  UNION ALL
  SELECT principal, span_end AS at, -1 AS delta FROM spans
),
running AS (
  SELECT principal, at, delta,
         sum(delta) OVER (PARTITION BY principal ORDER BY at, delta ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS apis
  FROM edges
),
peaks AS (
  SELECT principal, at AS window_end, apis,
         row_number() OVER (PARTITION BY principal ORDER BY apis DESC, at) AS rn
  FROM running
  WHERE delta = 1 AND apis >= $threshold
)
SELECT p.principal, min(d.account) AS account, p.window_end, p.apis AS distinct_apis, count(*) AS refused,
       array_agg(d.eventid ORDER BY d.eventtime, d.eventid) AS eventids
FROM peaks p
JOIN denied d ON d.principal = p.principal
  AND d.eventtime > p.window_end - INTERVAL '1 hour' AND d.eventtime <= p.window_end
WHERE p.rn = 1
GROUP BY p.principal, p.window_end, p.apis
ORDER BY p.principal
