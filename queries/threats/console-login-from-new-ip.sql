-- title: Console sign-in from an address new for the principal
-- severity: medium
-- description: Successful console sign-ins of a principal (IAM user, root, or federated session
--   by its ARN) from a source IP it never signed in from successfully in the look-back before the
--   period (--lookback, 30 days by default). Principals with no successful sign-in in the
--   look-back are left out: every address is new for them.
-- references: MITRE ATT&CK T1078.004
-- attack: T1078.004
WITH recent AS (
  SELECT eventid, eventtime, coalesce(useridentity.arn, useridentity.principalid) AS principal,
         user_display_name(useridentity) AS principal_name, sourceipaddress, useragent,
         json_extract_scalar(additionaleventdata, '$.MFAUsed') AS mfa_used, account
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 'signin.amazonaws.com' AND eventname = 'ConsoleLogin'
    AND errorcode IS NULL AND json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Success'
),
before AS (
  SELECT DISTINCT coalesce(useridentity.arn, useridentity.principalid) AS principal, sourceipaddress
  FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $from
    AND eventsource = 'signin.amazonaws.com' AND eventname = 'ConsoleLogin'
    AND errorcode IS NULL AND json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Success'
),
known AS (
  SELECT DISTINCT principal FROM before
)
SELECT r.eventid, r.eventtime, r.principal_name AS principal, r.principal AS principal_arn,
       r.sourceipaddress, r.useragent, r.mfa_used, r.account
FROM recent r
JOIN known k ON r.principal = k.principal
LEFT JOIN before b ON r.principal = b.principal AND r.sourceipaddress = b.sourceipaddress
WHERE b.principal IS NULL
ORDER BY r.eventtime, r.eventid
