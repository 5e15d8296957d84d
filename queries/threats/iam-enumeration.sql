-- title: IAM enumeration
-- severity: medium
-- description: GetAccountAuthorizationDetails (every user, group, role and policy of the account
--   in one paginated call, the favourite of permission mappers), or one principal calling at
--   least `threshold` different IAM List*/Get* APIs (ListUsers, ListRoles, ListPolicies,
--   ListAttached*Policies, GetPolicyVersion, ...) within one hour (sliding). Refused calls count:
--   they are enumeration too. Calls made by AWS services on the principal's behalf are left out.
--   One row per principal and kind: for GetAccountAuthorizationDetails all its calls in the
--   period, for a burst the busiest hour. Administrators browsing the IAM console also make
--   bursts: raise `threshold` where that is common.
-- references: MITRE ATT&CK T1087.004, T1069.003
-- attack: T1087.004; T1069.003
-- param: threshold int 5 | different IAM List/Get APIs within an hour that make a burst
WITH iam_reads AS (
  SELECT eventid, eventtime, eventname, account, coalesce(useridentity.arn, useridentity.principalid) AS principal
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 'iam.amazonaws.com'
    AND regexp_like(eventname, '^(List|Get)')
    AND coalesce(useridentity.type, '') <> 'AWSService'
    AND useridentity.invokedby IS NULL
    AND NOT regexp_like(coalesce(sourceipaddress, ''), '\.amazonaws\.com$')
    AND coalesce(useridentity.arn, useridentity.principalid) IS NOT NULL
),
-- Each call keeps its API "in the window" until the API's next call or an hour later, whichever
-- comes first: the APIs called in the hour ending at t are the spans covering t.
spans AS (
  SELECT principal, eventtime AS span_start,
         least(eventtime + INTERVAL '1 hour',
               coalesce(lead(eventtime) OVER (PARTITION BY principal, eventname ORDER BY eventtime, eventid),
                        eventtime + INTERVAL '1 hour')) AS span_end
  FROM iam_reads
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
),
findings AS (
  SELECT principal, 'GetAccountAuthorizationDetails' AS kind, max(eventtime) AS last_call, 1 AS distinct_apis,
         count(*) AS calls, min(account) AS account, array_agg(eventid ORDER BY eventtime, eventid) AS eventids
  FROM iam_reads
  WHERE eventname = 'GetAccountAuthorizationDetails'
  GROUP BY principal
  UNION ALL
  SELECT p.principal, 'burst of IAM reads' AS kind, p.window_end AS last_call, p.apis AS distinct_apis,
         count(*) AS calls, min(r.account) AS account, array_agg(r.eventid ORDER BY r.eventtime, r.eventid) AS eventids
  FROM peaks p
  JOIN iam_reads r ON r.principal = p.principal
    AND r.eventtime > p.window_end - INTERVAL '1 hour' AND r.eventtime <= p.window_end
  WHERE p.rn = 1
  GROUP BY p.principal, p.window_end, p.apis
)
SELECT principal, account, kind, last_call, distinct_apis, calls, eventids
FROM findings
ORDER BY principal, kind
