-- title: Session token without MFA, taken in an unusual way
-- severity: medium
-- description: GetSessionToken calls that succeeded, made by an IAM user's access key without MFA
--   (no serialNumber in the request), and new for that user compared with the look-back before the
--   period (--lookback, 30 days by default): the user never called GetSessionToken then, or the
--   call comes from a source IP, or a client (the user agent's product: aws-cli, Boto3, ...), the
--   user never used then. Temporary credentials minted from a stolen key outlive the key being
--   disabled. `why` lists what was new.
-- references: MITRE ATT&CK T1550.001, T1078.004
-- attack: T1550.001; T1078.004
WITH tokens AS (
  SELECT eventid, eventtime, useridentity.arn AS user_arn, user_display_name(useridentity) AS principal,
         sourceipaddress, useragent, split_part(coalesce(useragent, ''), '/', 1) AS client,
         json_extract_scalar(requestparameters, '$.durationSeconds') AS duration_seconds, account
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 'sts.amazonaws.com' AND eventname = 'GetSessionToken'
    AND errorcode IS NULL
    AND useridentity.type = 'IAMUser'
    AND json_extract_scalar(requestparameters, '$.serialNumber') IS NULL
),
history AS (
  SELECT eventsource, eventname, errorcode, useridentity.arn AS user_arn, sourceipaddress,
         split_part(coalesce(useragent, ''), '/', 1) AS client
  FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $from
    AND useridentity.type = 'IAMUser'
    AND useridentity.arn IN (SELECT user_arn FROM tokens)
),
called AS (
  SELECT DISTINCT user_arn FROM history
  WHERE eventsource = 'sts.amazonaws.com' AND eventname = 'GetSessionToken' AND errorcode IS NULL
),
ips AS (SELECT DISTINCT user_arn, sourceipaddress FROM history),
clients AS (SELECT DISTINCT user_arn, client FROM history)
SELECT t.eventid, t.eventtime, t.principal, t.sourceipaddress, t.useragent, t.duration_seconds,
       concat_ws(', ',
                 CASE WHEN c.user_arn IS NULL THEN 'first GetSessionToken' END,
                 CASE WHEN i.user_arn IS NULL THEN 'new source IP' END,
                 CASE WHEN a.user_arn IS NULL THEN 'new client' END) AS why,
       t.account
FROM tokens t
LEFT JOIN called c ON c.user_arn = t.user_arn
LEFT JOIN ips i ON i.user_arn = t.user_arn AND i.sourceipaddress = t.sourceipaddress
LEFT JOIN clients a ON a.user_arn = t.user_arn AND a.client = t.client
WHERE c.user_arn IS NULL OR i.user_arn IS NULL OR a.user_arn IS NULL
ORDER BY t.eventtime, t.eventid
