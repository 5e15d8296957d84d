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
-- Each call keeps its API "in the window" from its time until the API's next call or an hour
-- later, whichever comes first; the number of APIs in the hour ending at t is the number of such
-- spans covering t: a running sum of +1 at each start and -1 at each end.
spans AS (
  SELECT principal, eventtime AS span_start,
         least(eventtime + INTERVAL '1 hour',
               coalesce(lead(eventtime) OVER (PARTITION BY principal, eventsource, eventname ORDER BY eventtime, eventid),
                        eventtime + INTERVAL '1 hour')) AS span_end
  FROM new_reads
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
SELECT p.principal, min(n.account) AS account, p.window_end, p.apis AS distinct_apis, count(*) AS calls,
       array_agg(n.eventid ORDER BY n.eventtime, n.eventid) AS eventids
FROM peaks p
JOIN new_reads n ON n.principal = p.principal
  AND n.eventtime > p.window_end - INTERVAL '1 hour' AND n.eventtime <= p.window_end
WHERE p.rn = 1
GROUP BY p.principal, p.window_end, p.apis
ORDER BY p.principal
