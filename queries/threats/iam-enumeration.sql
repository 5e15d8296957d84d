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
-- The different IAM APIs each principal called in the hour ending at each of its calls,
-- (t - 1 hour, t]: a sliding window's distinct count (microsecond timestamps, so the frame starts
-- one microsecond after t - 1 hour). Its busiest hour comes first.
hourly AS (
  SELECT principal, eventtime AS window_end,
         count(DISTINCT eventname) OVER (PARTITION BY principal ORDER BY eventtime
           RANGE BETWEEN INTERVAL '59 minutes 59.999999 seconds' PRECEDING AND CURRENT ROW) AS apis
  FROM iam_reads
),
peaks AS (
  SELECT principal, window_end, apis,
         row_number() OVER (PARTITION BY principal ORDER BY apis DESC, window_end) AS rn
  FROM hourly
  WHERE apis >= $threshold
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
