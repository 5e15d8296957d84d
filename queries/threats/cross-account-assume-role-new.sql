-- title: New cross-account role assumption
-- severity: medium
-- description: Successful AssumeRole calls where the role belongs to another account than the
--   caller, for a caller (an IAM user, or a role whatever its session names) and role that made
--   no such call in the look-back before the period (--lookback, 30 days by default): an
--   intruder moving from the account they hold into others that trust it, or an outside account
--   starting to use a trust that was granted to it. Calls made by AWS services are left out, and
--   so are accounts the look-back holds nothing of. One row per caller and role; a call logged
--   in both accounts is counted once.
-- references: MITRE ATT&CK T1078.004
-- attack: T1078.004
WITH assumes AS (
  SELECT eventid, eventtime, account, sourceipaddress,
         coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn, useridentity.principalid) AS caller,
         coalesce(useridentity.accountid, arn_account(useridentity.arn)) AS caller_account,
         json_extract_scalar(requestparameters, '$.roleArn') AS role_arn,
         useridentity.arn IS NOT NULL AS has_arn, requestid
  FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $until
    AND eventsource = 'sts.amazonaws.com' AND eventname = 'AssumeRole'
    AND errorcode IS NULL
    AND coalesce(useridentity.type, '') <> 'AWSService'
    AND useridentity.invokedby IS NULL
),
-- A call into another account is logged in both: the caller's copy names it by its ARN, the
-- role account's copy only by principal ID and account. They share the request ID: one copy is
-- kept, the one with the ARN.
cross_account AS (
  SELECT * FROM (
    SELECT a.*, row_number() OVER (PARTITION BY coalesce(requestid, eventid)
                                   ORDER BY CASE WHEN has_arn THEN 0 ELSE 1 END, eventid) AS copy
    FROM assumes a
    WHERE caller IS NOT NULL AND arn_account(role_arn) IS NOT NULL AND arn_account(role_arn) <> caller_account
  ) WHERE copy = 1
),
before AS (
  SELECT DISTINCT caller, role_arn FROM cross_account WHERE eventtime < $from
),
history AS (
  SELECT DISTINCT account FROM cloudtrail WHERE eventtime >= $baseline_from AND eventtime < $from
)
SELECT c.caller, min(c.caller_account) AS caller_account, c.role_arn, arn_account(c.role_arn) AS role_account,
       min(c.eventtime) AS first_call, count(DISTINCT c.eventid) AS calls,
       array_sort(array_agg(DISTINCT c.sourceipaddress)) AS source_ips,
       array_sort(array_agg(DISTINCT c.eventid)) AS eventids
FROM cross_account c
LEFT JOIN before b ON c.caller = b.caller AND c.role_arn = b.role_arn
WHERE eventtime >= $from AND eventtime < $until AND b.caller IS NULL
  AND c.account IN (SELECT account FROM history)
GROUP BY c.caller, c.role_arn
ORDER BY first_call, c.caller, c.role_arn
